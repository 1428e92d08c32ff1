/**
 * The conversation's workflow actions: assign to me / unassign, status, mark unread, history.
 * What is offered follows the API's rules (shared/workflow/rules.ts): dispatchers and admins
 * assign; an agent can only give their own conversation back; "assigned", "in progress" and
 * "to do" need an assignee. Every change sends the version shown (`If-Match`), so a change made
 * meanwhile by someone else is refused (409) rather than overwritten.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import { ApiError } from '../api/client';
import type { ChangeResult, ConversationStatus, ConversationSummary, MailboxRole } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { describeError, type PlainError } from '../lib/errors';
import { ErrorNote } from './error-note';

const WITH_ASSIGNEE: ConversationStatus[] = ['assigned', 'in_progress', 'todo', 'closed'];
const WITHOUT_ASSIGNEE: ConversationStatus[] = ['unassigned', 'closed'];

export interface ConversationActionsProps {
  api: ApiClient;
  conversation: ConversationSummary;
  role: MailboxRole;
  me: string;
  /** The conversation after a change (or as it now is, after a conflict). */
  onChanged: (summary: ConversationSummary) => void;
  /** The caller can no longer see it (an agent gave it back). */
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
  const [assigning, setAssigning] = useState(false);
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
  const path = `/api/conversations/${encodeURIComponent(conversation.conversationId)}`;

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
    props.api.send<ChangeResult>('POST', `${path}/${action}`, body, { headers: { 'if-match': `"${conversation.version}"` } }).then((r) => r.conversation);

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
          <button type="button" class="button button--small" disabled={busy} aria-expanded={assigning} onClick={() => setAssigning(!assigning)}>
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
      {assigning ? (
        <form
          class="actions__assign"
          aria-label={t('actions.assignTo')}
          onSubmit={(event) => {
            event.preventDefault();
            if (assignee === '') return;
            const message = note.trim();
            void run(change('assign', { assignee, ...(message ? { message } : {}) }), () => {
              setAssigning(false);
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
      {error ? <ErrorNote title={t('actions.failed')} error={error} /> : null}
    </div>
  );
}
