/**
 * The conversation's workflow actions: assign to me / unassign, status, labels, snooze, follow-up
 * reminder (with the times set, and the way to undo them), archive, mark unread, history.
 * What is offered follows the API's rules (shared/workflow/rules.ts): dispatchers and admins
 * assign; an agent can only give their own conversation back; "assigned", "in progress" and
 * "to do" need an assignee. Every change sends the version shown (`If-Match`), so a change made
 * meanwhile by someone else is refused (409) rather than overwritten.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import { ApiError } from '../api/client';
import type { ChangeResult, ConversationStatus, ConversationSummary, Mailbox, MailboxRole } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { describeError, type PlainError } from '../lib/errors';
import { ErrorNote } from './error-note';
import { LabelEditor } from './label-editor';
import { formatScheduleTime, SchedulePanel } from './snooze-menu';

const WITH_ASSIGNEE: ConversationStatus[] = ['assigned', 'in_progress', 'todo', 'closed'];
const WITHOUT_ASSIGNEE: ConversationStatus[] = ['unassigned', 'closed'];

export interface ConversationActionsProps {
  api: ApiClient;
  conversation: ConversationSummary;
  role: MailboxRole;
  me: string;
  /** The conversation after a change (or as it now is, after a conflict). */
  onChanged: (summary: ConversationSummary) => void;
  /** It left the caller's current list (an agent gave it back; archived; snoozed). */
  onGone: () => void;
  /** A conflict: the conversation must be loaded again. */
  onStale: () => void;
  historyOpen: boolean;
  onToggleHistory: () => void;
}

export function ConversationActions(props: ConversationActionsProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const { conversation, role, me } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<PlainError | null>(null);
  const [status, setStatus] = useState('');
  /** The one panel open under the bar, if any. */
  const [panel, setPanel] = useState<'assign' | 'labels' | 'snooze' | 'followUp' | null>(null);
  const assigning = panel === 'assign';
  const [labelSuggestions, setLabelSuggestions] = useState<string[] | null>(null);
  /** Whether the last change changed anything (`changed` of the API's answer). */
  const changed = useRef(true);
  const toggles = useRef<Record<string, HTMLButtonElement | null>>({});
  const [members, setMembers] = useState<{ email: string; name: string }[] | null>(null);
  const [assignee, setAssignee] = useState('');
  const [note, setNote] = useState('');
  const dispatcher = role === 'admin' || role === 'dispatcher';

  // Members of the conversation's mailbox, fetched when the picker first opens.
  useEffect(() => {
    if (!assigning || members !== null) return;
    props.api.get<{ items: { email: string; name: string }[] }>(`/api/mailboxes/${encodeURIComponent(conversation.mailboxId)}/members`).then(
      (page) => setMembers(page.items),
      (failure: unknown) => {
        setMembers([]);
        setError(describeError(failure, i18n));
      },
    );
  }, [assigning]);
  // The names of the mailbox's defined labels, which every member reads with their mailboxes (the
  // admin's view of a mailbox adds only the colours, which the editor does not show).
  useEffect(() => {
    if (panel !== 'labels' || labelSuggestions !== null) return;
    props.api.get<{ items: Mailbox[] }>('/api/mailboxes').then(
      (page) => setLabelSuggestions(page.items.find((m) => m.mailboxId === conversation.mailboxId)?.labels ?? []),
      () => setLabelSuggestions([]),
    );
  }, [panel]);
  const path = `/api/conversations/${encodeURIComponent(conversation.conversationId)}`;

  const toggle = (which: NonNullable<typeof panel>) => () => setPanel(panel === which ? null : which);
  /** Closes the panel and gives the focus back to the button that opened it. */
  const close = (): void => {
    const opener = panel === null ? null : toggles.current[panel];
    setPanel(null);
    opener?.focus();
  };

  const run = async (request: () => Promise<ConversationSummary>, after?: (summary: ConversationSummary) => void): Promise<void> => {
    setBusy(true);
    setError(null);
    setStatus(t('actions.saving'));
    try {
      const summary = await request();
      props.onChanged(summary);
      setStatus(t('actions.saved'));
      after?.(summary);
    } catch (failure) {
      setStatus('');
      if (failure instanceof ApiError && failure.status === 409) {
        setError({ message: t('actions.conflict'), detail: failure.problem?.detail ?? null });
        props.onStale();
      } else {
        setError(describeError(failure, i18n, 'conversation.notFound'));
      }
    } finally {
      setBusy(false);
    }
  };

  const change = (action: string, body: Record<string, unknown>) => () =>
    props.api.send<ChangeResult>('POST', `${path}/${action}`, body, { headers: { 'if-match': `"${conversation.version}"` } }).then((r) => {
      changed.current = r.changed;
      return r.conversation;
    });
  const say = (text: string): void => setStatus(text);

  const wake = (): void => void run(change('snooze', { until: null }), () => say(changed.current ? t('snooze.wokeUp') : t('snooze.notSnoozed')));
  const cancelFollowUp = (): void => void run(change('follow-up', { at: null }), () => say(changed.current ? t('snooze.followUpCancelled') : t('snooze.noFollowUp')));
  // Older answers may lack the fields: no time known is no time shown.
  const snoozedUntil = conversation.snoozedUntil ?? null;
  const followUpAt = conversation.followUpAt ?? null;

  const statuses = conversation.assignee === null ? WITHOUT_ASSIGNEE : WITH_ASSIGNEE;
  const canRelease = conversation.assignee !== null && (dispatcher || conversation.assignee === me);

  return (
    <div class="actions">
      <div class="actions__bar" role="group" aria-label={t('conversation.actions')}>
        {dispatcher && conversation.assignee !== me ? (
          <button type="button" class="button button--small" disabled={busy} onClick={() => void run(change('assign', { assignee: 'me' }))}>
            {t('actions.assignToMe')}
          </button>
        ) : null}
        {dispatcher ? (
          <button type="button" class="button button--small" disabled={busy} aria-expanded={assigning} ref={(b) => { toggles.current.assign = b; }} onClick={toggle('assign')}>
            {t('actions.assignTo')}
          </button>
        ) : null}
        {canRelease ? (
          <button
            type="button"
            class="button button--small"
            disabled={busy}
            onClick={() => void run(change('assign', { assignee: null }), () => {
              if (!dispatcher) props.onGone();
            })}
          >
            {conversation.assignee === me ? t('actions.release') : t('actions.unassign')}
          </button>
        ) : null}
        <label class="field field--inline">
          <span>{t('conversation.status')}</span>
          <select
            value={conversation.status}
            disabled={busy}
            onChange={(event) => {
              const next = (event.currentTarget as HTMLSelectElement).value;
              if (next !== conversation.status) void run(change('status', { status: next }));
            }}
          >
            {(statuses.includes(conversation.status) ? statuses : [conversation.status, ...statuses]).map((s) => (
              <option key={s} value={s}>{t(`status.${s}`)}</option>
            ))}
          </select>
        </label>
        <button type="button" class="button button--small" aria-expanded={panel === 'labels'} ref={(b) => { toggles.current.labels = b; }} onClick={toggle('labels')}>
          {t('labels.edit')}
        </button>
        <button type="button" class="button button--small" aria-expanded={panel === 'snooze'} ref={(b) => { toggles.current.snooze = b; }} onClick={toggle('snooze')}>
          {t('snooze.snooze')}
        </button>
        <button type="button" class="button button--small" aria-expanded={panel === 'followUp'} ref={(b) => { toggles.current.followUp = b; }} onClick={toggle('followUp')}>
          {t('snooze.followUp')}
        </button>
        <button
          type="button"
          class="button button--small"
          disabled={busy}
          onClick={() => void run(change(conversation.archived ? 'unarchive' : 'archive', {}), (summary) => {
            if (summary.archived) props.onGone();
            else say(t('archive.unarchived'));
          })}
        >
          {conversation.archived ? t('archive.unarchive') : t('archive.archive')}
        </button>
        {!conversation.unread ? (
          <button
            type="button"
            class="button button--small"
            disabled={busy}
            onClick={() => void run(() => props.api.send<{ conversation: ConversationSummary }>('POST', `${path}/unread`).then((r) => r.conversation))}
          >
            {t('actions.markUnread')}
          </button>
        ) : null}
        <button type="button" class="button button--small" aria-expanded={props.historyOpen} onClick={props.onToggleHistory}>
          {props.historyOpen ? t('actions.hideHistory') : t('actions.history')}
        </button>
        <span class="actions__status muted" role="status">{status}</span>
      </div>
      {snoozedUntil !== null || followUpAt !== null ? (
        <ul class="actions__schedule" aria-label={t('views.schedule')}>
          {snoozedUntil !== null ? (
            <li class="actions__schedule-item">
              <span>{t('views.snoozedUntil', { at: formatScheduleTime(i18n.locale, snoozedUntil) })}</span>
              <button type="button" class="button button--small button--ghost" disabled={busy} onClick={wake}>{t('snooze.wake')}</button>
            </li>
          ) : null}
          {followUpAt !== null ? (
            <li class="actions__schedule-item">
              <span>{t('views.followUpAt', { at: formatScheduleTime(i18n.locale, followUpAt) })}</span>
              <button type="button" class="button button--small button--ghost" disabled={busy} onClick={cancelFollowUp}>{t('snooze.followUpCancel')}</button>
            </li>
          ) : null}
        </ul>
      ) : null}
      {assigning ? (
        <form
          class="actions__assign"
          aria-label={t('actions.assignTo')}
          onSubmit={(event) => {
            event.preventDefault();
            if (assignee === '') return;
            const message = note.trim();
            void run(change('assign', { assignee, ...(message ? { message } : {}) }), () => {
              setPanel(null);
              setNote('');
            });
          }}
        >
          <label class="field field--inline">
            <span>{t('actions.member')}</span>
            <select value={assignee} onChange={(event) => setAssignee((event.currentTarget as HTMLSelectElement).value)} aria-busy={members === null}>
              <option value="">{members === null ? t('app.loading') : t('actions.chooseMember')}</option>
              {(members ?? []).map((m) => (
                <option key={m.email} value={m.email} disabled={m.email === conversation.assignee}>{m.name ? `${m.name} (${m.email})` : m.email}</option>
              ))}
            </select>
          </label>
          <label class="field field--inline actions__note">
            <span>{t('actions.assignMessage')}</span>
            <input type="text" maxLength={500} value={note} onInput={(event) => setNote((event.currentTarget as HTMLInputElement).value)} />
          </label>
          <button type="submit" class="button button--small button--primary" disabled={busy || assignee === ''}>{t('actions.assign')}</button>
        </form>
      ) : null}
      {panel === 'labels' ? (
        <LabelEditor
          id={`labels-${conversation.conversationId}`}
          labels={conversation.labels}
          suggestions={labelSuggestions ?? []}
          busy={busy}
          onAdd={(label) => void run(change('labels', { add: [label] }), () => say(t('labels.added', { label })))}
          onRemove={(label) => void run(change('labels', { remove: [label] }), () => say(t('labels.removed', { label })))}
          onClose={close}
        />
      ) : null}
      {panel === 'snooze' ? (
        <SchedulePanel
          id={`snooze-${conversation.conversationId}`}
          title={t('snooze.title')}
          customSubmit={t('snooze.customSubmit')}
          busy={busy}
          onPick={(at) => void run(change('snooze', { until: at.toISOString() }), () => {
            setPanel(null);
            props.onGone();
          })}
          onClose={close}
        />
      ) : null}
      {panel === 'followUp' ? (
        <SchedulePanel
          id={`follow-up-${conversation.conversationId}`}
          title={t('snooze.followUpTitle')}
          customSubmit={t('snooze.followUpCustomSubmit')}
          busy={busy}
          onPick={(at) => void run(change('follow-up', { at: at.toISOString() }), () => {
            close();
            say(t('snooze.followUpSet', { at: i18n.formatFullDate(at.toISOString()) }));
          })}
          onClose={close}
        />
      ) : null}
      {error ? <ErrorNote title={t('actions.failed')} error={error} /> : null}
    </div>
  );
}
