/**
 * A mailbox's trash: its trashed conversations, each with "Restore" and, for the mailbox's admins
 * (the only ones the API lets delete), "Delete permanently" behind a dialog that says it cannot be
 * undone. Both send the version shown (`If-Match`), so a conversation changed meanwhile is refused
 * with a 409 rather than restored or erased unseen; the list then reloads.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type ApiClient } from '../api/client';
import type { ConversationSummary, MailboxRole } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { describeError, type PlainError } from '../lib/errors';
import type { ListQuery } from '../lib/list-query';
import { mailboxPath, onLinkClick } from '../lib/router';
import { ErrorNote } from './error-note';

export interface TrashListProps {
  api: ApiClient;
  mailboxId: string;
  role: MailboxRole;
  items: ConversationSummary[];
  /** The trash view's query, kept in the links. */
  query: ListQuery;
  openId: string | null;
  label: string;
  /** A conversation left the trash (restored or deleted): the list reloads. */
  onChanged: () => void;
}

type Outcome = { kind: 'error'; error: PlainError; subject: string } | { kind: 'pending' };

export function TrashList(props: TrashListProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const [outcomes, setOutcomes] = useState<Record<string, Outcome>>({});
  const [announcement, setAnnouncement] = useState('');
  const [confirming, setConfirming] = useState<ConversationSummary | null>(null);
  const mayDelete = props.role === 'admin';

  const plainError = (failure: unknown, action: 'restore' | 'delete'): PlainError => {
    if (failure instanceof ApiError && failure.status === 409) return { message: t('trash.conflict'), detail: failure.problem?.detail ?? null };
    if (failure instanceof ApiError && failure.status === 422) return { message: t('trash.notTrashed'), detail: failure.problem?.detail ?? null };
    if (failure instanceof ApiError && failure.status === 403 && action === 'delete') return { message: t('trash.deleteForbidden'), detail: failure.problem?.detail ?? null };
    return describeError(failure, i18n, 'conversation.notFound');
  };

  const act = async (conversation: ConversationSummary, action: 'restore' | 'delete'): Promise<void> => {
    const id = conversation.conversationId;
    setOutcomes((o) => ({ ...o, [id]: { kind: 'pending' } }));
    setAnnouncement('');
    const subject = conversation.subject || t('inbox.noSubject');
    try {
      const path = `/api/conversations/${encodeURIComponent(id)}`;
      const ifMatch = { headers: { 'if-match': `"${conversation.version}"` } };
      if (action === 'restore') await props.api.send('POST', `${path}/restore`, {}, ifMatch);
      else await props.api.send('DELETE', path, undefined, ifMatch);
      setOutcomes((o) => {
        const { [id]: _done, ...rest } = o;
        return rest;
      });
      setAnnouncement(t(action === 'restore' ? 'trash.restored' : 'trash.deleted', { subject }));
      props.onChanged();
    } catch (failure) {
      setOutcomes((o) => ({ ...o, [id]: { kind: 'error', error: plainError(failure, action), subject } }));
      if (failure instanceof ApiError && (failure.status === 409 || failure.status === 422)) props.onChanged();
    }
  };

  // A refused change reloads the list: the conversation may have left it, its error stays above.
  const shownIds = new Set(props.items.map((c) => c.conversationId));
  const orphans = Object.entries(outcomes).filter(([id, o]) => o.kind === 'error' && !shownIds.has(id));

  return (
    <div class="trash">
      <p class="visually-hidden" role="status">{announcement}</p>
      {orphans.map(([id, o]) => o.kind === 'error' ? (
        <ErrorNote key={id} class="trash__error" title={t('trash.failedOn', { subject: o.subject })} error={o.error} />
      ) : null)}
      {props.items.length === 0 ? <p class="muted list-pane__message">{t('trash.empty')}</p> : null}
      <ol class="trash__list" aria-label={props.label} hidden={props.items.length === 0}>
        {props.items.map((conversation) => {
          const id = conversation.conversationId;
          const outcome = outcomes[id];
          const subject = conversation.subject || t('inbox.noSubject');
          const sender = conversation.from ? conversation.from.name || conversation.from.address : t('inbox.unknownSender');
          return (
            <li key={id} class={`trash__item${id === props.openId ? ' trash__item--open' : ''}`} data-conversation-id={id}>
              <div class="trash__text">
                <a
                  class="trash__subject"
                  href={mailboxPath(props.mailboxId, { conversationId: id, query: props.query })}
                  aria-current={id === props.openId ? 'page' : undefined}
                  onClick={onLinkClick}
                >
                  {subject}
                </a>
                <span class="trash__meta muted">
                  {sender} · <time dateTime={conversation.lastActivityAt} title={i18n.formatFullDate(conversation.lastActivityAt)}>{i18n.formatListDate(conversation.lastActivityAt)}</time>
                </span>
              </div>
              <div class="trash__buttons" role="group" aria-label={subject}>
                <button type="button" class="button button--small" disabled={outcome?.kind === 'pending'} onClick={() => void act(conversation, 'restore')}>
                  {t('trash.restore')}
                </button>
                {mayDelete ? (
                  <button type="button" class="button button--small button--danger" disabled={outcome?.kind === 'pending'} onClick={() => setConfirming(conversation)}>
                    {t('trash.delete')}
                  </button>
                ) : null}
              </div>
              {outcome?.kind === 'error' ? <ErrorNote class="trash__error" title={t('trash.failed')} error={outcome.error} /> : null}
            </li>
          );
        })}
      </ol>
      {mayDelete ? (
        <ConfirmDelete
          conversation={confirming}
          onCancel={() => setConfirming(null)}
          onConfirm={(conversation) => {
            setConfirming(null);
            void act(conversation, 'delete');
          }}
        />
      ) : null}
    </div>
  );
}

/** The modal question before a permanent deletion; Cancel has the focus, so Enter never erases by accident. */
function ConfirmDelete(props: { conversation: ConversationSummary | null; onCancel: () => void; onConfirm: (c: ConversationSummary) => void }) {
  const { t } = useI18n();
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const open = props.conversation !== null;
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) {
      element.showModal();
      cancel.current?.focus();
    }
    if (!open && element.open) element.close();
  }, [open]);
  const subject = props.conversation ? props.conversation.subject || t('inbox.noSubject') : '';
  return (
    <dialog ref={dialog} class="confirm-dialog" role="alertdialog" aria-labelledby="trash-confirm-title" aria-describedby="trash-confirm-text" onClose={props.onCancel}>
      <h2 id="trash-confirm-title">{t('trash.confirmTitle')}</h2>
      <p id="trash-confirm-text">{t('trash.confirmText', { subject })}</p>
      <div class="confirm-dialog__buttons">
        <button type="button" class="button" ref={cancel} onClick={props.onCancel}>{t('trash.cancel')}</button>
        <button
          type="button"
          class="button button--danger"
          onClick={() => props.conversation && props.onConfirm(props.conversation)}
        >
          {t('trash.confirmDelete')}
        </button>
      </div>
    </dialog>
  );
}
