/**
 * Choosing a time for a snooze or a follow-up reminder: three presets shown with the time they
 * stand for (later today, tomorrow morning, next week) and a date and time of one's own. The way
 * back (wake up now, cancel the reminder) sits with the time set, under the actions bar, where it
 * shows only when there is something to undo. A panel under the actions bar, not a floating menu:
 * it stays in the tab order, Escape closes it and gives the focus back to its button.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ActionPanel } from './action-panel';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';
import { checkScheduleInput, presetTime, SCHEDULE_PRESETS, toLocalInput } from '../lib/schedule-times';

export interface SchedulePanelProps {
  id: string;
  /** What the times are for ("Snooze until", "Remind me"). */
  title: string;
  customSubmit: string;
  busy: boolean;
  onPick: (at: Date) => void;
  onClose: () => void;
}

const REASONS: Record<'empty' | 'invalid' | 'past' | 'tooFar', MessageKey> = {
  empty: 'snooze.errorEmpty', invalid: 'snooze.errorInvalid', past: 'snooze.errorPast', tooFar: 'snooze.errorTooFar',
};

export function SchedulePanel(props: SchedulePanelProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const now = new Date();
  const [custom, setCustom] = useState('');
  const [error, setError] = useState<MessageKey | null>(null);
  const first = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    first.current?.focus();
  }, []);

  return (
    <ActionPanel id={props.id} class="schedule" title={props.title} onClose={props.onClose}>
      <ul class="schedule__presets">
        {SCHEDULE_PRESETS.map((preset, index) => {
          const at = presetTime(preset, now);
          return (
            <li key={preset}>
              <button type="button" class="button button--small" ref={index === 0 ? first : undefined} disabled={props.busy} onClick={() => props.onPick(at)}>
                {t(`snooze.${preset}`)}
                <span class="muted schedule__time">{i18n.formatFullDate(at.toISOString())}</span>
              </button>
            </li>
          );
        })}
      </ul>
      <form
        class="schedule__custom"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          const checked = checkScheduleInput(custom);
          if (!checked.ok) {
            setError(REASONS[checked.reason]);
            return;
          }
          setError(null);
          props.onPick(checked.at);
        }}
      >
        <label class="schedule__label" for={`${props.id}-custom`}>{t('snooze.custom')}</label>
        <input
          id={`${props.id}-custom`}
          type="datetime-local"
          min={toLocalInput(now)}
          value={custom}
          aria-invalid={error !== null}
          aria-describedby={error !== null ? `${props.id}-custom-error` : undefined}
          onInput={(event) => {
            setCustom(event.currentTarget.value);
            setError(null);
          }}
        />
        <button type="submit" class="button button--small" disabled={props.busy}>{props.customSubmit}</button>
        {error !== null ? <p id={`${props.id}-custom-error`} class="field-error schedule__error" role="alert">{t(error)}</p> : null}
      </form>
      <div class="schedule__footer">
        <button type="button" class="button button--small button--ghost" onClick={props.onClose}>{t('app.close')}</button>
      </div>
    </ActionPanel>
  );
}

const scheduleFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * A snooze or reminder time as people say it ("Tue 24 Nov, 08:00", "mar. 24 nov., 08:00"): weekday,
 * day, month and time in the user's locale, without the year these times (within a year) never need.
 */
export function formatScheduleTime(locale: string, iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  let format = scheduleFormats.get(locale);
  if (format === undefined) {
    format = new Intl.DateTimeFormat(locale, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
    scheduleFormats.set(locale, format);
  }
  return format.format(date);
}
