/**
 * Language and locale: UI text from `messages.ts`, dates and numbers through `Intl` in the user's
 * locale. The language comes from the user's choice (kept in localStorage), else the locale of
 * their Mailroom account (`/api/me`), else the browser's.
 */
import { createContext, type ComponentChildren } from 'preact';
import { useContext, useMemo } from 'preact/hooks';
import { en, fr, type MessageKey, type Messages } from './messages';

export const LANGUAGES = ['fr', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

const CATALOGUES: Record<Language, Messages> = { en, fr };
const CHOICE_KEY = 'mailroom.language';

/** `fr-CA` -> `fr`; anything unsupported -> null. */
export function languageOf(locale: string | null | undefined): Language | null {
  const base = (locale ?? '').toLowerCase().split(/[-_]/)[0];
  return (LANGUAGES as readonly string[]).includes(base ?? '') ? (base as Language) : null;
}

export function storedLanguage(): Language | null {
  try {
    return languageOf(localStorage.getItem(CHOICE_KEY));
  } catch {
    return null;
  }
}

export function storeLanguage(language: Language): void {
  try {
    localStorage.setItem(CHOICE_KEY, language);
  } catch {
    // storage disabled: the choice lasts for this page only
  }
}

/** The user's explicit choice, else the account's locale, else the browser's, else French. */
export function pickLanguage(accountLocale: string | null): Language {
  return storedLanguage() ?? languageOf(accountLocale) ?? languageOf(navigator.language) ?? 'fr';
}

type Params = Record<string, string | number>;

export interface I18n {
  language: Language;
  /** BCP 47 locale used for dates and numbers: the account's (e.g. `fr-BE`) when its language matches. */
  locale: string;
  t(key: MessageKey, params?: Params): string;
  /** Plural text from `<key>.one` / `<key>.other`; `{count}` is formatted. */
  tp(key: string, count: number, params?: Params): string;
  /** Short time for today, short date otherwise (conversation lists). */
  formatListDate(iso: string, now?: Date): string;
  /** Full date and time (message headers, tooltips). */
  formatFullDate(iso: string): string;
  formatTime(date: Date): string;
  formatBytes(bytes: number): string;
  formatNumber(value: number): string;
}

function fill(text: string, params: Params | undefined): string {
  if (params === undefined) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function createI18n(language: Language, accountLocale: string | null): I18n {
  const catalogue = CATALOGUES[language];
  const locale = languageOf(accountLocale) === language && accountLocale ? accountLocale : language;
  const plural = new Intl.PluralRules(locale);
  const number = new Intl.NumberFormat(locale);
  const time = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });
  const dayMonth = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short' });
  const dayMonthYear = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric' });
  const full = new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'short' });
  const t = (key: MessageKey, params?: Params): string => fill(catalogue[key] ?? en[key], params);
  return {
    language,
    locale,
    t,
    tp(key, count, params) {
      const form = plural.select(count) === 'one' ? 'one' : 'other';
      const text = (catalogue as Record<string, string>)[`${key}.${form}`] ?? (en as Record<string, string>)[`${key}.${form}`] ?? key;
      return fill(text, { ...params, count: number.format(count) });
    },
    formatListDate(iso, now = new Date()) {
      const date = new Date(iso);
      if (Number.isNaN(date.getTime())) return '';
      if (date.toDateString() === now.toDateString()) return time.format(date);
      return date.getFullYear() === now.getFullYear() ? dayMonth.format(date) : dayMonthYear.format(date);
    },
    formatFullDate(iso) {
      const date = new Date(iso);
      return Number.isNaN(date.getTime()) ? iso : full.format(date);
    },
    formatTime: (date) => time.format(date),
    formatBytes(bytes) {
      const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;
      let value = bytes;
      let unit = 0;
      while (value >= 1000 && unit < units.length - 1) {
        value /= 1000;
        unit += 1;
      }
      return new Intl.NumberFormat(locale, { style: 'unit', unit: units[unit], unitDisplay: unit === 0 ? 'long' : 'short', maximumFractionDigits: unit === 0 ? 0 : 1 }).format(value);
    },
    formatNumber: (value) => number.format(value),
  };
}

const I18nContext = createContext<I18n>(createI18n('fr', null));

export function I18nProvider(props: { language: Language; accountLocale: string | null; children: ComponentChildren }) {
  const value = useMemo(() => createI18n(props.language, props.accountLocale), [props.language, props.accountLocale]);
  return <I18nContext.Provider value={value}>{props.children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  return useContext(I18nContext);
}
