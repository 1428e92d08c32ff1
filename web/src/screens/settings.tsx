/**
 * The settings area (`/settings/:section`), for organisation admins and mailbox admins, loaded on
 * first use. Organisation-wide sections (departments, qualifications, accounts) are for
 * organisation admins; per-mailbox sections (templates, signatures, outbox) work on one of the
 * mailboxes the user administers, chosen at the top.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import type { Me } from '../api/types';
import { ErrorNote } from '../components/error-note';
import { AccountsSection } from '../components/settings-accounts';
import { MailboxesSection } from '../components/settings-mailboxes';
import { DepartmentsSection, QualificationsSection, RecordTypesSection } from '../components/settings-org';
import { OutboxSettingsSection } from '../components/settings-outbox';
import { SignaturesSection, TemplatesSection } from '../components/settings-templates';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';
import { onLinkClick } from '../lib/router';

export const SETTINGS_SECTIONS = ['mailboxes', 'organisation', 'templates', 'outbox', 'accounts'] as const;
export type SettingsSection = (typeof SETTINGS_SECTIONS)[number];
const ORG_ONLY: ReadonlySet<SettingsSection> = new Set(['organisation', 'accounts']);
const LABELS: Record<SettingsSection, MessageKey> = {
  mailboxes: 'settings.nav.mailboxes',
  organisation: 'settings.nav.organisation',
  templates: 'settings.nav.templates',
  outbox: 'settings.nav.outbox',
  accounts: 'settings.nav.accounts',
};

/** Whether the user administers anything: the settings link is shown to them only. */
export function canAdminister(me: Me): boolean {
  return me.orgAdmin || me.mailboxes.some((m) => m.role === 'admin');
}

export interface SettingsScreenProps {
  api: ApiClient;
  me: Me;
  section: string | null;
}

export function SettingsScreen(props: SettingsScreenProps) {
  const { t } = useI18n();
  const { me } = props;
  const sections = SETTINGS_SECTIONS.filter((s) => me.orgAdmin || !ORG_ONLY.has(s));
  const section = (sections as readonly string[]).includes(props.section ?? '') ? (props.section as SettingsSection) : sections[0]!;
  const administered = me.mailboxes.filter((m) => m.role === 'admin');
  const [mailboxId, setMailboxId] = useState(administered[0]?.mailboxId ?? '');

  useEffect(() => {
    document.title = `${t('settings.title')} – ${t(LABELS[section])} – Mailroom`;
  }, [section, t]);

  if (!canAdminister(me)) {
    return <div class="page-message"><ErrorNote error={{ message: t('settings.notAdmin'), detail: null }} /></div>;
  }
  const perMailbox = section === 'templates' || section === 'outbox';

  return (
    <div class="settings">
      <h1 class="settings__title">{t('settings.title')}</h1>
      <nav class="settings__nav" aria-label={t('settings.sections')}>
        <ul>
          {sections.map((s) => (
            <li key={s}>
              <a href={`/settings/${s}`} aria-current={s === section ? 'page' : undefined} class={s === section ? 'settings__nav-current' : undefined} onClick={onLinkClick}>{t(LABELS[s])}</a>
            </li>
          ))}
        </ul>
      </nav>
      <div class="settings__body">
        {perMailbox ? (
          administered.length === 0 ? <p class="muted">{t('settings.noMailboxToAdminister')}</p> : (
            <div class="field field--inline settings__picker">
              <label for="settings-mailbox">{t('settings.mailbox')}</label>
              <select id="settings-mailbox" value={mailboxId} onChange={(e) => setMailboxId((e.currentTarget as HTMLSelectElement).value)}>
                {administered.map((m) => <option key={m.mailboxId} value={m.mailboxId}>{m.name}</option>)}
              </select>
            </div>
          )
        ) : null}
        {section === 'mailboxes' ? <MailboxesSection api={props.api} me={me} /> : null}
        {section === 'organisation' ? (
          <>
            <DepartmentsSection api={props.api} />
            <QualificationsSection api={props.api} />
            <RecordTypesSection api={props.api} />
          </>
        ) : null}
        {section === 'templates' && mailboxId ? (
          <>
            <TemplatesSection key={`t-${mailboxId}`} api={props.api} mailboxId={mailboxId} />
            <SignaturesSection key={`s-${mailboxId}`} api={props.api} mailboxId={mailboxId} />
          </>
        ) : null}
        {section === 'outbox' && mailboxId ? <OutboxSettingsSection key={mailboxId} api={props.api} mailboxId={mailboxId} /> : null}
        {section === 'accounts' ? <AccountsSection api={props.api} me={me} /> : null}
      </div>
    </div>
  );
}
