/**
 * The conversation's less frequent actions: qualify, move to another mailbox, convert to a case,
 * trash. Like the main actions, each sends the version shown (`If-Match`) so a change made
 * meanwhile is refused rather than overwritten.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import { ApiError } from '../api/client';
import type { ChangeResult, ConversationSummary, Mailbox, MailboxRole } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { describeError, type PlainError } from '../lib/errors';
import { ErrorNote } from './error-note';

interface Qualification {
  qualificationId: string;
  name: string;
}

export interface ConversationMoreProps {
  api: ApiClient;
  conversation: ConversationSummary;
  role: MailboxRole;
  /** The caller's mailboxes: where a conversation may be moved. */
  mailboxes: Mailbox[];
  onChanged: (summary: ConversationSummary) => void;
  /** Moved or trashed: it left this mailbox's list. */
  onGone: () => void;
  onStale: () => void;
}

export function ConversationMore(props: ConversationMoreProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const { conversation } = props;
  const [qualifications, setQualifications] = useState<Qualification[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<PlainError | null>(null);
  const [notice, setNotice] = useState('');
  const dispatcher = props.role === 'admin' || props.role === 'dispatcher';
  const path = `/api/conversations/${encodeURIComponent(conversation.conversationId)}`;
  const ifMatch = { headers: { 'if-match': `"${conversation.version}"` } };
  const targets = props.mailboxes.filter((m) => m.mailboxId !== conversation.mailboxId);

  useEffect(() => {
    props.api.get<{ items: Qualification[] }>('/api/qualifications').then((page) => setQualifications(page.items), () => setQualifications([]));
  }, []);

  const run = async (request: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError(null);
    setNotice('');
    try {
      await request();
    } catch (failure) {
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

  const changeTo = (action: string, body: Record<string, unknown>, after?: () => void) => () =>
    run(async () => {
      const result = await props.api.send<ChangeResult>('POST', `${path}/${action}`, body, ifMatch);
      props.onChanged(result.conversation);
      after?.();
    });

  return (
    <details class="more">
      <summary class="button button--small">{t('more.title')}</summary>
      <div class="more__body" role="group" aria-label={t('more.title')}>
        <label class="field field--inline">
          <span>{t('more.qualification')}</span>
          <select
            value={conversation.qualification ?? ''}
            disabled={busy || qualifications === null}
            onChange={(event) => {
              const value = (event.currentTarget as HTMLSelectElement).value;
              void changeTo('qualification', { qualification: value === '' ? null : value })();
            }}
          >
            <option value="">{t('more.noQualification')}</option>
            {(qualifications ?? []).map((q) => <option key={q.qualificationId} value={q.qualificationId}>{q.name}</option>)}
          </select>
        </label>
        {dispatcher && targets.length > 0 ? (
          <label class="field field--inline">
            <span>{t('more.move')}</span>
            <select
              value=""
              disabled={busy}
              onChange={(event) => {
                const mailboxId = (event.currentTarget as HTMLSelectElement).value;
                if (mailboxId) void changeTo('move', { mailboxId }, props.onGone)();
              }}
            >
              <option value="">{t('more.chooseMailbox')}</option>
              {targets.map((m) => <option key={m.mailboxId} value={m.mailboxId}>{m.name}</option>)}
            </select>
          </label>
        ) : null}
        <button
          type="button"
          class="button button--small"
          disabled={busy}
          onClick={() => void run(async () => {
            const created = await props.api.send<{ case: { reference: string } }>('POST', `${path}/case`, {}, ifMatch);
            setNotice(t('more.caseCreated', { reference: created.case.reference }));
          })}
        >
          {t('more.convertToCase')}
        </button>
        {dispatcher ? (
          <button
            type="button"
            class="button button--small button--danger"
            disabled={busy}
            onClick={() => void changeTo(conversation.trashed ? 'restore' : 'trash', {}, conversation.trashed ? undefined : props.onGone)()}
          >
            {conversation.trashed ? t('more.restore') : t('more.trash')}
          </button>
        ) : null}
        <span class="muted" role="status">{notice}</span>
      </div>
      {error ? <ErrorNote title={t('actions.failed')} error={error} /> : null}
    </details>
  );
}
