/**
 * Sends that failed, for the people who should act on them (the author, the mailbox's
 * dispatchers and admins): what was sent to whom, why it failed, and retry or dismiss. Shown
 * above the list while there are any, refreshed with the list.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import type { OutboxItem } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { describeError, type PlainError } from '../lib/errors';
import { usePolling } from '../lib/polling';
import { mailboxPath, onLinkClick } from '../lib/router';
import { ErrorNote } from './error-note';

export function FailedSends(props: { api: ApiClient }) {
  const i18n = useI18n();
  const { t, tp } = i18n;
  const [items, setItems] = useState<OutboxItem[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<PlainError | null>(null);
  const [notice, setNotice] = useState('');

  const load = async (): Promise<void> => {
    try {
      setItems((await props.api.get<{ items: OutboxItem[] }>('/api/outbox/failed?limit=10', { revalidate: true })).items);
    } catch {
      // The list is a reminder; the outbox screen is where its failures show.
    }
  };
  useEffect(() => void load(), []);
  usePolling(load, 30_000);

  if (items.length === 0) return <p class="visually-hidden" role="status">{notice}</p>;

  const act = async (item: OutboxItem, action: 'retry' | 'acknowledge'): Promise<void> => {
    setBusy(item.messageKey);
    setError(null);
    try {
      await props.api.send('POST', `/api/outbox/${encodeURIComponent(item.messageKey)}/${action}`);
      setNotice(action === 'retry' ? t('failed.retried', { subject: item.subject }) : t('failed.dismissed', { subject: item.subject }));
      if (action === 'acknowledge' || item.status !== 'failed') setItems((list) => list.filter((i) => i.messageKey !== item.messageKey));
      await load();
    } catch (failure) {
      setError(describeError(failure, i18n));
    } finally {
      setBusy(null);
    }
  };

  return (
    <section class="failed" aria-labelledby="failed-heading">
      <h2 id="failed-heading" class="failed__title">{tp('failed.title', items.length)}</h2>
      <ul class="failed__list">
        {items.map((item) => (
          <li key={item.messageKey} class="failed__item">
            <a href={mailboxPath(item.mailboxId, { conversationId: item.conversationId })} onClick={onLinkClick} class="failed__subject">
              {item.subject || t('inbox.noSubject')}
            </a>
            <span class="muted"> → {item.to.map((a) => a.address).join(', ')}</span>
            {item.lastError ? <p class="failed__error">{item.lastError}</p> : null}
            <span class="failed__buttons">
              {item.status === 'failed' ? (
                <button type="button" class="button button--small button--primary" disabled={busy !== null} onClick={() => void act(item, 'retry')}>
                  {t('outbox.retry')}
                </button>
              ) : null}
              <button type="button" class="button button--small button--ghost" disabled={busy !== null} onClick={() => void act(item, 'acknowledge')}>
                {t('failed.dismiss')}
              </button>
            </span>
          </li>
        ))}
      </ul>
      {error ? <ErrorNote title={t('failed.actionFailed')} error={error} /> : null}
      <p class="visually-hidden" role="status">{notice}</p>
    </section>
  );
}
