import { SendEmailCommand, SESv2Client, MessageRejected, TooManyRequestsException, MailFromDomainNotVerifiedException } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { PermanentSendError, TransientSendError } from '../../../shared/outbox/connector.js';
import { classifySesError, SesV2Connector } from '../../../shared/outbox/ses-connector.js';

const ses = mockClient(SESv2Client);
afterEach(() => ses.reset());

const envelope = { from: 'support@acme.test', to: ['a@client.test', 'hidden@client.test'] };
const meta = { $metadata: {} };

describe('SES v2 connector', () => {
  it('sends the raw bytes with the envelope and the configuration set', async () => {
    // Prepare
    ses.on(SendEmailCommand).resolves({ MessageId: '0100018f-abc' });
    const connector = new SesV2Connector(new SESv2Client({ region: 'eu-west-1' }), 'mailroom-test');
    // Act
    const result = await connector.send(Buffer.from('From: a\r\n\r\nhi'), envelope);
    // Assess
    expect(result).toEqual({ providerMessageId: '0100018f-abc' });
    const input = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ FromEmailAddress: 'support@acme.test', Destination: { ToAddresses: envelope.to }, ConfigurationSetName: 'mailroom-test' });
    expect(Buffer.from(input.Content!.Raw!.Data!).toString()).toBe('From: a\r\n\r\nhi');
  });

  it('classifies throttling as transient and rejections as permanent', async () => {
    const connector = new SesV2Connector(new SESv2Client({ region: 'eu-west-1' }), undefined);
    ses.on(SendEmailCommand).rejectsOnce(new TooManyRequestsException({ message: 'Maximum sending rate exceeded.', ...meta }))
      .rejectsOnce(new MessageRejected({ message: 'Email address is not verified.', ...meta }))
      .rejectsOnce(new MailFromDomainNotVerifiedException({ message: 'MAIL FROM domain not verified', ...meta }));
    await expect(connector.send(Buffer.from('x'), envelope)).rejects.toBeInstanceOf(TransientSendError);
    await expect(connector.send(Buffer.from('x'), envelope)).rejects.toMatchObject({ name: 'PermanentSendError', code: 'MessageRejected' });
    await expect(connector.send(Buffer.from('x'), envelope)).rejects.toBeInstanceOf(PermanentSendError);
    expect(ses.commandCalls(SendEmailCommand)[0]!.args[0].input.ConfigurationSetName).toBeUndefined();
  });

  it.each([
    [{ name: 'InternalServiceErrorException', $fault: 'server', $metadata: { httpStatusCode: 500 } }, 'transient'],
    [{ name: 'SomethingNew', $metadata: { httpStatusCode: 503 } }, 'transient'],
    [{ name: 'SomethingNew', $metadata: { httpStatusCode: 429 } }, 'transient'],
    [{ name: 'TimeoutError', message: 'socket timed out' }, 'transient'],
    [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'transient'],
    [{ name: 'AccountSuspendedException', $metadata: { httpStatusCode: 400 } }, 'permanent'],
    [{ name: 'SendingPausedException', $metadata: { httpStatusCode: 400 } }, 'permanent'],
    [{ name: 'NotFoundException', message: 'Configuration set does not exist', $metadata: { httpStatusCode: 404 } }, 'permanent'],
    [{ name: 'SomethingNew', $metadata: { httpStatusCode: 400 } }, 'permanent'],
    [new Error('no metadata at all'), 'transient'],
  ])('classifies %j as %s', (error, expected) => {
    const classified = classifySesError(error);
    expect(classified).toBeInstanceOf(expected === 'transient' ? TransientSendError : PermanentSendError);
    expect(classified.cause).toBe(error);
  });
});
