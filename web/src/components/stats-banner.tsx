/**
 * The mailbox's dashboard banner: the counters the user chose (counts by status, overdue, median
 * first-response and resolution times over 30 days). A status counter is a link to that list.
 * The choice is the user's own and kept on the server (PUT /api/me/preferences), so it follows
 * them to another browser.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import { useI18n, type I18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';
import { describeError } from '../lib/errors';
import { usePolling } from '../lib/polling';
import { mailboxPath, onLinkClick } from '../lib/router';
import { ErrorNote } from './error-note';

export const COUNTERS = ['unassigned', 'assigned', 'in_progress', 'todo', 'closed', 'overdue', 'firstResponseMedian', 'resolutionMedian'] as const;
export type Counter = (typeof COUNTERS)[number];

interface MailboxStats {
  counts: Record<'unassigned' | 'assigned' | 'in_progress' | 'todo' | 'closed' | 'overdue', number>;
  firstResponse: { medianMs: number | null; samples: number };
  resolution: { medianMs: number | null; samples: number };
  window: { days: number };
  counters: Counter[];
}

const STATUS_COUNTERS = new Set<Counter>(['unassigned', 'assigned', 'in_progress', 'todo', 'closed']);

/** "2 h 05", "3 j 4 h", "12 min": a median time in the user's words. */
export function formatDuration(ms: number, i18n: Pick<I18n, 't'>): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return i18n.t('stats.minutes', { m: Math.max(minutes, 1) });
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return i18n.t('stats.hours', { h: hours, m: String(minutes % 60).padStart(2, '0') });
  return i18n.t('stats.days', { d: Math.floor(hours / 24), h: hours % 24 });
}

export function StatsBanner(props: { api: ApiClient; mailboxId: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [stats, setStats] = useState<MailboxStats | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [choosing, setChoosing] = useState(false);
  const path = `/api/mailboxes/${encodeURIComponent(props.mailboxId)}/stats`;

  const load = async (): Promise<void> => {
    try {
      setStats(await props.api.get<MailboxStats>(path, { revalidate: true }));
      setError(null);
    } catch (failure) {
      setError(failure);
    }
  };
  useEffect(() => {
    setStats(null);
    void load();
  }, [props.mailboxId]);
  usePolling(load, 60_000);

  if (error !== null && stats === null) return <ErrorNote title={t('stats.failed')} error={describeError(error, i18n)} onRetry={() => void load()} />;
  if (stats === null) return null;

  const value = (counter: Counter): string => {
    if (counter === 'firstResponseMedian' || counter === 'resolutionMedian') {
      const median = (counter === 'firstResponseMedian' ? stats.firstResponse : stats.resolution).medianMs;
      return median === null ? '–' : formatDuration(median, i18n);
    }
    return i18n.formatNumber(stats.counts[counter]);
  };

  return (
    <section class="stats" aria-label={t('stats.region')}>
      <ul class="stats__list">
        {stats.counters.map((counter) => (
          <li key={counter} class={`stats__item stats__item--${counter}`}>
            {STATUS_COUNTERS.has(counter) ? (
              <a href={mailboxPath(props.mailboxId, { status: counter })} onClick={onLinkClick}>
                <span class="stats__value">{value(counter)}</span> <span class="stats__name">{t(`stats.${counter}` as MessageKey)}</span>
              </a>
            ) : (
              <span>
                <span class="stats__value">{value(counter)}</span> <span class="stats__name">{t(`stats.${counter}` as MessageKey)}</span>
              </span>
            )}
          </li>
        ))}
      </ul>
      <button type="button" class="button button--small button--ghost" aria-expanded={choosing} onClick={() => setChoosing(!choosing)}>
        {t('stats.choose')}
      </button>
      {choosing ? (
        <CounterChooser
          api={props.api}
          chosen={stats.counters}
          onSaved={(counters) => {
            setStats({ ...stats, counters });
            setChoosing(false);
          }}
          onCancel={() => setChoosing(false)}
        />
      ) : null}
    </section>
  );
}

function CounterChooser(props: { api: ApiClient; chosen: Counter[]; onSaved: (counters: Counter[]) => void; onCancel: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [chosen, setChosen] = useState<Counter[]>(props.chosen);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const save = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      // Kept in the banner's order, whatever order they were ticked in.
      const ordered = COUNTERS.filter((c) => chosen.includes(c));
      const saved = await props.api.send<{ statsCounters: Counter[] }>('PUT', '/api/me/preferences', { statsCounters: ordered });
      props.onSaved(saved.statsCounters);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  return (
    <form
      class="stats__chooser"
      aria-label={t('stats.chooseTitle')}
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <fieldset>
        <legend>{t('stats.chooseTitle')}</legend>
        {COUNTERS.map((counter) => (
          <label key={counter} class="stats__option">
            <input
              type="checkbox"
              checked={chosen.includes(counter)}
              onChange={() => setChosen(chosen.includes(counter) ? chosen.filter((c) => c !== counter) : [...chosen, counter])}
            />
            {t(`stats.${counter}` as MessageKey)}
          </label>
        ))}
      </fieldset>
      {error !== null ? <ErrorNote title={t('stats.saveFailed')} error={describeError(error, i18n)} /> : null}
      <div class="filters__buttons">
        <button type="submit" class="button button--small button--primary" disabled={busy}>{t('stats.save')}</button>
        <button type="button" class="button button--small button--ghost" onClick={props.onCancel}>{t('stats.cancel')}</button>
      </div>
    </form>
  );
}
