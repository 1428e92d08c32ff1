/**
 * The outbox's "linked to" cell: the case and business records an outgoing message belonged to
 * when it was composed (the server stores that snapshot on the message), each as its type in a
 * small label and its reference. A case opens the case screen; a record has no screen here, so it
 * is plain text.
 */
import type { OutboxLink } from '../api/types';
import type { I18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';
import { casePath } from '../lib/cases';
import { onLinkClick } from '../lib/router';

/** The organisation's default record types have a translated name; types an admin added show as written. */
const KNOWN_TYPES: Readonly<Record<string, MessageKey>> = {
  ticket: 'outboxLinks.type.ticket',
  project: 'outboxLinks.type.project',
  offer: 'outboxLinks.type.offer',
  booking: 'outboxLinks.type.booking',
};

export function outboxLinkType(link: OutboxLink, i18n: I18n): string {
  if (link.kind === 'case') return i18n.t('outboxLinks.type.case');
  const known = Object.hasOwn(KNOWN_TYPES, link.type) ? KNOWN_TYPES[link.type] : undefined;
  return known ? i18n.t(known) : link.type;
}

/** Plain words for the whole cell ("Case C-2026-0042, Ticket T-1001"), for titles and screen readers. */
export function describeOutboxLinks(links: readonly OutboxLink[], i18n: I18n): string {
  return links.map((l) => `${outboxLinkType(l, i18n)} ${l.kind === 'case' ? l.reference : l.id}`).join(', ');
}

export function OutboxLinks(props: { links: readonly OutboxLink[] | undefined; i18n: I18n }) {
  const links = props.links ?? [];
  if (links.length === 0) return <span class="muted" aria-label={props.i18n.t('outboxLinks.none')}>—</span>;
  return (
    <ul class="outbox-links">
      {links.map((link) => (
        <li key={`${link.kind}:${link.kind === 'case' ? link.id : `${link.type}:${link.id}`}`} class="outbox-links__item">
          {link.kind === 'case' ? (
            <a href={casePath(link.id)} onClick={onLinkClick}>
              <span class="outbox-links__type">{outboxLinkType(link, props.i18n)}</span> {link.reference}
            </a>
          ) : (
            <>
              <span class="outbox-links__type">{outboxLinkType(link, props.i18n)}</span> {link.id}
            </>
          )}
        </li>
      ))}
    </ul>
  );
}
