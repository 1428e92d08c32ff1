/** The reading pane: one conversation, its facts and its messages in order. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import type { ConversationDetail, ConversationSummary, MailboxRole } from '../api/types';
import { FlagBadges, LabelBadge, StatusBadge } from '../components/badges';
import { ConversationActions } from '../components/conversation-actions';
import { HistoryPanel } from '../components/history-panel';
import { ErrorNote } from '../components/error-note';
import { MessageView } from '../components/message-view';
import { useI18n } from '../i18n/i18n';
import { describeError } from '../lib/errors';
import { onLinkClick } from '../lib/router';

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
  const seenVersion = useRef(props.version);

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
  return (
    <div class="reading">
      <div class="reading__toolbar">
        {back}
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
      <ol class="messages" aria-label={t('conversation.messagesHeading')}>
        {messages.map((message, index) => (
          <li key={message.messageKey}>
            <MessageView api={props.api} message={message} index={index} />
          </li>
        ))}
      </ol>
    </div>
  );
}
