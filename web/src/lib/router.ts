/**
 * A small history router: a handful of routes do not need a routing library. The local stack
 * (and CloudFront when deployed) answers every app path with index.html.
 */
import { useEffect, useState } from 'preact/hooks';
import { EMPTY_QUERY, listQueryString, parseListQuery, type ListQuery } from './list-query';

export type Route =
  | { name: 'sign-in'; next: string | null }
  | { name: 'auth-callback'; search: string }
  | { name: 'home' }
  | { name: 'mailbox'; mailboxId: string; conversationId: string | null; query: ListQuery }
  | { name: 'outbox'; mailboxId: string }
  | { name: 'settings'; section: string | null }
  | { name: 'cases'; caseId: string | null }
  | { name: 'drafts' }
  | { name: 'not-found' };

export function parseRoute(pathname: string, search: string): Route {
  const params = new URLSearchParams(search);
  if (pathname === '/sign-in') return { name: 'sign-in', next: params.get('next') };
  if (pathname === '/auth/callback') return { name: 'auth-callback', search };
  if (pathname === '/' || pathname === '') return { name: 'home' };
  const outbox = /^\/mailboxes\/([^/]+)\/outbox\/?$/.exec(pathname);
  if (outbox) return { name: 'outbox', mailboxId: decodeURIComponent(outbox[1]!) };
  const settings = /^\/settings(?:\/([^/]+))?\/?$/.exec(pathname);
  if (settings) return { name: 'settings', section: settings[1] ? decodeURIComponent(settings[1]) : null };
  const cases = /^\/cases(?:\/([^/]+))?\/?$/.exec(pathname);
  if (cases) return { name: 'cases', caseId: cases[1] ? decodeURIComponent(cases[1]) : null };
  if (/^\/drafts\/?$/.test(pathname)) return { name: 'drafts' };
  const match = /^\/mailboxes\/([^/]+)(?:\/conversations\/([^/]+))?\/?$/.exec(pathname);
  if (match) {
    return {
      name: 'mailbox',
      mailboxId: decodeURIComponent(match[1]!),
      conversationId: match[2] ? decodeURIComponent(match[2]) : null,
      query: parseListQuery(params),
    };
  }
  return { name: 'not-found' };
}

/** A mailbox's list (with its filters and search), or one conversation opened from it. */
export function mailboxPath(mailboxId: string, options: { conversationId?: string | null; status?: string | null; query?: Partial<ListQuery> } = {}): string {
  let path = `/mailboxes/${encodeURIComponent(mailboxId)}`;
  if (options.conversationId) path += `/conversations/${encodeURIComponent(options.conversationId)}`;
  const search = listQueryString({ ...EMPTY_QUERY, ...options.query, ...(options.status !== undefined ? { status: options.status } : {}) });
  return search ? `${path}?${search}` : path;
}

export function outboxPath(mailboxId: string): string {
  return `/mailboxes/${encodeURIComponent(mailboxId)}/outbox`;
}

const listeners = new Set<() => void>();

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === location.pathname + location.search) return;
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  for (const listener of listeners) listener();
}

/** Re-renders on every navigation (pushState here or the browser's back/forward). */
export function useLocation(): { pathname: string; search: string } {
  const [location_, setLocation] = useState(() => ({ pathname: location.pathname, search: location.search }));
  useEffect(() => {
    const update = () => setLocation({ pathname: location.pathname, search: location.search });
    listeners.add(update);
    addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      removeEventListener('popstate', update);
    };
  }, []);
  return location_;
}

/** Click handler for in-app links: plain left clicks navigate without a reload; the rest stay native. */
export function onLinkClick(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = event.currentTarget as HTMLAnchorElement;
  if (anchor.target && anchor.target !== '_self') return;
  const url = new URL(anchor.href);
  if (url.origin !== location.origin) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
}
