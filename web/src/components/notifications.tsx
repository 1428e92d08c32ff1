/**
 * The bell in the top bar: the caller's in-app notifications (mentioned in a note, a conversation
 * assigned to them, a delivery receipt), the unread count on the button, and a panel listing them.
 * Opening one goes to its conversation and marks it read. Polled while the tab is visible, and at
 * once when it becomes visible again (lib/polling.ts); kinds the app does not know yet are shown
 * in a plain generic sentence rather than hidden.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import type { InAppNotification, MailboxMember, NotificationPage } from '../api/types';
import { useI18n, type I18n } from '../i18n/i18n';
import { describeError } from '../lib/errors';
import { usePolling } from '../lib/polling';
import { mailboxPath, navigate } from '../lib/router';
import { ErrorNote } from './error-note';

/** A modest rate: a mention is worth knowing within the minute, not within the second. */
export const NOTIFICATIONS_POLL_MS = 30_000;
const PAGE_SIZE = 20;

/** What a notification says, in one sentence, and an optional second line; `by` named when known. */
export function describeNotification(n: InAppNotification, i18n: I18n, names: ReadonlyMap<string, string> = new Map()): { text: string; detail: string | null } {
  const { t } = i18n;
  const subject = n.subject || t('inbox.noSubject');
  const by = names.get(n.by) || n.by;
  switch (n.kind) {
    case 'mention':
      return { text: t('notifications.mention', { by, subject }), detail: null };
    case 'assigned':
      return { text: t('notifications.assigned', { by, subject }), detail: n.message ? t('notifications.assignedMessage', { message: n.message }) : null };
    case 'delivered':
      return { text: t('notifications.delivered', { subject }), detail: n.message ? t('notifications.deliveredTo', { recipients: n.message }) : null };
    default:
      return { text: by ? t('notifications.genericBy', { by, subject }) : t('notifications.generic', { subject }), detail: null };
  }
}

export function NotificationBell(props: { api: ApiClient }) {
  const i18n = useI18n();
  const { t } = i18n;
  /** The first page, as the last poll saw it. */
  const [first, setFirst] = useState<NotificationPage | null>(null);
  /** Older pages the user asked for. */
  const [older, setOlder] = useState<NotificationPage>({ items: [], nextCursor: null });
  const [error, setError] = useState<unknown>(null);
  const [open, setOpen] = useState(false);
  const [announcement, setAnnouncement] = useState('');
  const button = useRef<HTMLButtonElement>(null);
  const wrapper = useRef<HTMLDivElement>(null);
  const lastUnread = useRef<number | null>(null);
  /** Member names by email, from the members of the mailboxes the notifications are about (once each). */
  const [names, setNames] = useState<ReadonlyMap<string, string>>(new Map());
  const askedMailboxes = useRef(new Set<string>());

  const load = async (): Promise<void> => {
    try {
      setFirst(await props.api.get<NotificationPage>(`/api/me/notifications?limit=${PAGE_SIZE}`));
      setError(null);
    } catch (failure) {
      setError(failure);
    }
  };
  useEffect(() => {
    void load();
  }, [props.api]);
  usePolling(load, NOTIFICATIONS_POLL_MS);

  const firstIds = new Set((first?.items ?? []).map((n) => n.notificationId));
  const items = [...(first?.items ?? []), ...older.items.filter((n) => !firstIds.has(n.notificationId))];
  const cursor = older.items.length > 0 ? older.nextCursor : first?.nextCursor ?? null;
  const unread = items.filter((n) => n.readAt === null).length;
  const more = unread === items.length && cursor !== null;
  const count = more ? `${i18n.formatNumber(unread)}+` : i18n.formatNumber(unread);

  useEffect(() => {
    for (const mailboxId of new Set(items.map((n) => n.mailboxId))) {
      if (askedMailboxes.current.has(mailboxId)) continue;
      askedMailboxes.current.add(mailboxId);
      props.api.get<{ items: MailboxMember[] }>(`/api/mailboxes/${encodeURIComponent(mailboxId)}/members`).then(
        (page) => setNames((known) => new Map([...known, ...page.items.filter((m) => m.name).map((m): [string, string] => [m.email, m.name])])),
        // No longer a member of that mailbox, or offline: emails stand in for names.
        () => undefined,
      );
    }
  }, [first, older]);

  // Screen readers hear of a new notification without the bell taking the focus.
  useEffect(() => {
    if (first === null) return;
    if (lastUnread.current !== null && unread > lastUnread.current) setAnnouncement(i18n.tp('notifications.newUnread', unread));
    lastUnread.current = unread;
  }, [unread, first]);

  // A click elsewhere closes the panel.
  useEffect(() => {
    if (!open) return;
    const onDown = (event: MouseEvent): void => {
      if (wrapper.current && !wrapper.current.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  const markRead = (n: InAppNotification): void => {
    if (n.readAt !== null) return;
    const now = new Date().toISOString();
    const read = (page: NotificationPage): NotificationPage => ({ ...page, items: page.items.map((x) => (x.notificationId === n.notificationId ? { ...x, readAt: now } : x)) });
    setFirst((page) => (page ? read(page) : page));
    setOlder(read);
    props.api.send('POST', `/api/me/notifications/${encodeURIComponent(n.notificationId)}/read`).catch(() => {
      // Still unread on the server: the next poll shows it unread again.
    });
  };

  const loadOlder = async (): Promise<void> => {
    if (cursor === null) return;
    try {
      const page = await props.api.get<NotificationPage>(`/api/me/notifications?limit=${PAGE_SIZE}&cursor=${encodeURIComponent(cursor)}`);
      setOlder((current) => ({ items: [...current.items, ...page.items], nextCursor: page.nextCursor }));
    } catch (failure) {
      setError(failure);
    }
  };

  const label = unread > 0 ? i18n.tp('notifications.buttonUnread', unread, { shown: count }) : t('notifications.button');
  return (
    <div
      class="bell"
      ref={wrapper}
      onKeyDown={(event) => {
        // Escape on the button or in the panel closes it (and goes no further: not "back to the list").
        if (event.key === 'Escape' && open) {
          event.preventDefault();
          event.stopPropagation();
          setOpen(false);
          button.current?.focus();
        }
      }}
    >
      <button
        type="button"
        ref={button}
        class="button button--ghost bell__button"
        aria-expanded={open}
        aria-controls="notifications-panel"
        aria-label={label}
        title={label}
        onClick={() => {
          if (!open) void load();
          setOpen(!open);
        }}
      >
        <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20">
          <path d="M6 16V11a6 6 0 0 1 12 0v5l2 2H4zM10 20a2 2 0 0 0 4 0" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round" />
        </svg>
        {unread > 0 ? <span class="bell__count" aria-hidden="true">{count}</span> : null}
      </button>
      <span class="visually-hidden" aria-live="polite">{announcement}</span>
      <div
        id="notifications-panel"
        class="bell__panel"
        role="region"
        aria-labelledby="notifications-heading"
        hidden={!open}
      >
        <h2 id="notifications-heading" class="bell__heading">{t('notifications.heading')}</h2>
        {error !== null ? <ErrorNote title={t('notifications.loadFailed')} error={describeError(error, i18n)} onRetry={() => void load()} /> : null}
        {first === null && error === null ? <p class="muted">{t('app.loading')}</p> : null}
        {first !== null && items.length === 0 ? <p class="muted">{t('notifications.empty')}</p> : null}
        {items.length > 0 ? (
          <ul class="bell__list">
            {items.map((n) => {
              const { text, detail } = describeNotification(n, i18n, names);
              const href = mailboxPath(n.mailboxId, { conversationId: n.conversationId });
              return (
                <li key={n.notificationId} class={`bell__item${n.readAt === null ? ' bell__item--unread' : ''}`}>
                  <a
                    href={href}
                    class="bell__link"
                    onClick={(event) => {
                      markRead(n);
                      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
                      event.preventDefault();
                      setOpen(false);
                      navigate(href);
                    }}
                  >
                    {n.readAt === null ? <span class="bell__unread">{t('notifications.unread')}</span> : null}
                    <span class="bell__text">{text}</span>
                    {detail ? <span class="bell__detail muted">{detail}</span> : null}
                    <time class="bell__time muted" dateTime={n.at}>{i18n.formatFullDate(n.at)}</time>
                  </a>
                </li>
              );
            })}
          </ul>
        ) : null}
        {cursor !== null ? <button type="button" class="button button--small" onClick={() => void loadOlder()}>{t('notifications.more')}</button> : null}
      </div>
    </div>
  );
}
