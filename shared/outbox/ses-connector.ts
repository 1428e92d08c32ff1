/**
 * The Amazon SES v2 connector: `SendEmail` with `Content.Raw`, so the message goes out byte for
 * byte as stored under `outbound/` (threading headers included), and with the configuration set
 * that publishes delivery, bounce and complaint events.
 * See https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
 */
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { PermanentSendError, TransientSendError, type Envelope, type MailConnector, type SendResult } from './connector.js';

/**
 * SES v2 errors that will fail again however often they are retried: the message, the sender
 * identity or the account must change first.
 * See https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html#API_SendEmail_Errors
 */
const PERMANENT = new Set([
  'MessageRejected', 'MailFromDomainNotVerifiedException', 'AccountSuspendedException', 'SendingPausedException',
  'NotFoundException', 'BadRequestException', 'ValidationException', 'AccessDeniedException',
]);

/** Throttling and service-side errors: SES asks callers to back off and try again. */
const TRANSIENT = new Set([
  'TooManyRequestsException', 'LimitExceededException', 'ThrottlingException', 'Throttling',
  'InternalServiceErrorException', 'InternalFailure', 'ServiceUnavailable', 'RequestTimeout', 'RequestTimeoutException',
  'TimeoutError', 'AbortError',
]);

/** Node network error codes: the request may not have reached SES, or its answer was lost. */
const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

/**
 * Sorts an SDK error into transient or permanent. Unknown errors count as transient: the retry
 * policy bounds how often they are retried, while calling an unknown error permanent would drop
 * mail that a second attempt would have sent.
 */
export function classifySesError(error: unknown): TransientSendError | PermanentSendError {
  if (error instanceof TransientSendError || error instanceof PermanentSendError) return error;
  const e = (error ?? {}) as { name?: string; message?: string; code?: string; $fault?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const name = e.name ?? 'Error';
  const message = `${name}: ${e.message ?? String(error)}`;
  const status = e.$metadata?.httpStatusCode;
  if (PERMANENT.has(name)) return new PermanentSendError(message, name, { cause: error });
  if (TRANSIENT.has(name) || (e.code !== undefined && NETWORK.has(e.code)) || e.$retryable !== undefined) {
    return new TransientSendError(message, name, { cause: error });
  }
  if (status === 429 || (status !== undefined && status >= 500) || e.$fault === 'server') {
    return new TransientSendError(message, name, { cause: error });
  }
  if (status !== undefined && status >= 400) return new PermanentSendError(message, name, { cause: error });
  return new TransientSendError(message, name, { cause: error });
}

export class SesV2Connector implements MailConnector {
  readonly kind = 'ses';

  constructor(private readonly client: SESv2Client, private readonly configurationSetName: string | undefined) {}

  async send(raw: Buffer, envelope: Envelope): Promise<SendResult> {
    let out;
    try {
      out = await this.client.send(new SendEmailCommand({
        // With raw content SES takes the headers from the message; the destination is the envelope,
        // which is how Bcc recipients receive it without appearing in the headers.
        FromEmailAddress: envelope.from,
        Destination: { ToAddresses: envelope.to },
        Content: { Raw: { Data: raw } },
        ...(this.configurationSetName ? { ConfigurationSetName: this.configurationSetName } : {}),
      }));
    } catch (error) {
      throw classifySesError(error);
    }
    if (!out.MessageId) throw new TransientSendError('SES accepted the request but returned no MessageId', 'NoMessageId');
    return { providerMessageId: out.MessageId };
  }
}
