/**
 * A mailbox: the conversation list (status filter, paging, polling for new mail) beside the
 * reading pane, driven by mouse or by keyboard (j/k/Enter/Escape/r). The same screen shows a
 * department's merged list (`?department=`), the mailbox's trash (`?view=trash`) and its archived
 * and snoozed conversations (`?view=archived`, `?view=snoozed`: the normal rows, with the list's
 * filters; choosing a status in the select leaves the view, as it leaves the trash).
 *
 * `e` archives the conversation under the cursor (or the ticked ones); in the archived view it
 * unarchives them instead, so the same key puts a conversation back where it was.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import type { ChangeResult, ConversationStatus, ConversationSummary, Mailbox, OutboxItem } from '../api/types';
import type { ComposeContext } from '../components/composer';
import { ComposerPanel } from '../components/composer-panel';
import { ConversationList } from '../components/conversation-list';
import { SendToast } from '../components/send-toast';
import { ErrorNote } from '../components/error-note';
import { useI18n } from '../i18n/i18n';
import { describeError } from '../lib/errors';
import { usePolling } from '../lib/polling';
import { saveDraft, type Draft } from '../lib/drafts';
import { takeComposeRequest } from '../lib/compose-request';
import { mailboxPath, navigate, onLinkClick } from '../lib/router';
import { BULK_MAX, runBulk, type BulkAction, type BulkOutcome } from '../lib/bulk';
import { BulkBar, type BulkControls } from '../components/bulk-bar';
import { departmentsOf, FilterPanel, SearchBox } from '../components/list-filters';
import { TrashList } from '../components/trash-list';
import { StatsBanner } from '../components/stats-banner';
import { FailedSends } from '../components/failed-sends';
import { advancedFilterCount, EMPTY_QUERY, isShelfView, listQueryString, type ListQuery } from '../lib/list-query';
import { useShortcuts } from '../lib/shortcuts';
import { useConversations } from '../lib/use-conversations';
import { ConversationView, type ReplyRequest } from './conversation-view';

const STATUSES: ConversationStatus[] = ['unassigned', 'assigned', 'in_progress', 'todo', 'closed'];
/** The status select's entry for the trash (a view of the mailbox rather than a status). */
const TRASH_OPTION = 'view:trash';
/** The status select's entries for the archived and snoozed shelves. */
const SHELF_OPTIONS = { archived: 'view:archived', snoozed: 'view:snoozed' } as const;

export interface InboxProps {
  api: ApiClient;
  mailbox: Mailbox;
  /** All the caller's mailboxes (moving a conversation). */
  mailboxes: Mailbox[];
  /** The signed-in user's email. */
  me: string;
  conversationId: string | null;
  /** Status, filters and search from the URL. */
  query: ListQuery;
  /** The help overlay is open: shortcuts other than `?` pause. */
  paused: boolean;
}

export function Inbox(props: InboxProps) {
  const i18n = useI18n();
  const { t, tp } = i18n;
  const { mailbox, conversationId: openId } = props;
  const trash = props.query.view === 'trash';
  const shelf = isShelfView(props.query.view) ? props.query.view : null;
  const status = !trash && shelf === null && props.query.status && (STATUSES as string[]).includes(props.query.status) ? props.query.status : null;
  // The trash is the mailbox's own list: the other filters do not apply there. The shelves take the
  // list's filters but not the search; only the archived shelf spans a department (as the API does).
  const query: ListQuery = trash
    ? { ...EMPTY_QUERY, view: 'trash' }
    : shelf !== null
      ? { ...props.query, status: null, q: null, department: shelf === 'snoozed' ? null : props.query.department }
      : { ...props.query, status };
  const department = query.department;
  const departments = shelf === 'snoozed' ? [] : departmentsOf(props.mailboxes);
  const mailboxNames = Object.fromEntries(props.mailboxes.map((m) => [m.mailboxId, m.name]));
  const queryKey = listQueryString(query);
  const { state, loadMore, refresh, reload, patch } = useConversations(props.api, mailbox.mailboxId, query);
  const [selectedId, setSelectedId] = useState<string | null>(openId);
  const [focusRequest, setFocusRequest] = useState(0);
  const [announcement, setAnnouncement] = useState('');
  /** How the open conversation was reached: browsing with j/k keeps focus in the list. */
  const openedByBrowsing = useRef(false);
  const [composing, setComposing] = useState<ComposeContext | null>(null);
  /** The last message sent from here, shown with its undo countdown. */
  const [sent, setSent] = useState<{ message: OutboxItem; draft: Draft; context: ComposeContext } | null>(null);
  /** Bumped when something was sent in the open conversation: it reloads. */
  const [conversationReload, setConversationReload] = useState(0);
  const replyRequest = useRef<((kind: ReplyRequest) => void) | null>(null);
  const mayCompose = mailbox.role !== 'agent';
  // A draft opened from the Drafts screen.
  useEffect(() => {
    const asked = takeComposeRequest(mailbox.mailboxId);
    if (asked) setComposing(asked);
  }, []);
  /** Conversations ticked for a bulk action, and the last one ticked (Shift+click ranges). */
  const [checked, setChecked] = useState<ReadonlySet<string>>(new Set());
  const lastTicked = useRef<string | null>(null);
  const bulk = useRef<BulkControls | null>(null);

  useEffect(() => {
    setChecked(new Set());
    lastTicked.current = null;
  }, [mailbox.mailboxId, queryKey]);

  const toggle = (id: string, range: boolean): void => {
    setChecked((current) => {
      const next = new Set(current);
      const items = state.items;
      const from = range && lastTicked.current !== null ? items.findIndex((c) => c.conversationId === lastTicked.current) : -1;
      const to = items.findIndex((c) => c.conversationId === id);
      if (from !== -1 && to !== -1) {
        const [low, high] = from < to ? [from, to] : [to, from];
        for (const c of items.slice(low, high + 1)) if (next.size < BULK_MAX) next.add(c.conversationId);
      } else if (next.has(id)) {
        next.delete(id);
      } else if (next.size < BULK_MAX) {
        next.add(id);
      }
      return next;
    });
    lastTicked.current = id;
  };
  const allLoadedChecked = state.items.length > 0 && state.items.slice(0, BULK_MAX).every((c) => checked.has(c.conversationId));
  const checkedItems = state.items.filter((c) => checked.has(c.conversationId));

  /** After a bulk action: show each change, untick what went through, and let archived ones leave. */
  const bulkDone = (outcomes: BulkOutcome[], action: BulkAction): void => {
    for (const outcome of outcomes) if (outcome.after) patch(outcome.after);
    setChecked((current) => {
      const next = new Set(current);
      for (const outcome of outcomes) if (outcome.after) next.delete(outcome.conversation.conversationId);
      return next;
    });
    setAnnouncement(tp('bulk.doneAll', outcomes.filter((o) => o.after).length));
    if (action.kind === 'archive' || outcomes.some((o) => o.after === null)) void refresh();
  };

  /** A shortcut acts on the ticked conversations, or else on the one under the cursor. */
  const act = (action: BulkAction): void => {
    if (checked.size > 0) {
      bulk.current?.run(action);
      return;
    }
    const target = state.items.find((c) => c.conversationId === selectedId);
    if (!target) return;
    void runBulk(props.api, [target], action, () => undefined).then((outcomes) => {
      bulkDone(outcomes, action);
      const failed = outcomes[0]?.after === null;
      setAnnouncement(failed ? t('bulk.failedOne') : t('bulk.doneOne'));
      if (!failed && action.kind === 'archive' && openId === target.conversationId) back();
    });
  };

  /** `e` in the archived view: back in the default lists, each with the version shown. */
  const unarchive = async (targets: ConversationSummary[]): Promise<void> => {
    let failed = 0;
    for (const target of targets) {
      try {
        const result = await props.api.send<ChangeResult>(
          'POST', `/api/conversations/${encodeURIComponent(target.conversationId)}/unarchive`, {},
          { headers: { 'if-match': `"${target.version}"` } },
        );
        patch(result.conversation);
      } catch {
        failed += 1;
      }
    }
    setChecked(new Set());
    setAnnouncement(failed > 0 ? t('bulk.failedOne') : tp('views.unarchivedCount', targets.length));
    if (openId !== null && failed === 0 && targets.some((c) => c.conversationId === openId)) back();
    void refresh();
  };
  const archiveKey = (): void => {
    if (shelf !== 'archived') {
      act({ kind: 'archive' });
      return;
    }
    const targets = checked.size > 0 ? checkedItems : state.items.filter((c) => c.conversationId === selectedId);
    if (targets.length > 0) void unarchive(targets);
  };
  /** A conversation changed in the reading pane: on a shelf, one taken off it leaves the list. */
  const onSummary = (summary: ConversationSummary): void => {
    patch(summary);
    if ((shelf === 'archived' && !summary.archived) || (shelf === 'snoozed' && summary.snoozedUntil === null)) void refresh();
  };

  usePolling(refresh);

  // User Timing mark for performance tools (and `npm run bench:web`): the first page is on screen.
  const marked = useRef(false);
  useEffect(() => {
    if (state.loading || marked.current) return;
    marked.current = true;
    performance.mark('mailroom:list-ready', { detail: { conversations: state.items.length } });
  }, [state.loading]);

  useEffect(() => {
    if (openId !== null) setSelectedId(openId);
  }, [openId]);

  useEffect(() => {
    if (state.arrived > 0) setAnnouncement(tp('inbox.arrived', state.arrived));
  }, [state.refreshedAt]);

  useEffect(() => {
    const subject = openId ? state.items.find((c) => c.conversationId === openId)?.subject : null;
    document.title = `${subject ? `${subject} – ` : ''}${mailbox.name} – Mailroom`;
  }, [openId, mailbox.name, state.items]);

  const listHref = mailboxPath(mailbox.mailboxId, { query });
  const showList = (next: ListQuery): void => navigate(mailboxPath(mailbox.mailboxId, { query: next }));
  const open = (id: string, byBrowsing: boolean): void => {
    openedByBrowsing.current = byBrowsing;
    // A department's list holds other mailboxes' conversations: each opens in its own mailbox.
    const home = department !== null ? state.items.find((c) => c.conversationId === id)?.mailboxId ?? mailbox.mailboxId : mailbox.mailboxId;
    navigate(mailboxPath(home, { conversationId: id, query }));
  };

  const move = (delta: number): void => {
    const items = state.items;
    if (items.length === 0) return;
    const index = items.findIndex((c) => c.conversationId === selectedId);
    const next = index === -1 ? 0 : Math.min(items.length - 1, Math.max(0, index + delta));
    const id = items[next]!.conversationId;
    setSelectedId(id);
    setFocusRequest((n) => n + 1);
    if (openId !== null && id !== openId) open(id, true);
  };

  const back = (): void => {
    if (openId === null) return;
    navigate(listHref);
    setFocusRequest((n) => n + 1);
  };

  useShortcuts({
    j: () => move(1),
    k: () => move(-1),
    o: () => selectedId && open(selectedId, false),
    Enter: (event) => {
      // On a link or a button, Enter keeps its own meaning.
      if (event.target instanceof HTMLElement && event.target.closest('a, button, summary, [role="button"]')) return;
      if (selectedId) open(selectedId, false);
    },
    Escape: back,
    u: back,
    x: () => !trash && selectedId && toggle(selectedId, false),
    '/': (event) => {
      event.preventDefault();
      document.getElementById('list-search')?.focus();
    },
    e: () => !trash && archiveKey(),
    t: () => !trash && (mailbox.role === 'admin' || mailbox.role === 'dispatcher') && act({ kind: 'assign', assignee: 'me' }),
    l: (event) => {
      if (trash) return;
      if (checked.size === 0 && selectedId) toggle(selectedId, false);
      event.preventDefault();
      // The bar appears with the first ticked conversation: focus its label field once rendered.
      requestAnimationFrame(() => bulk.current?.focusLabel());
    },
    r: () => void refresh(),
    c: () => mayCompose && setComposing({ kind: 'new', mailbox }),
    R: () => replyRequest.current?.('reply'),
    a: () => replyRequest.current?.('reply-all'),
    f: () => replyRequest.current?.('forward'),
  }, !props.paused && composing === null);

  const onSent = (message: OutboxItem, draft: Draft): void => {
    if (composing) setSent({ message, draft, context: composing });
    setComposing(null);
    // A new message opens its own conversation: show it.
    if (composing?.kind === 'new') open(message.conversationId, false);
    setConversationReload((n) => n + 1);
    void refresh();
  };
  const onUndone = (): void => {
    if (!sent) return;
    // Nothing was sent: the text comes back in the composer.
    saveDraft(sent.context.kind === 'new' ? `${mailbox.mailboxId}.new` : `${sent.context.conversationId}.${sent.context.kind}`, sent.draft);
    setComposing(sent.context);
    setConversationReload((n) => n + 1);
  };

  const empty = shelf !== null
    ? t(shelf === 'archived' ? 'views.archivedEmpty' : 'views.snoozedEmpty')
    : query.q !== null
    ? t('search.none', { q: query.q })
    : advancedFilterCount(query) > 0
      ? t('filters.none')
      : status ? t('inbox.emptyStatus', { status: t(`status.${status as ConversationStatus}`) }) : t('inbox.empty');
  const openSummary = openId ? state.items.find((c) => c.conversationId === openId) : undefined;

  return (
    <div class={`inbox${openId ? ' inbox--reading' : ''}`}>
      <section class="list-pane" aria-labelledby="list-heading">
        <div class="list-pane__head">
          {trash ? (
            <>
              <h1 id="list-heading" class="list-pane__title">{t('trash.heading', { mailbox: mailbox.name })}</h1>
              <p class="list-pane__scope">
                {t('trash.intro')}{' '}
                <a href={mailboxPath(mailbox.mailboxId)} onClick={onLinkClick}>{t('trash.back', { mailbox: mailbox.name })}</a>
              </p>
            </>
          ) : shelf !== null ? (
            <>
              <h1 id="list-heading" class="list-pane__title">
                {t(shelf === 'archived' ? 'views.archivedHeading' : 'views.snoozedHeading', { mailbox: department ?? mailbox.name })}
              </h1>
              <p class="list-pane__scope">
                {t(shelf === 'archived' ? 'views.archivedIntro' : 'views.snoozedIntro')}{' '}
                <a href={mailboxPath(mailbox.mailboxId, { query: { ...query, view: null } })} onClick={onLinkClick}>
                  {t('views.back', { mailbox: department ?? mailbox.name })}
                </a>
              </p>
            </>
          ) : department !== null ? (
            <>
              <h1 id="list-heading" class="list-pane__title">{t('filters.departmentHeading', { department })}</h1>
              <p class="list-pane__scope">
                {t('filters.departmentScope')}{' '}
                <a href={mailboxPath(mailbox.mailboxId, { query: { ...query, department: null } })} onClick={onLinkClick}>
                  {t('filters.departmentBack', { mailbox: mailbox.name })}
                </a>
              </p>
            </>
          ) : (
            <h1 id="list-heading" class="list-pane__title">{mailbox.name}</h1>
          )}
          <FailedSends api={props.api} />
          {trash || shelf !== null || department !== null ? null : <StatsBanner api={props.api} mailboxId={mailbox.mailboxId} />}
          {trash || shelf !== null ? null : <SearchBox query={query} onChange={showList} />}
          <div class="list-tools">
            <label class="field field--inline">
              <span>{t('inbox.status')}</span>
              <select
                value={trash ? TRASH_OPTION : shelf !== null ? SHELF_OPTIONS[shelf] : status ?? ''}
                disabled={query.q !== null}
                onChange={(event) => {
                  const value = (event.currentTarget as HTMLSelectElement).value;
                  if (value === TRASH_OPTION) showList({ ...EMPTY_QUERY, view: 'trash' });
                  else if (value === SHELF_OPTIONS.archived) showList({ ...query, view: 'archived', status: null, q: null });
                  else if (value === SHELF_OPTIONS.snoozed) showList({ ...query, view: 'snoozed', status: null, q: null, department: null });
                  else showList({ ...query, view: null, status: value || null });
                }}
              >
                <option value="">{t('inbox.allStatuses')}</option>
                {STATUSES.map((s) => <option key={s} value={s}>{t(`status.${s}`)}</option>)}
                <optgroup label={t('trash.views')}>
                  <option value={SHELF_OPTIONS.archived}>{t('views.archived')}</option>
                  <option value={SHELF_OPTIONS.snoozed}>{t('views.snoozed')}</option>
                  <option value={TRASH_OPTION}>{t('trash.open')}</option>
                </optgroup>
              </select>
            </label>
            {query.q === null && !trash ? (
              <FilterPanel api={props.api} mailboxId={mailbox.mailboxId} role={mailbox.role} query={query} onChange={showList} departments={departments} />
            ) : null}
            <button type="button" class="button button--small" onClick={() => void refresh()} aria-keyshortcuts="r">
              {t('inbox.refresh')}
            </button>
            {trash ? null : (
              <a class="button button--small" href={mailboxPath(mailbox.mailboxId, { query: { view: 'trash' } })} onClick={onLinkClick}>
                {t('trash.open')}
              </a>
            )}
            {mayCompose && !trash ? (
              <button type="button" class="button button--small button--primary" onClick={() => setComposing({ kind: 'new', mailbox })} aria-keyshortcuts="c">
                {t('composer.new')}
              </button>
            ) : null}
          </div>
          {state.items.length > 0 && !trash ? (
            <label class="list-pane__select">
              <input
                type="checkbox"
                checked={allLoadedChecked}
                onChange={() => {
                  setChecked(allLoadedChecked ? new Set() : new Set(state.items.slice(0, BULK_MAX).map((c) => c.conversationId)));
                  lastTicked.current = null;
                }}
              />
              {t('bulk.selectAll')}
            </label>
          ) : null}
          {query.q !== null ? <p class="list-pane__searching">{t('search.results', { q: query.q })}</p> : null}
          <p class="list-pane__summary muted">
            {state.loading ? null : tp('inbox.loaded', state.items.length)}
            {state.refreshedAt ? ` · ${t('inbox.updatedAt', { time: i18n.formatTime(state.refreshedAt) })}` : null}
          </p>
          <p class="visually-hidden" aria-live="polite">{announcement}</p>
          {state.refreshError !== null ? (
            <ErrorNote title={t('inbox.refreshFailed')} error={describeError(state.refreshError, i18n)} onRetry={() => void refresh()} />
          ) : null}
        </div>

        {checkedItems.length > 0 ? (
          <BulkBar
            api={props.api}
            selected={checkedItems}
            role={mailbox.role}
            onDone={bulkDone}
            onClear={() => setChecked(new Set())}
            controls={bulk}
          />
        ) : null}

        {state.error !== null ? (
          <ErrorNote title={t('inbox.loadFailed')} error={describeError(state.error, i18n, 'mailbox.notMember')} onRetry={() => void reload()} />
        ) : state.loading ? (
          <p class="muted list-pane__message" aria-busy="true">{t('app.loading')}</p>
        ) : trash ? (
          <TrashList
            api={props.api}
            mailboxId={mailbox.mailboxId}
            role={mailbox.role}
            items={state.items}
            query={query}
            openId={openId}
            label={t('trash.listLabel', { mailbox: mailbox.name })}
            onChanged={() => void refresh()}
          />
        ) : state.items.length === 0 ? (
          <p class="muted list-pane__message">{empty}</p>
        ) : (
          <ConversationList
            items={state.items}
            mailboxId={mailbox.mailboxId}
            query={query}
            me={props.me}
            mailboxNames={department !== null ? mailboxNames : undefined}
            label={department !== null ? t('filters.departmentListLabel', { department }) : t('inbox.listLabel', { mailbox: mailbox.name })}
            selectedId={selectedId}
            openId={openId}
            focusRequest={focusRequest}
            hasMore={state.nextCursor !== null}
            holdLoading={state.loadingMore || state.moreError !== null}
            onLoadMore={() => void loadMore()}
            onSelect={(id) => {
              setSelectedId(id);
              openedByBrowsing.current = false;
            }}
            checked={checked}
            onToggle={toggle}
          />
        )}

        <div class="list-pane__foot">
          {state.moreError !== null ? (
            <ErrorNote title={t('inbox.loadMoreFailed')} error={describeError(state.moreError, i18n)} onRetry={() => void loadMore()} />
          ) : null}
          {state.nextCursor !== null && state.moreError === null ? (
            <button type="button" class="button button--small" onClick={() => void loadMore()} disabled={state.loadingMore}>
              {state.loadingMore ? t('inbox.loadingMore') : t('inbox.loadMore')}
            </button>
          ) : !state.loading && state.items.length > 0 && state.nextCursor === null ? (
            <p class="muted">{t('inbox.allLoaded')}</p>
          ) : null}
        </div>
      </section>

      <section class="reading-pane" aria-label={t('conversation.region')}>
        {openId ? (
          <ConversationView
            key={openId}
            api={props.api}
            conversationId={openId}
            version={openSummary ? `${openSummary.lastActivityAt}|${openSummary.messageCount}` : ''}
            backHref={listHref}
            focusOnLoad={!openedByBrowsing.current}
            onSummary={onSummary}
            onGone={() => {
              back();
              void refresh();
            }}
            role={mailbox.role}
            me={props.me}
            mailbox={mailbox}
            mailboxes={props.mailboxes}
            replying={composing !== null && composing.kind !== 'new' && composing.conversationId === openId}
            reload={conversationReload}
            onReply={(context) => setComposing(context)}
            replyRequest={replyRequest}
          />
        ) : (
          <p class="reading-pane__empty muted">{t('inbox.selectPrompt')}</p>
        )}
      </section>
      {composing ? (
        <ComposerPanel
          key={composing.kind === 'new' ? 'new' : `${composing.conversationId}.${composing.kind}`}
          api={props.api}
          context={composing}
          onClose={() => setComposing(null)}
          onSent={onSent}
        />
      ) : null}
      {sent ? (
        <SendToast
          key={sent.message.messageKey}
          api={props.api}
          message={sent.message}
          onUndone={onUndone}
          onDismiss={() => setSent(null)}
          onSettled={() => setConversationReload((n) => n + 1)}
        />
      ) : null}
    </div>
  );
}
