/**
 * Drafts: the messages the user started, as the server keeps them (`GET /api/drafts`), so one
 * begun on another device, or before a crash, is one click away. Opening one brings the composer
 * up where it belongs (a new message in its mailbox, a reply in its conversation) with the newer
 * of the server's and this device's text; Discard deletes both copies.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import type { ConversationDetail, Mailbox, ServerDraft } from '../api/types';
import type { ComposeContext } from '../components/composer';
import { ErrorNote } from '../components/error-note';
import { useI18n } from '../i18n/i18n';
import { requestCompose } from '../lib/compose-request';
import { adoptServerDraft, localKeyOf, retryPendingDiscards } from '../lib/draft-sync';
import { DRAFTS_CHANGED_EVENT, announceDraftsChanged, deleteDraft, loadDraft, pendingDiscards } from '../lib/drafts';
import { describeError, type PlainError } from '../lib/errors';
import { mailboxPath, navigate } from '../lib/router';
import { replyContext } from './conversation-view';

export interface DraftsScreenProps {
  api: ApiClient;
  mailboxes: Mailbox[];
}

function chipText(address: { address: string; name: string }): string {
  return address.name ? `${address.name} <${address.address}>` : address.address;
}

/** The message a reply answers: the draft's own, else the conversation's latest received one. */
async function answeredMessage(api: ApiClient, draft: ServerDraft, mailbox: Mailbox): Promise<string | null> {
  if (draft.messageKey) return draft.messageKey;
  const detail = await api.get<ConversationDetail>(`/api/conversations/${encodeURIComponent(draft.conversationId!)}`);
  const kind = draft.kind === 'new' ? 'reply' : draft.kind;
  const context = replyContext(kind, mailbox, draft.conversationId!, detail.conversation.subject, detail.messages);
  return context && context.kind !== 'new' ? context.messageKey : null;
}

export function DraftsScreen(props: DraftsScreenProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const [items, setItems] = useState<ServerDraft[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const [busy, setBusy] = useState<string | null>(null);
  const [rowError, setRowError] = useState<{ draftId: string; title: string; error: PlainError } | null>(null);
  const [announcement, setAnnouncement] = useState('');

  useEffect(() => {
    document.title = `${t('drafts.title')} – Mailroom`;
  }, [i18n.language]);

  useEffect(() => {
    let live = true;
    const load = (): void => {
      void retryPendingDiscards(props.api).then(() => props.api.get<{ items: ServerDraft[] }>('/api/drafts')).then(
        (answer) => {
          if (!live) return;
          const gone = new Set(pendingDiscards());
          setItems(answer.items.filter((d) => !gone.has(d.draftId)));
          setError(null);
        },
        (failure: unknown) => live && setError(failure),
      );
    };
    load();
    addEventListener(DRAFTS_CHANGED_EVENT, load);
    return () => {
      live = false;
      removeEventListener(DRAFTS_CHANGED_EVENT, load);
    };
  }, [attempt]);

  const mailboxOf = (id: string): Mailbox | undefined => props.mailboxes.find((m) => m.mailboxId === id);

  const open = async (draft: ServerDraft): Promise<void> => {
    const mailbox = mailboxOf(draft.mailboxId);
    if (!mailbox) return;
    setRowError(null);
    setBusy(draft.draftId);
    try {
      let context: ComposeContext;
      if (draft.kind === 'new' || draft.conversationId === null) {
        context = { kind: 'new', mailbox, draftId: draft.draftId };
      } else {
        const messageKey = await answeredMessage(props.api, draft, mailbox);
        if (messageKey === null) throw new Error('no message to answer in this conversation');
        context = {
          kind: draft.kind, mailbox, conversationId: draft.conversationId, messageKey, subject: draft.subject ?? '',
          to: draft.to.map(chipText), cc: draft.cc.map(chipText), draftId: draft.draftId,
        };
      }
      if (!adoptServerDraft(localKeyOf(draft), draft)) {
        setBusy(null);
        setRowError({ draftId: draft.draftId, title: t('drafts.openFailed'), error: { message: t('drafts.slotTaken'), detail: null } });
        return;
      }
      requestCompose(context);
      navigate(mailboxPath(draft.mailboxId, { conversationId: draft.conversationId }));
    } catch (failure) {
      setBusy(null);
      setRowError({ draftId: draft.draftId, title: t('drafts.openFailed'), error: describeError(failure, i18n) });
    }
  };

  const discard = async (draft: ServerDraft): Promise<void> => {
    if (!confirm(t('drafts.confirmDiscard'))) return;
    setRowError(null);
    setBusy(draft.draftId);
    try {
      await props.api.send('DELETE', `/api/drafts/${encodeURIComponent(draft.draftId)}`);
    } catch (failure) {
      const status = (failure as { status?: number }).status;
      if (status !== 404) {
        setBusy(null);
        setRowError({ draftId: draft.draftId, title: t('drafts.discardFailed'), error: describeError(failure, i18n) });
        return;
      }
    }
    // This device's copy of the same draft goes too.
    const key = localKeyOf(draft);
    if (loadDraft(key)?.serverId === draft.draftId) deleteDraft(key);
    setBusy(null);
    setItems((list) => list?.filter((d) => d.draftId !== draft.draftId) ?? null);
    setAnnouncement(t('drafts.discarded'));
    // The sidebar's count follows.
    announceDraftsChanged();
  };

  return (
    <section class="drafts" aria-labelledby="drafts-heading">
      <div class="drafts__head">
        <h1 id="drafts-heading">{t('drafts.title')}</h1>
        <button type="button" class="button button--small" onClick={() => setAttempt((n) => n + 1)}>{t('drafts.refresh')}</button>
      </div>
      <p class="muted">{t('drafts.intro')}</p>
      <p class="visually-hidden" aria-live="polite">{announcement}</p>
      {error !== null ? (
        <ErrorNote title={t('drafts.loadFailed')} error={describeError(error, i18n)} onRetry={() => setAttempt((n) => n + 1)} />
      ) : items === null ? (
        <p class="muted" aria-busy="true">{t('app.loading')}</p>
      ) : items.length === 0 ? (
        <p class="drafts__empty">{t('drafts.empty')}</p>
      ) : (
        <table class="drafts-table">
          <caption class="visually-hidden">{t('drafts.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('drafts.to')}</th>
              <th scope="col">{t('drafts.subject')}</th>
              <th scope="col">{t('drafts.mailbox')}</th>
              <th scope="col">{t('drafts.kind')}</th>
              <th scope="col">{t('drafts.saved')}</th>
              <th scope="col">{t('drafts.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((draft) => {
              const subject = draft.subject?.trim() ? draft.subject : t('drafts.noSubject');
              const to = [...draft.to, ...draft.cc].map(chipText).join(', ');
              return (
                <tr key={draft.draftId}>
                  <td class="drafts-table__to">{to || <span class="muted">{t('drafts.noRecipient')}</span>}</td>
                  <td class="drafts-table__subject">{subject}</td>
                  <td>{mailboxOf(draft.mailboxId)?.name ?? draft.mailboxId}</td>
                  <td>{t(`drafts.kind.${draft.kind}`)}</td>
                  <td><time dateTime={draft.updatedAt} title={i18n.formatFullDate(draft.updatedAt)}>{i18n.formatListDate(draft.updatedAt)}</time></td>
                  <td class="drafts-table__actions">
                    <button type="button" class="button button--small button--primary" disabled={busy === draft.draftId}
                      aria-label={t('drafts.openLabel', { subject })} onClick={() => void open(draft)}>
                      {t('drafts.open')}
                    </button>
                    <button type="button" class="button button--small button--ghost" disabled={busy === draft.draftId}
                      aria-label={t('drafts.discardLabel', { subject })} onClick={() => void discard(draft)}>
                      {t('drafts.discard')}
                    </button>
                    {rowError?.draftId === draft.draftId ? (
                      <ErrorNote title={rowError.title} error={rowError.error} />
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
