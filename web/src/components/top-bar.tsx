/** The banner: product name, notifications, language, shortcuts help, the signed-in user and sign-out. */
import type { ApiClient } from '../api/client';
import { LANGUAGES, useI18n, type Language } from '../i18n/i18n';
import { onLinkClick } from '../lib/router';
import { NotificationBell } from './notifications';

export function LanguageSelect(props: { onChange: (language: Language) => void }) {
  const { t, language } = useI18n();
  return (
    <label class="field field--inline language-select">
      <span>{t('app.language')}</span>
      <select value={language} onChange={(event) => props.onChange((event.currentTarget as HTMLSelectElement).value as Language)}>
        {LANGUAGES.map((l) => (
          <option key={l} value={l} lang={l}>{t(`lang.${l}`)}</option>
        ))}
      </select>
    </label>
  );
}

export function TopBar(props: {
  userName: string | null;
  onLanguage: (language: Language) => void;
  onHelp?: () => void;
  onSignOut?: () => void;
  /** Shown to admins: whether the settings are the current page. */
  settings?: boolean;
  /** Signed in: the notifications bell polls the API with it. */
  api?: ApiClient;
}) {
  const { t } = useI18n();
  return (
    <header class="topbar">
      <a class="skip-link" href="#main">{t('app.skipToContent')}</a>
      <span class="topbar__brand">
        <svg aria-hidden="true" viewBox="0 0 24 24" width="22" height="22"><path d="M3 6.5 12 12l9-5.5M4 5h16a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1Z" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round" /></svg>
        {t('app.name')}
      </span>
      <div class="topbar__tools">
        {props.api ? <NotificationBell api={props.api} /> : null}
        <LanguageSelect onChange={props.onLanguage} />
        {props.onHelp ? (
          <button type="button" class="button button--ghost" onClick={props.onHelp} aria-keyshortcuts="?" title={t('app.shortcutsHint')}>
            <span aria-hidden="true" class="kbd-hint">?</span> {t('app.shortcuts')}
          </button>
        ) : null}
        {props.settings !== undefined ? (
          <a class="button button--ghost" href="/settings" aria-current={props.settings ? 'page' : undefined} onClick={onLinkClick}>{t('settings.navLink')}</a>
        ) : null}
        {props.userName ? <span class="topbar__user">{t('app.signedInAs', { name: props.userName })}</span> : null}
        {props.onSignOut ? (
          <button type="button" class="button button--ghost" onClick={props.onSignOut}>{t('app.signOut')}</button>
        ) : null}
      </div>
    </header>
  );
}
