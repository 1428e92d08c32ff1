/**
 * The outbox: outgoing messages, newest first, in the view the user chose (mine, my team's,
 * system-generated, all; this mailbox or every one; the columns they want, kept on the server),
 * with their send state, cancel and retry one by one or in bulk with a result per message, and a
 * read-only detail panel. Polls while it is open, like the inbox.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, type ApiClient } from '../api/client';
import type { I18n } from '../i18n/i18n';
import type { MailAddress, Mailbox, OutboxItem, OutboxPage } from '../api/types';
import { ErrorNote } from '../components/error-note';
import { OutboxStatusBadge } from '../components/outbox-badge';
import { OutboxLinks } from '../components/outbox-links';
import { useI18n } from '../i18n/i18n';
import { describeError } from '../lib/errors';
import { usePolling } from '../lib/polling';
import { mailboxPath, onLinkClick } from '../lib/router';

const RETRYABLE = new Set(['failed', 'connector_disabled']);

const SCOPES = ['mine', 'team', 'system', 'all'] as const;
type Scope = (typeof SCOPES)[number];
/** Columns the user may show or hide; `to` and `subject` always show. */
const COLUMNS = ['status', 'mailbox', 'composedBy', 'connector', 'importance', 'systemGenerated', 'createdAt', 'lastAttemptAt', 'lastError', 'firstFailureAt', 'nextAttemptAt', 'attempts', 'attachments', 'conversation', 'links'] as const;
type Column = (typeof COLUMNS)[number];

interface OutboxView {
  scope: Scope;
  statuses: string[];
  columns: string[];
  mailboxId: string | null;
}

type BulkResult = { messageKey: string; status: number; error: string | null; message: OutboxItem | null };

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
  const { t, tp } = i18n;
  const { mailbox } = props;
  const [view, setView] = useState<OutboxView | null>(null);
  const [viewError, setViewError] = useState<unknown>(null);
  const [checked, setChecked] = useState<ReadonlySet<string>>(new Set());
  const [bulkBusy, setBulkBusy] = useState(false);
  const [bulkSummary, setBulkSummary] = useState('');
  const listPath = (cursor: string | null): string => {
    const query = new URLSearchParams({ limit: '50' });
    if (view) {
      query.set('scope', view.scope);
      if (view.statuses.length > 0) query.set('status', view.statuses.join(','));
      if (view.mailboxId) query.set('mailboxId', view.mailboxId);
    }
    if (cursor) query.set('cursor', cursor);
    return `/api/outbox?${query}`;
  };
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

  // The user's saved view, narrowed to this mailbox unless they chose to see every one.
  useEffect(() => {
    props.api.get<{ view: OutboxView; saved: boolean }>('/api/me/outbox-view').then(
      (answer) => setView(answer.saved ? answer.view : { ...answer.view, mailboxId: mailbox.mailboxId }),
      (failure: unknown) => setError(failure),
    );
  }, [mailbox.mailboxId]);

  const changeView = async (next: OutboxView): Promise<void> => {
    const listChanges = view === null || next.scope !== view.scope || next.mailboxId !== view.mailboxId || next.statuses.join() !== view.statuses.join();
    setView(next);
    if (listChanges) {
      setItems(null);
      setChecked(new Set());
    }
    try {
      const saved = await props.api.send<{ view: OutboxView }>('PUT', '/api/me/outbox-view', next);
      setView(saved.view);
      setViewError(null);
    } catch (failure) {
      setViewError(failure);
    }
  };

  /** Reloads the first page, keeping pages already loaded further down. */
  const refresh = async (): Promise<void> => {
    if (view === null) return;
    try {
      const page = await props.api.get<OutboxPage>(listPath(null), { revalidate: true });
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

  const viewKey = view ? JSON.stringify([view.scope, view.statuses, view.mailboxId]) : '';
  useEffect(() => {
    void refresh();
  }, [viewKey]);
  usePolling(refresh, 5_000);

  const loadMore = async (): Promise<void> => {
    if (nextCursor === null) return;
    try {
      const page = await props.api.get<OutboxPage>(listPath(nextCursor));
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

  /** One request for the ticked messages; each succeeds or fails on its own and says so in its row. */
  const bulk = async (action: 'retry' | 'cancel'): Promise<void> => {
    const keys = [...checked];
    if (keys.length === 0) return;
    setBulkBusy(true);
    setBulkSummary(t('bulk.progress', { done: 0, total: keys.length }));
    try {
      const answer = await props.api.send<{ results: BulkResult[]; succeeded: number; failed: number }>('POST', '/api/outbox/bulk', { action, messageKeys: keys });
      const byKey = new Map(answer.results.map((r) => [r.messageKey, r]));
      setItems((current) => current?.map((i) => byKey.get(i.messageKey)?.message ?? i) ?? null);
      setResults((r) => {
        const next = { ...r };
        for (const result of answer.results) {
          next[result.messageKey] = result.status === 200
            ? { ok: true, text: t(action === 'cancel' ? 'outbox.cancelled' : 'outbox.retried') }
            : { ok: false, error: new ApiError('http', result.status, '/api/outbox/bulk', { title: result.error ?? '', status: result.status, detail: result.error ?? undefined }) };
        }
        return next;
      });
      setChecked(new Set(answer.results.filter((r) => r.status !== 200).map((r) => r.messageKey)));
      setBulkSummary(answer.failed === 0 ? tp('outbox.bulkDone', answer.succeeded) : t('outbox.bulkSome', { done: answer.succeeded, failed: answer.failed }));
    } catch (failure) {
      setBulkSummary(describeError(failure, i18n).message);
    } finally {
      setBulkBusy(false);
    }
  };

  const shown: Column[] = view ? COLUMNS.filter((c) => view.columns.includes(c)) : ['status', 'attempts', 'lastError', 'nextAttemptAt', 'createdAt'];
  const cell = (item: OutboxItem, column: Column) => {
    const waiting = item.status === 'queued' || item.status === 'retry_pending';
    switch (column) {
      case 'status': return <td key={column}><OutboxStatusBadge status={item.status} /></td>;
      case 'mailbox': return <td key={column}>{item.mailboxId}</td>;
      case 'composedBy': return <td key={column}>{item.composedBy}</td>;
      case 'connector': return <td key={column}>{item.connector}</td>;
      case 'importance': return <td key={column}>{t(`composer.importance.${item.importance}`)}</td>;
      case 'systemGenerated': return <td key={column}>{item.systemGenerated ? t('outbox.yes') : t('outbox.no')}</td>;
      case 'createdAt': return <td key={column}><time dateTime={item.createdAt} title={date(item.createdAt)}>{i18n.formatListDate(item.createdAt)}</time></td>;
      case 'lastAttemptAt': return <td key={column}>{item.lastAttemptAt ? i18n.formatListDate(item.lastAttemptAt) : '—'}</td>;
      case 'lastError': return <td key={column} class={item.lastError ? 'outbox-table__error' : undefined}>{item.lastError ?? '—'}</td>;
      case 'firstFailureAt': return <td key={column}>{item.firstFailureAt ? i18n.formatListDate(item.firstFailureAt) : '—'}</td>;
      case 'nextAttemptAt': return <td key={column}>{waiting && item.nextAttemptAt ? i18n.formatListDate(item.nextAttemptAt) + ' ' + i18n.formatTime(new Date(item.nextAttemptAt)) : '—'}</td>;
      case 'attempts': return <td key={column}>{t('outbox.attempts', { attempts: item.attempts, max: item.maxAttempts })}</td>;
      case 'attachments': return <td key={column}>{i18n.formatNumber(item.attachmentCount)}</td>;
      case 'conversation': return <td key={column}><a href={mailboxPath(item.mailboxId, { conversationId: item.conversationId })} onClick={onLinkClick}>{t('outbox.openConversation')}</a></td>;
      case 'links': return <td key={column}><OutboxLinks links={item.links} i18n={i18n} /></td>;
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
          {view ? (
            <div class="list-tools outbox__view">
              <label class="field field--inline">
                <span>{t('outbox.scope')}</span>
                <select value={view.scope} onChange={(event) => void changeView({ ...view, scope: (event.currentTarget as HTMLSelectElement).value as Scope })}>
                  {SCOPES.map((scope) => <option key={scope} value={scope}>{t(`outbox.scope.${scope}`)}</option>)}
                </select>
              </label>
              <label class="checkbox">
                <input
                  type="checkbox"
                  checked={view.mailboxId !== null}
                  onChange={(event) => void changeView({ ...view, mailboxId: (event.currentTarget as HTMLInputElement).checked ? mailbox.mailboxId : null })}
                />
                {t('outbox.thisMailboxOnly', { mailbox: mailbox.name })}
              </label>
              <details class="columns">
                <summary class="button button--small">{t('outbox.columns')}</summary>
                <fieldset class="columns__panel">
                  <legend class="visually-hidden">{t('outbox.columns')}</legend>
                  {COLUMNS.map((column) => (
                    <label key={column} class="checkbox">
                      <input
                        type="checkbox"
                        checked={view.columns.includes(column)}
                        onChange={() => void changeView({
                          ...view,
                          columns: view.columns.includes(column) ? view.columns.filter((c) => c !== column) : [...view.columns, column],
                        })}
                      />
                      {t(`outbox.column.${column}`)}
                    </label>
                  ))}
                </fieldset>
              </details>
            </div>
          ) : null}
          {viewError !== null ? <ErrorNote title={t('outbox.viewNotSaved')} error={describeError(viewError, i18n)} /> : null}
          {checked.size > 0 ? (
            <div class="bulk__bar" role="toolbar" aria-label={tp('outbox.ticked', checked.size)}>
              <strong class="bulk__count">{tp('outbox.ticked', checked.size)}</strong>
              <button type="button" class="button button--small button--primary" disabled={bulkBusy} onClick={() => void bulk('retry')}>{t('outbox.retryTicked')}</button>
              <button type="button" class="button button--small" disabled={bulkBusy} onClick={() => void bulk('cancel')}>{t('outbox.cancelTicked')}</button>
              <button type="button" class="button button--small button--ghost" disabled={bulkBusy} onClick={() => setChecked(new Set())}>{t('bulk.clear')}</button>
            </div>
          ) : null}
          <p class="bulk__summary" role="status">{bulkSummary}</p>
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
                  <th scope="col"><span class="visually-hidden">{t('outbox.tick')}</span></th>
                  <th scope="col">{t('outbox.col.to')}</th>
                  <th scope="col">{t('outbox.col.subject')}</th>
                  {shown.map((column) => <th key={column} scope="col">{t(`outbox.column.${column}`)}</th>)}
                  <th scope="col"><span class="visually-hidden">{t('outbox.col.actions')}</span></th>
                </tr>
              </thead>
              <tbody>
                {items.map((item) => {
                  const result = results[item.messageKey];
                  return (
                    <tr key={item.messageKey} class={item.messageKey === openKey ? 'outbox-row--open' : undefined} data-message-key={item.messageKey}>
                      <td>
                        <input
                          type="checkbox"
                          checked={checked.has(item.messageKey)}
                          aria-label={t('outbox.tickOne', { subject: item.subject || t('inbox.noSubject') })}
                          onChange={() => setChecked((current) => {
                            const next = new Set(current);
                            if (next.has(item.messageKey)) next.delete(item.messageKey);
                            else if (next.size < 100) next.add(item.messageKey);
                            return next;
                          })}
                        />
                      </td>
                      <td>{addresses(item.to) || '—'}</td>
                      <th scope="row" class="outbox-table__subject">{item.subject || t('inbox.noSubject')}</th>
                      {shown.map((column) => cell(item, column))}
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
            <dt>{t('outbox.column.links')}</dt><dd><OutboxLinks links={open.links} i18n={i18n} /></dd>
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
