/** One message of a conversation: who, when, warnings, body, attachments, threading, original. */
import type { ApiClient } from '../api/client';
import type { MailAddress, Message, MessageSendState } from '../api/types';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';
import { AttachmentPreview, canPreview } from './attachment-preview';
import { FlagBadges } from './badges';
import { DownloadButton } from './download-button';
import { MessageFrame } from './message-frame';
import { DeliveryBadge, OutboxStatusBadge } from './outbox-badge';

/** Where an outbound message stands: its send status, last failure, each recipient, read receipt. */
function SendStateView(props: { state: MessageSendState; idBase: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { state } = props;
  if (state.sendStatus === undefined && state.recipients === undefined && !state.readReceipt) return null;
  return (
    <div class="send-state" aria-labelledby={`${props.idBase}-send`}>
      <p id={`${props.idBase}-send`}>
        <strong>{t('conversation.sendStatus')} </strong>
        {state.sendStatus ? <OutboxStatusBadge status={state.sendStatus} /> : null}
      </p>
      {state.lastError ? <p class="send-state__error">{t('conversation.lastError', { error: state.lastError })}</p> : null}
      {state.recipients && state.recipients.length > 0 ? (
        <ul class="send-state__recipients" aria-label={t('conversation.deliveryPerRecipient')}>
          {state.recipients.map((r) => (
            <li key={r.address}>
              {r.address} <DeliveryBadge status={r.status} />
              {r.at ? <span class="muted"> · {i18n.formatFullDate(r.at)}</span> : null}
              {r.diagnostic ? <span class="muted"> – {r.diagnostic}</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
      {state.readReceipt ? (
        <p>{t('conversation.readReceiptAt', { when: i18n.formatFullDate(state.readReceipt.at), disposition: state.readReceipt.disposition })}</p>
      ) : null}
    </div>
  );
}

function formatAddress(address: MailAddress): string {
  return address.name ? `${address.name} <${address.address}>` : address.address;
}

function AddressLine(props: { label: string; addresses: MailAddress[] }) {
  if (props.addresses.length === 0) return null;
  return (
    <div class="message__field">
      <dt>{props.label}</dt>
      <dd>{props.addresses.map(formatAddress).join(', ')}</dd>
    </div>
  );
}

export function MessageView(props: { api: ApiClient; message: Message; index: number; sendState?: MessageSendState }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { message } = props;
  const idBase = `message-${props.index}`;
  const sender = message.from ? message.from.name || message.from.address : t('inbox.unknownSender');
  const when = message.date ?? message.receivedAt;
  return (
    <article class={`message message--${message.direction}`} aria-labelledby={`${idBase}-from`} data-message-key={message.messageKey}>
      <header class="message__head">
        <h3 class="message__from" id={`${idBase}-from`}>
          <span class="visually-hidden">{t(`conversation.direction.${message.direction}`)} · </span>
          {sender}
          {message.from && message.from.name ? <span class="message__address"> &lt;{message.from.address}&gt;</span> : null}
        </h3>
        <time class="message__date" dateTime={when}>{i18n.formatFullDate(when)}</time>
        <dl class="message__fields">
          <AddressLine label={t('conversation.to')} addresses={message.to} />
          <AddressLine label={t('conversation.cc')} addresses={message.cc} />
          <AddressLine label={t('conversation.replyTo')} addresses={message.replyTo} />
        </dl>
        {message.flags.some((f) => f !== 'remote-images') ? (
          <p class="message__flags">
            <span class="visually-hidden">{t('conversation.flags')} </span>
            <FlagBadges flags={message.flags} />
          </p>
        ) : null}
        {message.autoReplyReason ? <p class="hint">{t('conversation.autoReply', { reason: message.autoReplyReason })}</p> : null}
      </header>

      {message.direction === 'outbound' && props.sendState ? <SendStateView state={props.sendState} idBase={idBase} /> : null}

      {message.deliveryReport ? (
        <div class="message__report">
          <p><strong>{t('conversation.deliveryReport')}</strong></p>
          <ul>
            {message.deliveryReport.recipients.map((r) => (
              <li key={r.recipient}>
                {t('conversation.deliveryRecipient', { recipient: r.recipient, action: r.action })}
                {r.status ? ` (${r.status})` : ''}
                {r.diagnostic ? <span class="muted"> – {r.diagnostic}</span> : null}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {message.readReport ? <p class="message__report">{t('conversation.readReport', { disposition: message.readReport.disposition })}</p> : null}

      {message.html !== null ? (
        <MessageFrame html={message.html} text={message.text} title={t('conversation.bodyFrame', { from: sender })} />
      ) : (
        <div class="message__text">{message.text.trim() === '' ? <em class="muted">{t('conversation.noBody')}</em> : message.text}</div>
      )}

      {message.forwarded.length > 0 ? (
        <ul class="message__forwarded">
          {message.forwarded.map((f) => (
            <li key={f.attachmentIndex}>{t('conversation.forwarded', { subject: f.subject || t('inbox.noSubject') })}</li>
          ))}
        </ul>
      ) : null}

      {message.attachments.length > 0 ? (
        <section class="attachments" aria-labelledby={`${idBase}-attachments`}>
          <h4 id={`${idBase}-attachments`}>{t('conversation.attachments')}</h4>
          <ul>
            {message.attachments.map((attachment) => (
              <li key={attachment.index}>
                <DownloadButton
                  api={props.api}
                  path={attachment.url}
                  label={t('conversation.download', { name: attachment.filename })}
                >
                  {attachment.filename}
                </DownloadButton>
                <span class="muted">
                  {' '}
                  {attachment.contentType} · {i18n.formatBytes(attachment.size)}
                  {attachment.disposition === 'inline' ? ` · ${t('conversation.inline')}` : ''}
                </span>
                {canPreview(attachment.contentType) ? (
                  <>
                    {' '}
                    <AttachmentPreview api={props.api} path={attachment.url} filename={attachment.filename} id={`${idBase}-preview-${attachment.index}`} />
                  </>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <footer class="message__foot">
        <details class="threading">
          <summary>{t('conversation.threading')}</summary>
          <p>{t(`threading.${message.threading.kind}` as MessageKey)}</p>
          <p class="muted">
            {t('conversation.threadingDetail')} <span lang="en">{message.threading.explanation}</span>
          </p>
        </details>
        <DownloadButton
          api={props.api}
          path={message.rawUrl}
          label={t('conversation.downloadRaw')}
          class="raw-download"
        >
          {t('conversation.downloadRaw')}
        </DownloadButton>
      </footer>
    </article>
  );
}
