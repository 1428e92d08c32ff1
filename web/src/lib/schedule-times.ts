/**
 * The times offered for a snooze or a follow-up reminder, in the user's own time zone. The API
 * takes any time in the future and within a year (shared/workflow/rules.ts, `futureTime`), so the
 * app checks the same before sending and says so next to the field.
 */

export type SchedulePreset = 'laterToday' | 'tomorrowMorning' | 'nextWeek';
export const SCHEDULE_PRESETS: SchedulePreset[] = ['laterToday', 'tomorrowMorning', 'nextWeek'];

/** Working mornings start at this hour. */
const MORNING_HOUR = 8;

/**
 * Later today: three hours on, rounded up to the full hour (until 21:00; later than that it is
 * tomorrow morning). Tomorrow morning: 08:00 tomorrow. Next week: Monday 08:00 of the next week.
 */
export function presetTime(preset: SchedulePreset, now = new Date()): Date {
  const at = new Date(now);
  switch (preset) {
    case 'laterToday': {
      const later = new Date(now.getTime() + 3 * 3_600_000);
      if (later.getMinutes() !== 0 || later.getSeconds() !== 0 || later.getMilliseconds() !== 0) later.setMinutes(60, 0, 0);
      return later.getDate() === now.getDate() && later.getHours() <= 21 ? later : presetTime('tomorrowMorning', now);
    }
    case 'tomorrowMorning':
      at.setDate(at.getDate() + 1);
      at.setHours(MORNING_HOUR, 0, 0, 0);
      return at;
    case 'nextWeek': {
      const untilMonday = ((8 - at.getDay()) % 7) || 7;
      at.setDate(at.getDate() + untilMonday);
      at.setHours(MORNING_HOUR, 0, 0, 0);
      return at;
    }
  }
}

/** `YYYY-MM-DDTHH:mm` in local time, the value of an `<input type="datetime-local">`. */
export function toLocalInput(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export type ScheduleCheck = { ok: true; at: Date } | { ok: false; reason: 'empty' | 'invalid' | 'past' | 'tooFar' };

/** A chosen local date-time as the API will take it: in the future and within a year. */
export function checkScheduleInput(value: string, now = new Date()): ScheduleCheck {
  if (value.trim() === '') return { ok: false, reason: 'empty' };
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value.trim());
  if (!match) return { ok: false, reason: 'invalid' };
  const [, y, mo, d, h, mi] = match.map(Number) as [number, number, number, number, number, number];
  const at = new Date(y, mo - 1, d, h, mi);
  if (Number.isNaN(at.getTime()) || at.getMonth() !== mo - 1) return { ok: false, reason: 'invalid' };
  if (at.getTime() <= now.getTime()) return { ok: false, reason: 'past' };
  const yearOn = new Date(now);
  yearOn.setFullYear(yearOn.getFullYear() + 1);
  if (at.getTime() > yearOn.getTime()) return { ok: false, reason: 'tooFar' };
  return { ok: true, at };
}
