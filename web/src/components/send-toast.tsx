/**
 * After Send: "Sending in N s — Undo" until the undo window (the message's `nextAttemptAt`)
 * closes, then what became of the message. Undo cancels it through the API; a 409 means the
 * sender already picked it up, which is said as such.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, type ApiClient } from '../api/client';
import type { OutboxItem, OutboxStatus } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { describeError } from '../lib/errors';
import { ErrorNote } from './error-note';
import { OutboxStatusBadge } from './outbox-badge';

const FINAL: OutboxStatus[] = ['sent', 'failed', 'connector_disabled', 'cancelled'];

export interface SendToastProps {
  api: ApiClient;
  message: OutboxItem;
  /** Cancelled in time: the composer may reopen with the draft. */
  onUndone: () => void;
  onDismiss: () => void;
  /** The message changed state (sent, failed): the open conversation reloads. */
  onSettled?: (message: OutboxItem) => void;
}

export function SendToast(props: SendToastProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const [message, setMessage] = useState(props.message);
  const [now, setNow] = useState(() => Date.now());
  const [undoing, setUndoing] = useState(false);
  const [outcome, setOutcome] = useState<'undone' | 'too-late' | null>(null);
  const [error, setError] = useState<unknown>(null);
  const due = Date.parse(message.nextAttemptAt ?? message.createdAt);
  const scheduled = message.sendAt !== null && Date.parse(message.sendAt) - Date.now() > 60_000;
  const seconds = Math.max(0, Math.ceil((due - now) / 1000));
  const waiting = message.status === 'queued' && seconds > 0;

  useEffect(() => {
    if (!waiting || scheduled) return;
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [waiting, scheduled]);

  // Once the window has closed, follow the message until it settles.
  useEffect(() => {
    if (waiting || scheduled || FINAL.includes(message.status) || outcome !== null) return;
    const timer = setTimeout(() => {
      props.api.get<{ message: OutboxItem }>(`/api/outbox/${encodeURIComponent(message.messageKey)}`).then(
        (loaded) => {
          setMessage(loaded.message);
          if (loaded.message.status !== message.status) props.onSettled?.(loaded.message);
        },
        () => setNow(Date.now()),
      );
    }, 1000);
    return () => clearTimeout(timer);
  }, [waiting, scheduled, message, now, outcome]);

  const undo = async (): Promise<void> => {
    setUndoing(true);
    setError(null);
    try {
      const result = await props.api.send<{ message: OutboxItem }>('POST', `/api/outbox/${encodeURIComponent(message.messageKey)}/cancel`);
      setMessage(result.message);
      setOutcome('undone');
      props.onUndone();
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 409) setOutcome('too-late');
      else setError(failure);
    } finally {
      setUndoing(false);
    }
  };

  let text: string;
  if (outcome === 'undone') text = t('send.undone');
  else if (outcome === 'too-late') text = t('send.tooLate');
  else if (scheduled && message.status === 'queued') text = t('send.scheduled', { when: i18n.formatFullDate(message.sendAt!) });
  else if (waiting) text = t('send.countdown', { seconds });
  else if (message.status === 'sent') text = t('send.sent');
  else if (message.status === 'failed' || message.status === 'connector_disabled') text = t('send.notSent');
  else text = t('send.handedOver');

  return (
    <div class="send-toast" role="status" aria-live="polite" data-status={message.status}>
      <p class="send-toast__text">
        {text}
        {!waiting && outcome === null && !scheduled && message.status !== 'sent' ? <> <OutboxStatusBadge status={message.status} /></> : null}
      </p>
      {message.lastError && !waiting ? <p class="send-toast__detail">{message.lastError}</p> : null}
      {error !== null ? <ErrorNote title={t('send.undoFailed')} error={describeError(error, i18n)} /> : null}
      <div class="send-toast__actions">
        {(waiting || scheduled) && message.cancellable && outcome === null ? (
          <button type="button" class="button button--small button--primary" onClick={() => void undo()} disabled={undoing}>
            {scheduled ? t('send.cancelScheduled') : t('send.undo')}
          </button>
        ) : null}
        <button type="button" class="button button--small button--ghost" onClick={props.onDismiss}>{t('app.close')}</button>
      </div>
    </div>
  );
}
