/**
 * The mailbox switcher: the user's mailboxes, primary first (the API's order), with their role;
 * then the cases and the user's drafts (with how many the server keeps).
 */
import { useEffect, useState } from 'preact/hooks';
import type { Mailbox } from '../api/types';
import { DRAFTS_CHANGED_EVENT, pendingDiscards } from '../lib/drafts';
import { useI18n } from '../i18n/i18n';
import { mailboxPath, onLinkClick, outboxPath } from '../lib/router';
import { casePath } from '../lib/cases';

/** How many drafts the user has on the server; reloaded when one is created, discarded or sent. */
function useDraftCount(api: DraftCountApi | undefined): number | null {
  const [count, setCount] = useState<number | null>(null);
  useEffect(() => {
    if (!api) return;
    let live = true;
    const load = (): void => {
      api.get<{ items: { draftId: string }[] }>('/api/drafts').then(
        (answer) => {
          const gone = new Set(pendingDiscards());
          if (live) setCount(answer.items.filter((d) => !gone.has(d.draftId)).length);
        },
        () => undefined,
      );
    };
    const onVisible = (): void => {
      if (document.visibilityState === 'visible') load();
    };
    load();
    addEventListener(DRAFTS_CHANGED_EVENT, load);
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      live = false;
      removeEventListener(DRAFTS_CHANGED_EVENT, load);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [api]);
  return count;
}

/** The part of the API client the draft count needs. */
export interface DraftCountApi {
  get<T>(path: string): Promise<T>;
}

export function MailboxNav(props: {
  mailboxes: Mailbox[]; currentId: string | null; outbox: boolean; cases?: boolean;
  /** The Drafts screen is open. */
  drafts?: boolean;
  /** Shows the number of drafts next to the Drafts link. */
  api?: DraftCountApi;
}) {
  const { t, tp } = useI18n();
  const draftCount = useDraftCount(props.api);
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
      <a
        class={`mailbox-link sidebar__drafts${props.drafts ? ' mailbox-link--current' : ''}`}
        href="/drafts"
        aria-current={props.drafts ? 'page' : undefined}
        aria-label={draftCount === null ? undefined : tp('drafts.navLabel', draftCount)}
        onClick={onLinkClick}
      >
        <span class="mailbox-link__name">{t('drafts.nav')}</span>
        {draftCount ? <span class="drafts-count" aria-hidden="true">{draftCount}</span> : null}
      </a>
    </nav>
  );
}
