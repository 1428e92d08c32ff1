/** The mailbox switcher: the user's mailboxes, primary first (the API's order), with their role. */
import type { Mailbox } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { mailboxPath, onLinkClick, outboxPath } from '../lib/router';
import { casePath } from '../lib/cases';

export function MailboxNav(props: { mailboxes: Mailbox[]; currentId: string | null; outbox: boolean; cases?: boolean }) {
  const { t } = useI18n();
  return (
    <nav class="sidebar" aria-labelledby="mailboxes-heading">
      <h2 id="mailboxes-heading" class="sidebar__heading">{t('app.mainNavigation')}</h2>
      <ul class="mailbox-list">
        {props.mailboxes.map((mailbox) => {
          const here = mailbox.mailboxId === props.currentId;
          const current = here && !props.outbox;
          return (
            <li key={mailbox.mailboxId}>
              <a
                class={`mailbox-link${current ? ' mailbox-link--current' : ''}`}
                href={mailboxPath(mailbox.mailboxId)}
                aria-current={current ? 'page' : undefined}
                onClick={onLinkClick}
              >
                <span class="mailbox-link__name">
                  {mailbox.name}
                  {mailbox.primary ? <span class="mailbox-link__primary"> · {t('mailbox.primary')}</span> : null}
                </span>
                <span class="mailbox-link__meta">
                  {t(mailbox.kind === 'shared' ? 'mailbox.shared' : 'mailbox.personal')} · {t(`role.${mailbox.role}`)}
                </span>
                <span class="mailbox-link__address">{mailbox.addresses[0]}</span>
              </a>
              <a
                class={`mailbox-sublink${here && props.outbox ? ' mailbox-link--current' : ''}`}
                href={outboxPath(mailbox.mailboxId)}
                aria-current={here && props.outbox ? 'page' : undefined}
                aria-label={t('outbox.navLabel', { mailbox: mailbox.name })}
                onClick={onLinkClick}
              >
                {t('outbox.nav')}
              </a>
            </li>
          );
        })}
      </ul>
      <a
        class={`mailbox-link sidebar__cases${props.cases ? ' mailbox-link--current' : ''}`}
        href={casePath()}
        aria-current={props.cases ? 'page' : undefined}
        aria-label={t('cases.navLabel')}
        onClick={onLinkClick}
      >
        <span class="mailbox-link__name">{t('cases.nav')}</span>
      </a>
    </nav>
  );
}
