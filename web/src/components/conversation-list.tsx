/**
 * The conversation list, windowed: only the rows in view (plus a few either side) are in the
 * DOM, each at a fixed height, so 10,000 conversations scroll as smoothly as 50. Rows are links
 * in an ordered list with `aria-posinset`/`aria-setsize`, so screen readers still announce
 * "12 of 10,000"; one roving tab stop keeps Tab from walking through every row.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ConversationSummary } from '../api/types';
import { useI18n } from '../i18n/i18n';
import type { ListQuery } from '../lib/list-query';
import { mailboxPath, onLinkClick } from '../lib/router';
import { FlagBadges, LabelBadge, NewBadge, StatusBadge } from './badges';

/** Row height in rem: the CSS lays a row out in exactly this height. */
const ROW_HEIGHT_REM = 5.25;
/** Rows rendered beyond each edge of the viewport. */
const OVERSCAN = 8;
/** Ask for the next page when the viewport is this many rows from the end. */
const LOAD_AHEAD = 10;

export interface ConversationListProps {
  items: ConversationSummary[];
  mailboxId: string;
  /** The list's filters, kept in the links so going back returns to the same list. */
  query: ListQuery;
  /** The signed-in user's email: their own conversations say so. */
  me: string;
  /**
   * Set for a list spanning several mailboxes (a department's): each row names its mailbox and
   * opens the conversation there.
   */
  mailboxNames?: Record<string, string> | undefined;
  label: string;
  selectedId: string | null;
  openId: string | null;
  /** Incremented when the keyboard moved the selection: the selected row gets focus. */
  focusRequest: number;
  hasMore: boolean;
  /** Loading or failed: do not ask for more by scrolling. */
  holdLoading: boolean;
  onLoadMore: () => void;
  onSelect: (conversationId: string) => void;
  /** Conversations ticked for a bulk action. */
  checked: ReadonlySet<string>;
  /** Tick or untick one; `range`: from the last ticked one to this one (Shift+click). */
  onToggle: (conversationId: string, range: boolean) => void;
}

function rootFontSize(): number {
  return Number.parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
}

export function ConversationList(props: ConversationListProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const scroller = useRef<HTMLDivElement>(null);
  const [rowHeight, setRowHeight] = useState(() => Math.round(ROW_HEIGHT_REM * rootFontSize()));
  const [viewport, setViewport] = useState({ top: 0, height: 800 });
  const pendingFocus = useRef<string | null>(null);
  const frame = useRef(0);

  useEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const measure = (): void => {
      setRowHeight(Math.round(ROW_HEIGHT_REM * rootFontSize()));
      setViewport({ top: element.scrollTop, height: element.clientHeight });
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const onScroll = (): void => {
    if (frame.current !== 0) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      const element = scroller.current;
      if (element) setViewport({ top: element.scrollTop, height: element.clientHeight });
    });
  };
  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  // Keyboard moved the selection: bring the row into view, then focus it once rendered.
  useLayoutEffect(() => {
    if (props.focusRequest === 0 || props.selectedId === null) return;
    const element = scroller.current;
    const index = props.items.findIndex((c) => c.conversationId === props.selectedId);
    if (!element || index === -1) return;
    const rowTop = index * rowHeight;
    let top = element.scrollTop;
    if (rowTop < top) top = rowTop;
    else if (rowTop + rowHeight > top + element.clientHeight) top = rowTop + rowHeight - element.clientHeight;
    if (top !== element.scrollTop) element.scrollTop = top;
    pendingFocus.current = props.selectedId;
    setViewport({ top, height: element.clientHeight });
  }, [props.focusRequest]);

  useLayoutEffect(() => {
    if (pendingFocus.current === null) return;
    const link = scroller.current?.querySelector<HTMLAnchorElement>(`[data-conversation-id="${CSS.escape(pendingFocus.current)}"] > a`);
    if (link) {
      link.focus({ preventScroll: true });
      pendingFocus.current = null;
    }
  });

  const count = props.items.length;
  const first = Math.max(0, Math.floor(viewport.top / rowHeight) - OVERSCAN);
  const last = Math.min(count, Math.ceil((viewport.top + viewport.height) / rowHeight) + OVERSCAN);

  useEffect(() => {
    if (props.hasMore && !props.holdLoading && count > 0 && last >= count - LOAD_AHEAD) props.onLoadMore();
  }, [last, count, props.hasMore, props.holdLoading]);

  // With no selection, the first row is the list's tab stop.
  const tabStop = props.selectedId !== null && props.items.some((c) => c.conversationId === props.selectedId)
    ? props.selectedId
    : props.items[0]?.conversationId ?? null;

  const rows = [];
  for (let index = first; index < last; index++) {
    const conversation = props.items[index]!;
    const id = conversation.conversationId;
    const sender = conversation.from ? conversation.from.name || conversation.from.address : t('inbox.unknownSender');
    rows.push(
      <li
        key={id}
        class={`row${id === props.selectedId ? ' row--selected' : ''}${conversation.unread ? ' row--unread' : ''}${props.checked.has(id) ? ' row--checked' : ''}`}
        data-conversation-id={id}
        aria-posinset={index + 1}
        aria-setsize={props.hasMore ? -1 : count}
        style={{ transform: `translateY(${index * rowHeight}px)`, height: `${rowHeight}px` }}
      >
        <input
          type="checkbox"
          class="row__check"
          tabIndex={-1}
          checked={props.checked.has(id)}
          aria-label={t('bulk.select', { subject: conversation.subject || t('inbox.noSubject') })}
          onClick={(event) => {
            event.preventDefault();
            props.onToggle(id, event.shiftKey);
          }}
        />
        <a
          href={mailboxPath(props.mailboxNames ? conversation.mailboxId : props.mailboxId, { conversationId: id, query: props.query })}
          tabIndex={id === tabStop ? 0 : -1}
          aria-current={id === props.openId ? 'page' : undefined}
          onClick={(event) => {
            props.onSelect(id);
            onLinkClick(event);
          }}
        >
          <span class="row__line">
            {conversation.unread ? (
              <span class="row__unread" title={t('inbox.unread')}>
                <span class="visually-hidden">{t('inbox.unread')}</span>
              </span>
            ) : null}
            <span class="row__from" title={conversation.from?.address}>{sender}</span>
            {conversation.isNew ? <NewBadge /> : null}
            {conversation.messageCount > 1 ? (
              <span class="row__count" title={i18n.tp('inbox.messages', conversation.messageCount)}>
                <span aria-hidden="true">{i18n.formatNumber(conversation.messageCount)}</span>
                <span class="visually-hidden">{i18n.tp('inbox.messages', conversation.messageCount)}</span>
              </span>
            ) : null}
            <time class="row__time" dateTime={conversation.lastActivityAt} title={i18n.formatFullDate(conversation.lastActivityAt)}>
              {i18n.formatListDate(conversation.lastActivityAt)}
            </time>
          </span>
          <span class="row__line row__text">
            <span class="row__subject">{conversation.subject || t('inbox.noSubject')}</span>
            {conversation.snippet ? <span class="row__snippet"> – {conversation.snippet}</span> : null}
          </span>
          <span class="row__line row__meta">
            {props.mailboxNames ? <span class="row__mailbox">{props.mailboxNames[conversation.mailboxId] ?? conversation.mailboxId}</span> : null}
            <StatusBadge status={conversation.status} />
            {conversation.overdue ? <span class="badge badge--overdue">{t('inbox.overdue')}</span> : null}
            {conversation.assignee ? (
              <span class="row__assignee">
                {conversation.assignee === props.me ? t('inbox.assignedToYou') : t('inbox.assignedTo', { name: conversation.assignee })}
              </span>
            ) : null}
            {conversation.labels.map((label) => <LabelBadge key={label} label={label} />)}
            <FlagBadges flags={conversation.flags} />
            {conversation.hasAttachments ? (
              <span class="row__attachment" title={t('inbox.attachments')}>
                <svg aria-hidden="true" viewBox="0 0 16 16" width="14" height="14"><path d="M10.5 3.5v7a2.5 2.5 0 0 1-5 0v-8a1.5 1.5 0 0 1 3 0v7.5a.5.5 0 0 1-1 0V4" fill="none" stroke="currentColor" stroke-width="1.3" stroke-linecap="round" /></svg>
                <span class="visually-hidden">{t('inbox.attachments')}</span>
              </span>
            ) : null}
          </span>
        </a>
      </li>,
    );
  }

  return (
    <div class="conv-scroller" ref={scroller} onScroll={onScroll}>
      <ol class="conv-list" aria-label={props.label} style={{ height: `${count * rowHeight}px` }}>
        {rows}
      </ol>
    </div>
  );
}
