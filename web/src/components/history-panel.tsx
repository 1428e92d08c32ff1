/** What happened to a conversation, oldest first: arrivals, opens, assignments, status and labels. */
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import type { ConversationStatus, HistoryEntry, HistoryPage } from '../api/types';
import { useI18n, type I18n } from '../i18n/i18n';
import { describeError } from '../lib/errors';
import { ErrorNote } from './error-note';

function describe(entry: HistoryEntry, i18n: I18n): string {
  const { t } = i18n;
  const status = (s: string) => t(`status.${s as ConversationStatus}`);
  switch (entry.kind) {
    case 'received': return t('history.received');
    case 'viewed': return t('history.viewed', { actor: entry.actor });
    case 'assigned': return t('history.assigned', { actor: entry.actor, assignee: entry.assignee });
    case 'unassigned': return t('history.unassigned', { actor: entry.actor, previous: entry.previousAssignee });
    case 'status_changed': return t('history.status_changed', { actor: entry.actor, from: status(entry.from), to: status(entry.to) });
    case 'labelled': return t('history.labelled', { actor: entry.actor, labels: entry.labels.join(', ') });
    case 'unlabelled': return t('history.unlabelled', { actor: entry.actor, labels: entry.labels.join(', ') });
    case 'archived': return t('history.archived', { actor: entry.actor });
    case 'unarchived': return t('history.unarchived', { actor: entry.actor });
    case 'note_added': return t('history.note_added', { actor: entry.actor });
    case 'snoozed': return t('history.snoozed', { actor: entry.actor, until: i18n.formatFullDate(entry.until) });
    case 'unsnoozed': return t('history.unsnoozed', { actor: entry.actor });
    case 'follow_up_set': return t('history.follow_up_set', { actor: entry.actor, when: i18n.formatFullDate(entry.remindAt) });
    case 'follow_up_cancelled': return t('history.follow_up_cancelled', { actor: entry.actor });
    case 'timer_fired': return t(entry.timer === 'snooze' ? 'history.snoozeEnded' : 'history.followUpDue');
  }
}

export function HistoryPanel(props: { api: ApiClient; conversationId: string; version: number }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [entries, setEntries] = useState<HistoryEntry[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const base = `/api/conversations/${encodeURIComponent(props.conversationId)}/history?limit=50`;

  useEffect(() => {
    const controller = new AbortController();
    setError(null);
    props.api.get<HistoryPage>(base, { signal: controller.signal }).then(
      (page) => {
        setEntries(page.items);
        setCursor(page.nextCursor);
      },
      (failure: unknown) => {
        if (!controller.signal.aborted) setError(failure);
      },
    );
    return () => controller.abort();
  }, [base, props.version, attempt]);

  const more = async (): Promise<void> => {
    if (cursor === null) return;
    try {
      const page = await props.api.get<HistoryPage>(`${base}&cursor=${encodeURIComponent(cursor)}`);
      setEntries((e) => [...(e ?? []), ...page.items]);
      setCursor(page.nextCursor);
    } catch (failure) {
      setError(failure);
    }
  };

  return (
    <section class="history" aria-labelledby="history-heading">
      <h3 id="history-heading">{t('history.heading')}</h3>
      {error !== null ? <ErrorNote title={t('history.loadFailed')} error={describeError(error, i18n, 'conversation.notFound')} onRetry={() => setAttempt((n) => n + 1)} /> : null}
      {entries === null ? (
        error === null ? <p class="muted">{t('app.loading')}</p> : null
      ) : entries.length === 0 ? (
        <p class="muted">{t('history.empty')}</p>
      ) : (
        <ol class="history__list">
          {entries.map((entry) => (
            <li key={entry.id}>
              <time dateTime={entry.at} class="muted">{i18n.formatFullDate(entry.at)}</time>
              <span>{describe(entry, i18n)}</span>
              {'message' in entry && entry.message ? <span class="muted">{t('history.note', { message: entry.message })}</span> : null}
            </li>
          ))}
        </ol>
      )}
      {cursor !== null ? (
        <button type="button" class="button button--small" onClick={() => void more()}>{t('history.more')}</button>
      ) : null}
    </section>
  );
}
