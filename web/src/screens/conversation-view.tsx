/** The reading pane: one conversation, its facts and its messages in order. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import type { ConversationDetail, ConversationSummary, Mailbox, MailboxRole, MailAddress, Message, MessageSendState, OutboxItem, OutboxStatus, ReplyKind } from '../api/types';
import type { ComposeContext } from '../components/composer';
import { FlagBadges, LabelBadge, StatusBadge } from '../components/badges';
import { ConversationActions } from '../components/conversation-actions';
import { ConversationMore } from '../components/conversation-more';
import { ConversationLinks } from '../components/conversation-links';
import { usePresence } from '../lib/presence';
import { HistoryPanel } from '../components/history-panel';
import { ErrorNote } from '../components/error-note';
import { MessageView } from '../components/message-view';
import { NoteItem, NotesSection, useMembers, useNotes } from '../components/notes-panel';
import { useI18n } from '../i18n/i18n';
import { describeError } from '../lib/errors';
import { onLinkClick } from '../lib/router';
import { interleaveNotes } from '../lib/timeline';

export type ReplyRequest = ReplyKind;

/** Statuses after which an outgoing message no longer changes by itself. */
const SETTLED: OutboxStatus[] = ['sent', 'failed', 'connector_disabled', 'cancelled'];

/** `support+mr-x@acme.test` -> `support@acme.test`, to recognise the mailbox's own addresses. */
function baseAddress(address: string): string {
  return address.toLowerCase().replace(/\+[^@]*@/, '@');
}

function formatChip(address: MailAddress): string {
  return address.name ? `${address.name} <${address.address}>` : address.address;
}

/** Who a reply goes to by default: the sender (Reply-To first); for reply-all, the others too. */
export function replyContext(kind: ReplyKind, mailbox: Mailbox, conversationId: string, subject: string, messages: Message[]): ComposeContext | null {
  const answered = [...messages].reverse().find((m) => m.direction === 'inbound') ?? messages[messages.length - 1];
  if (!answered) return null;
  const own = new Set(mailbox.addresses.map(baseAddress));
  const seen = new Set<string>();
  const keep = (list: MailAddress[]): string[] => list.filter((a) => {
    const key = baseAddress(a.address);
    if (own.has(key) || seen.has(key)) return false;
    seen.add(key);
    return true;
  }).map(formatChip);
  const sender = answered.direction === 'outbound' ? answered.to : answered.replyTo.length > 0 ? answered.replyTo : answered.from ? [answered.from] : [];
  const to = kind === 'forward' ? [] : keep(sender);
  const cc = kind === 'reply-all' ? keep([...answered.to, ...answered.cc]) : [];
  return { kind, mailbox, conversationId, messageKey: answered.messageKey, subject: answered.subject || subject, to, cc };
}

/**
 * The send state of each outbound message: from the conversation's own fields when the API sends
 * them, else from the outbox route; followed every 2 s until it settles.
 */
function useSendStates(api: ApiClient, messages: Message[] | undefined): Record<string, MessageSendState> {
  const [states, setStates] = useState<Record<string, MessageSendState>>({});
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!messages) return;
    // Older servers leave `sendStatus` out; null on an outbound message means the same.
    const outbound = messages.filter((m) => m.direction === 'outbound' && (m.sendStatus ?? null) === null);
    const open = outbound.filter((m) => {
      const known = states[m.messageKey];
      return known === undefined || (known.sendStatus !== undefined && !SETTLED.includes(known.sendStatus));
    });
    if (open.length === 0) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      void Promise.all(open.map((m) => api.get<{ message: OutboxItem }>(`/api/outbox/${encodeURIComponent(m.messageKey)}`, { signal: controller.signal }).then(
        (loaded): [string, MessageSendState] => [m.messageKey, { sendStatus: loaded.message.status, lastError: loaded.message.lastError }],
        // Not in the outbox (or not visible to the caller): nothing to show, stop asking.
        (): [string, MessageSendState] => [m.messageKey, {}],
      ))).then((pairs) => {
        if (controller.signal.aborted) return;
        setStates((current) => ({ ...current, ...Object.fromEntries(pairs) }));
        setTick((n) => n + 1);
      });
    }, tick === 0 ? 0 : 2_000);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [messages, tick]);
  return states;
}

export interface ConversationViewProps {
  api: ApiClient;
  conversationId: string;
  /** Changes when the list saw new activity on this conversation: reload. Empty while unknown. */
  version: string;
  backHref: string;
  /** Move focus to the subject once loaded (opened with Enter or a click, not browsed with j/k). */
  focusOnLoad: boolean;
  /** The conversation as the API now sees it (opened, read, changed): the list updates its row. */
  onSummary?: (summary: ConversationSummary) => void;
  /** After a change that hides the conversation from the caller (an agent gave it back). */
  onGone?: () => void;
  role: MailboxRole;
  me: string;
  mailbox: Mailbox;
  /** The caller's mailboxes (moving a conversation). */
  mailboxes: Mailbox[];
  /** The composer is open on this conversation: others see the caller replying. */
  replying: boolean;
  /** Bumped by the parent after a send from this conversation: reload. */
  reload: number;
  onReply: (context: ComposeContext) => void;
  /** Filled with the reply action while a conversation is shown (keyboard shortcuts). */
  replyRequest: { current: ((kind: ReplyKind) => void) | null };
}

export function ConversationView(props: ConversationViewProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const [detail, setDetail] = useState<ConversationDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  /** The last workflow request (read marking, an action) failed: shown in the toolbar. */
  const [actionError, setActionError] = useState<unknown>(null);
  const [historyOpen, setHistoryOpen] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const shownId = detail?.conversation.conversationId;
  const others = usePresence(props.api, props.conversationId, props.replying ? 'replying' : 'viewing');
  const seenVersion = useRef(props.version);
  const sendStates = useSendStates(props.api, detail?.messages);
  const notes = useNotes(props.api, props.conversationId);
  const { members, error: membersError } = useMembers(props.api, props.mailbox.mailboxId);

  useEffect(() => {
    if (props.reload > 0) setAttempt((n) => n + 1);
  }, [props.reload]);

  // New activity seen by the list's polling: load again (not when the version first becomes known).
  useEffect(() => {
    if (seenVersion.current !== '' && props.version !== '' && props.version !== seenVersion.current) setAttempt((n) => n + 1);
    if (props.version !== '') seenVersion.current = props.version;
  }, [props.version]);

  useEffect(() => {
    const controller = new AbortController();
    setError(null);
    if (shownId !== props.conversationId) setDetail(null);
    props.api.get<ConversationDetail>(`/api/conversations/${encodeURIComponent(props.conversationId)}`, { signal: controller.signal }).then(
      (loaded) => {
        setDetail(loaded);
        props.onSummary?.(loaded.conversation);
        if (loaded.conversation.unread) {
          // Opening a conversation reads it, as in any mail client.
          props.api.send<{ conversation: ConversationSummary }>('POST', `/api/conversations/${encodeURIComponent(props.conversationId)}/read`, undefined, { signal: controller.signal }).then(
            (result) => {
              setDetail((d) => (d ? { ...d, conversation: { ...d.conversation, ...result.conversation } } : d));
              props.onSummary?.(result.conversation);
            },
            (failure: unknown) => {
              if (!controller.signal.aborted) setActionError(failure);
            },
          );
        }
      },
      (failure: unknown) => {
        if (!controller.signal.aborted) setError(failure);
      },
    );
    return () => controller.abort();
  }, [props.api, props.conversationId, attempt]);

  useEffect(() => {
    if (props.focusOnLoad && detail?.conversation.conversationId === props.conversationId) heading.current?.focus();
  }, [detail, props.focusOnLoad, props.conversationId]);

  const back = (
    <a class="button button--ghost back-link" href={props.backHref} onClick={onLinkClick}>
      <span aria-hidden="true">← </span>
      {t('conversation.back')}
    </a>
  );

  if (error !== null && (detail === null || shownId !== props.conversationId)) {
    return (
      <div class="reading">
        <div class="reading__toolbar">{back}</div>
        <ErrorNote
          title={t('conversation.loadFailed')}
          error={describeError(error, i18n, 'conversation.notFound')}
          onRetry={() => setAttempt((n) => n + 1)}
        />
      </div>
    );
  }
  if (detail === null || shownId !== props.conversationId) {
    return (
      <div class="reading" aria-busy="true">
        <div class="reading__toolbar">{back}</div>
        <p class="muted loading">{t('app.loading')}</p>
      </div>
    );
  }

  const { conversation, messages } = detail;
  const mayReply = props.role !== 'agent' || conversation.assignee === props.me;
  const reply = (kind: ReplyKind): void => {
    const context = mayReply ? replyContext(kind, props.mailbox, conversation.conversationId, conversation.subject, messages) : null;
    if (context) props.onReply(context);
  };
  props.replyRequest.current = reply;
  return (
    <div class="reading">
      <div class="reading__toolbar">
        {back}
        {mayReply ? (
          <div class="reply-buttons" role="group" aria-label={t('composer.replyGroup')}>
            <button type="button" class="button button--small" onClick={() => reply('reply')} aria-keyshortcuts="Shift+R">{t('composer.reply')}</button>
            <button type="button" class="button button--small" onClick={() => reply('reply-all')} aria-keyshortcuts="a">{t('composer.replyAll')}</button>
            <button type="button" class="button button--small" onClick={() => reply('forward')} aria-keyshortcuts="f">{t('composer.forward')}</button>
          </div>
        ) : null}
      </div>
      <ConversationActions
        api={props.api}
        conversation={conversation}
        role={props.role}
        me={props.me}
        onChanged={(summary) => {
          setDetail((d) => (d ? { ...d, conversation: { ...d.conversation, ...summary } } : d));
          props.onSummary?.(summary);
        }}
        onStale={() => setAttempt((n) => n + 1)}
        onGone={() => props.onGone?.()}
        historyOpen={historyOpen}
        onToggleHistory={() => setHistoryOpen((open) => !open)}
      />
      <ConversationMore
        api={props.api}
        conversation={conversation}
        role={props.role}
        mailboxes={props.mailboxes}
        onChanged={(summary) => {
          setDetail((d) => (d ? { ...d, conversation: { ...d.conversation, ...summary } } : d));
          props.onSummary?.(summary);
        }}
        onStale={() => setAttempt((n) => n + 1)}
        onGone={() => props.onGone?.()}
      />
      <ConversationLinks api={props.api} conversation={conversation} onChanged={() => setAttempt((n) => n + 1)} />
      {others.length > 0 ? (
        <p class="presence" role="status">
          {others.map((o) => t(o.activity === 'replying' ? 'presence.replying' : 'presence.viewing', { who: o.email })).join(' · ')}
        </p>
      ) : null}
      {actionError !== null ? <ErrorNote title={t('actions.readFailed')} error={describeError(actionError, i18n, 'conversation.notFound')} /> : null}
      {error !== null ? <ErrorNote title={t('conversation.loadFailed')} error={describeError(error, i18n, 'conversation.notFound')} onRetry={() => setAttempt((n) => n + 1)} /> : null}
      <header class="conversation-head">
        <h2 id="conversation-subject" class="conversation-head__subject" tabIndex={-1} ref={heading}>
          {conversation.subject || t('inbox.noSubject')}
        </h2>
        <dl class="facts">
          <div>
            <dt>{t('conversation.status')}</dt>
            <dd><StatusBadge status={conversation.status} /></dd>
          </div>
          <div>
            <dt>{t('conversation.assignee')}</dt>
            <dd>{conversation.assignee === null ? t('conversation.nobody') : conversation.assignee === props.me ? t('conversation.you') : conversation.assignee}</dd>
          </div>
          <div>
            <dt>{t('conversation.labels')}</dt>
            <dd>{conversation.labels.length > 0 ? conversation.labels.map((label) => <LabelBadge key={label} label={label} />) : t('conversation.noLabels')}</dd>
          </div>
          <div class="facts__wide">
            <dt>{t('conversation.participants')}</dt>
            <dd>{conversation.participants.join(', ')}</dd>
          </div>
        </dl>
        {conversation.flags.length > 0 ? <p class="conversation-head__flags"><FlagBadges flags={conversation.flags} /></p> : null}
      </header>
      {historyOpen ? <HistoryPanel api={props.api} conversationId={conversation.conversationId} version={conversation.version} /> : null}
      <ol class="messages" aria-label={notes.notes !== null && notes.notes.length > 0 ? t('notes.timeline') : t('conversation.messagesHeading')}>
        {interleaveNotes(messages, notes.notes ?? []).map((entry) => (entry.kind === 'note' ? (
          <li key={`note-${entry.note.noteId}`} class="messages__note">
            <NoteItem note={entry.note} members={members} me={props.me} />
          </li>
        ) : (
          <li key={entry.message.messageKey}>
            <MessageView api={props.api} message={entry.message} index={entry.index} sendState={{ ...sendStates[entry.message.messageKey], ...pickSendState(entry.message) }} />
          </li>
        )))}
      </ol>
      <NotesSection api={props.api} conversationId={conversation.conversationId} notes={notes} members={members} membersError={membersError} me={props.me} />
    </div>
  );
}

/** The send-state fields the conversation route sends (when it does): absent ones stay absent. */
function pickSendState(message: Message): MessageSendState {
  const m = message as Partial<Message>;
  const picked: MessageSendState = {};
  if (m.sendStatus != null) {
    picked.sendStatus = m.sendStatus;
    picked.lastError = m.lastError ?? null;
  }
  if (Array.isArray(m.recipients) && m.recipients.length > 0) picked.recipients = m.recipients;
  if (m.readReceipt) picked.readReceipt = m.readReceipt;
  return picked;
}
