/**
 * A mailbox's outbox: its outgoing messages, newest first (admins and dispatchers see all, agents
 * their own), with their send state, cancel and retry with a result per message, and a read-only
 * detail panel. Polls while it is open, like the inbox.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, type ApiClient } from '../api/client';
import type { I18n } from '../i18n/i18n';
import type { MailAddress, Mailbox, OutboxItem, OutboxPage } from '../api/types';
import { ErrorNote } from '../components/error-note';
import { OutboxStatusBadge } from '../components/outbox-badge';
import { useI18n } from '../i18n/i18n';
import { describeError } from '../lib/errors';
import { usePolling } from '../lib/polling';
import { mailboxPath, onLinkClick } from '../lib/router';

const RETRYABLE = new Set(['failed', 'connector_disabled']);

function addresses(list: MailAddress[]): string {
  return list.map((a) => a.name ? `${a.name} <${a.address}>` : a.address).join(', ');
}

/** A 409 on cancel or retry: the message moved on meanwhile (sent, picked up, already retried). */
function describeOutboxError(error: unknown, i18n: I18n) {
  const plain = describeError(error, i18n);
  return error instanceof ApiError && error.status === 409 ? { ...plain, message: i18n.t('outbox.conflict') } : plain;
}

type ItemResult = { ok: true; text: string } | { ok: false; error: unknown };

export interface OutboxScreenProps {
  api: ApiClient;
  mailbox: Mailbox;
}

export function OutboxScreen(props: OutboxScreenProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const { mailbox } = props;
  const base = `/api/mailboxes/${encodeURIComponent(mailbox.mailboxId)}/outbox`;
  const [items, setItems] = useState<OutboxItem[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [moreError, setMoreError] = useState<unknown>(null);
  const [refreshedAt, setRefreshedAt] = useState<Date | null>(null);
  const [busy, setBusy] = useState<Record<string, boolean>>({});
  const [results, setResults] = useState<Record<string, ItemResult>>({});
  const [openKey, setOpenKey] = useState<string | null>(null);

  useEffect(() => {
    document.title = `${t('outbox.title')} – ${mailbox.name} – Mailroom`;
  }, [mailbox.name, i18n.language]);

  /** Reloads the first page, keeping pages already loaded further down. */
  const refresh = async (): Promise<void> => {
    try {
      const page = await props.api.get<OutboxPage>(`${base}?limit=50`, { revalidate: true });
      setItems((current) => {
        if (current === null || current.length <= page.items.length) {
          setNextCursor(page.nextCursor);
          return page.items;
        }
        const fresh = new Set(page.items.map((i) => i.messageKey));
        return [...page.items, ...current.filter((i) => !fresh.has(i.messageKey)).slice(page.items.length)];
      });
      setError(null);
      setRefreshedAt(new Date());
    } catch (failure) {
      setError(failure);
    }
  };

  useEffect(() => {
    void refresh();
  }, [mailbox.mailboxId]);
  usePolling(refresh, 5_000);

  const loadMore = async (): Promise<void> => {
    if (nextCursor === null) return;
    try {
      const page = await props.api.get<OutboxPage>(`${base}?limit=50&cursor=${encodeURIComponent(nextCursor)}`);
      setItems((current) => [...(current ?? []), ...page.items]);
      setNextCursor(page.nextCursor);
      setMoreError(null);
    } catch (failure) {
      setMoreError(failure);
    }
  };

  const act = async (item: OutboxItem, action: 'cancel' | 'retry'): Promise<void> => {
    setBusy((b) => ({ ...b, [item.messageKey]: true }));
    try {
      const result = await props.api.send<{ message: OutboxItem }>('POST', `/api/outbox/${encodeURIComponent(item.messageKey)}/${action}`);
      setItems((current) => current?.map((i) => (i.messageKey === item.messageKey ? result.message : i)) ?? null);
      setResults((r) => ({ ...r, [item.messageKey]: { ok: true, text: t(action === 'cancel' ? 'outbox.cancelled' : 'outbox.retried') } }));
    } catch (failure) {
      setResults((r) => ({ ...r, [item.messageKey]: { ok: false, error: failure } }));
      void refresh();
    } finally {
      setBusy((b) => ({ ...b, [item.messageKey]: false }));
    }
  };

  const open = items?.find((i) => i.messageKey === openKey) ?? null;
  const date = (iso: string | null): string => (iso ? i18n.formatFullDate(iso) : '—');

  return (
    <div class="outbox">
      <section class="outbox__list" aria-labelledby="outbox-heading">
        <div class="outbox__head">
          <h1 id="outbox-heading">{t('outbox.heading', { mailbox: mailbox.name })}</h1>
          <div class="list-tools">
            <a class="button button--small button--ghost" href={mailboxPath(mailbox.mailboxId)} onClick={onLinkClick}>{t('outbox.backToInbox')}</a>
            <button type="button" class="button button--small" onClick={() => void refresh()}>{t('inbox.refresh')}</button>
          </div>
          <p class="muted">
            {t(mailbox.role === 'agent' ? 'outbox.introAgent' : 'outbox.intro')}
            {refreshedAt ? ` · ${t('inbox.updatedAt', { time: i18n.formatTime(refreshedAt) })}` : null}
          </p>
        </div>
        {error !== null ? <ErrorNote title={t('outbox.loadFailed')} error={describeError(error, i18n, 'mailbox.notMember')} onRetry={() => void refresh()} /> : null}
        {items === null ? (
          error === null ? <p class="muted" aria-busy="true">{t('app.loading')}</p> : null
        ) : items.length === 0 ? (
          <p class="muted">{t('outbox.empty')}</p>
        ) : (
          <div class="table-scroll">
            <table class="outbox-table">
              <caption class="visually-hidden">{t('outbox.caption', { mailbox: mailbox.name })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('outbox.col.to')}</th>
                  <th scope="col">{t('outbox.col.subject')}</th>
                  <th scope="col">{t('outbox.col.status')}</th>
                  <th scope="col">{t('outbox.col.attempts')}</th>
                  <th scope="col">{t('outbox.col.lastError')}</th>
                  <th scope="col">{t('outbox.col.nextAttempt')}</th>
                  <th scope="col">{t('outbox.col.created')}</th>
                  <th scope="col"><span class="visually-hidden">{t('outbox.col.actions')}</span></th>
                </tr>
              </thead>
              <tbody>
                {items.map((item) => {
                  const result = results[item.messageKey];
                  const waiting = item.status === 'queued' || item.status === 'retry_pending';
                  return (
                    <tr key={item.messageKey} class={item.messageKey === openKey ? 'outbox-row--open' : undefined} data-message-key={item.messageKey}>
                      <td>{addresses(item.to) || '—'}</td>
                      <th scope="row" class="outbox-table__subject">{item.subject || t('inbox.noSubject')}</th>
                      <td><OutboxStatusBadge status={item.status} /></td>
                      <td>{t('outbox.attempts', { attempts: item.attempts, max: item.maxAttempts })}</td>
                      <td class={item.lastError ? 'outbox-table__error' : undefined}>{item.lastError ?? '—'}</td>
                      <td>{waiting && item.nextAttemptAt ? i18n.formatListDate(item.nextAttemptAt) + ' ' + i18n.formatTime(new Date(item.nextAttemptAt)) : '—'}</td>
                      <td><time dateTime={item.createdAt} title={date(item.createdAt)}>{i18n.formatListDate(item.createdAt)}</time></td>
                      <td class="outbox-table__actions">
                        <button type="button" class="button button--small button--ghost" aria-expanded={item.messageKey === openKey} aria-controls="outbox-detail" onClick={() => setOpenKey(item.messageKey === openKey ? null : item.messageKey)}>
                          {t('outbox.details')}
                        </button>
                        {item.cancellable ? (
                          <button type="button" class="button button--small" disabled={busy[item.messageKey]} onClick={() => void act(item, 'cancel')}>
                            {t('outbox.cancel')}
                          </button>
                        ) : null}
                        {RETRYABLE.has(item.status) ? (
                          <button type="button" class="button button--small button--primary" disabled={busy[item.messageKey]} onClick={() => void act(item, 'retry')}>
                            {t('outbox.retry')}
                          </button>
                        ) : null}
                        {result ? (
                          result.ok
                            ? <p class="outbox-result" role="status">{result.text}</p>
                            : <ErrorNote class="error-note--inline" error={describeOutboxError(result.error, i18n)} />
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        {moreError !== null ? <ErrorNote title={t('inbox.loadMoreFailed')} error={describeError(moreError, i18n)} onRetry={() => void loadMore()} /> : null}
        {nextCursor !== null ? <button type="button" class="button button--small" onClick={() => void loadMore()}>{t('outbox.loadMore')}</button> : null}
      </section>
      {open ? (
        <section class="outbox__detail" id="outbox-detail" aria-labelledby="outbox-detail-heading">
          <div class="composer__head">
            <h2 id="outbox-detail-heading">{open.subject || t('inbox.noSubject')}</h2>
            <button type="button" class="button button--ghost button--small" onClick={() => setOpenKey(null)}>{t('app.close')}</button>
          </div>
          {open.cancellable || RETRYABLE.has(open.status) ? (
            <div class="outbox__detail-actions">
              {open.cancellable ? (
                <button type="button" class="button button--small" disabled={busy[open.messageKey]} onClick={() => void act(open, 'cancel')}>{t('outbox.cancel')}</button>
              ) : null}
              {RETRYABLE.has(open.status) ? (
                <button type="button" class="button button--small button--primary" disabled={busy[open.messageKey]} onClick={() => void act(open, 'retry')}>{t('outbox.retry')}</button>
              ) : null}
            </div>
          ) : null}
          <dl class="detail-list">
            <dt>{t('outbox.col.status')}</dt>
            <dd>
              <OutboxStatusBadge status={open.status} />
              {open.status === 'connector_disabled' ? <p class="hint">{t('outbox.connectorDisabledHelp')}</p> : null}
              {open.status === 'failed' ? <p class="hint">{t('outbox.failedHelp')}</p> : null}
            </dd>
            <dt>{t('composer.to')}</dt><dd>{addresses(open.to) || '—'}</dd>
            {open.cc.length ? <><dt>{t('composer.cc')}</dt><dd>{addresses(open.cc)}</dd></> : null}
            {open.bcc.length ? <><dt>{t('composer.bcc')}</dt><dd>{addresses(open.bcc)}</dd></> : null}
            <dt>{t('outbox.composedBy')}</dt><dd>{open.composedBy}</dd>
            <dt>{t('outbox.col.created')}</dt><dd>{date(open.createdAt)}</dd>
            <dt>{t('outbox.scheduledFor')}</dt><dd>{date(open.sendAt)}</dd>
            <dt>{t('outbox.col.attempts')}</dt><dd>{t('outbox.attempts', { attempts: open.attempts, max: open.maxAttempts })}</dd>
            <dt>{t('outbox.lastAttempt')}</dt><dd>{date(open.lastAttemptAt)}</dd>
            <dt>{t('outbox.col.nextAttempt')}</dt><dd>{open.status === 'queued' || open.status === 'retry_pending' ? date(open.nextAttemptAt) : '—'}</dd>
            <dt>{t('outbox.firstFailure')}</dt><dd>{date(open.firstFailureAt)}</dd>
            <dt>{t('outbox.col.lastError')}</dt><dd>{open.lastError ?? '—'}</dd>
            <dt>{t('outbox.sentAt')}</dt><dd>{date(open.sentAt)}</dd>
            <dt>{t('composer.importance')}</dt><dd>{t(`composer.importance.${open.importance}`)}</dd>
            <dt>{t('composer.readReceipt')}</dt><dd>{open.readReceiptRequested ? t('outbox.yes') : t('outbox.no')}</dd>
            <dt>{t('outbox.connector')}</dt><dd>{open.connector}</dd>
            <dt>{t('outbox.messageId')}</dt><dd class="detail-list__code">{open.messageId}</dd>
            {open.providerMessageId ? <><dt>{t('outbox.providerId')}</dt><dd class="detail-list__code">{open.providerMessageId}</dd></> : null}
          </dl>
          <p>
            <a href={mailboxPath(mailbox.mailboxId, { conversationId: open.conversationId })} onClick={onLinkClick}>{t('outbox.openConversation')}</a>
          </p>
        </section>
      ) : null}
    </div>
  );
}
