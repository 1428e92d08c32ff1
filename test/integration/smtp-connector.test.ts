/**
 * The SMTP connector and the SMTP connection test against a real SMTP dialogue (`smtp-server`
 * with AUTH): what the relay receives, and how its replies map to transient or permanent failures.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SmtpConnector } from '../../shared/connectors/smtp-connector.js';
import { testSmtp } from '../../shared/connectors/test-connection.js';
import { PermanentSendError, TransientSendError } from '../../shared/outbox/connector.js';
import { startSmtpTestServer, type SmtpTestServer } from '../support/smtp-test-server.js';

let relay: SmtpTestServer;
/** Accepts TCP connections and never says a word: a firewall or a TLS-only port seen in clear text. */
let silent: Server;
let silentPort: number;
const silentSockets = new Set<Socket>();

function rawMessage(id: string, extraHeaders = ''): Buffer {
  return Buffer.from([
    'From: Support <support@acme.test>',
    'To: client@example.net',
    `Subject: Votre demande ${id}`,
    `Message-ID: <${id}@acme.test>`,
    'Date: Sun, 22 Nov 2026 10:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    ...(extraHeaders ? [extraHeaders] : []),
    '',
    'Bonjour,',
    '.leading dot survives dot-stuffing',
    'Cordialement',
    '',
  ].join('\r\n'));
}

async function sendError(connector: SmtpConnector, raw: Buffer, to: string[]): Promise<unknown> {
  try {
    await connector.send(raw, { from: 'support@acme.test', to });
  } catch (error) {
    return error;
  }
  throw new Error('send unexpectedly succeeded');
}

beforeAll(async () => {
  relay = await startSmtpTestServer();
  silent = createServer((socket) => {
    silentSockets.add(socket);
    socket.on('close', () => silentSockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
  silentPort = (silent.address() as AddressInfo).port;
});

afterAll(async () => {
  await relay.stop();
  for (const socket of silentSockets) socket.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

beforeEach(() => {
  relay.received.length = 0;
  relay.rejectRecipients.clear();
  relay.rejectData = null;
});

describe('SmtpConnector.send', () => {
  it('relays the raw bytes with the given envelope and returns the queue id', async () => {
    const connector = new SmtpConnector(relay.endpoint());
    const raw = rawMessage('m1');

    const result = await connector.send(raw, { from: 'bounces@acme.test', to: ['client@example.net', 'hidden@example.org'] });

    expect(relay.received).toHaveLength(1);
    const [mail] = relay.received;
    expect(mail!.from).toBe('bounces@acme.test');
    expect(mail!.to).toEqual(['client@example.net', 'hidden@example.org']);
    expect(mail!.user).toBe('relay-user');
    expect(mail!.raw.toString('utf8').trimEnd()).toBe(raw.toString('utf8').trimEnd());
    // The Bcc recipient exists only in the envelope.
    expect(mail!.raw.toString('utf8')).not.toContain('hidden@example.org');
    expect(result.providerMessageId).toBe(mail!.queueId);
    expect(connector.kind).toBe('smtp');
  });

  it('calls a 5xx recipient refusal permanent', async () => {
    relay.rejectRecipients.set('gone@example.net', { code: 550, message: '5.1.1 User unknown' });
    const error = await sendError(new SmtpConnector(relay.endpoint()), rawMessage('m2'), ['gone@example.net']);
    expect(error).toBeInstanceOf(PermanentSendError);
    expect((error as PermanentSendError).code).toBe('SMTP550');
    expect((error as Error).message).toMatch(/User unknown/);
    expect(relay.received).toHaveLength(0);
  });

  it('counts a message accepted for some recipients as sent, not to send it twice', async () => {
    relay.rejectRecipients.set('gone@example.net', { code: 550, message: '5.1.1 User unknown' });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const result = await new SmtpConnector(relay.endpoint()).send(rawMessage('m9'), { from: 'support@acme.test', to: ['client@example.net', 'gone@example.net'] });
      expect(relay.received.map((m) => m.to)).toEqual([['client@example.net']]);
      expect(result.providerMessageId).toBe(relay.received[0]!.queueId);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toContain('gone@example.net');
    } finally {
      warn.mockRestore();
    }
  });

  it('calls a 4xx recipient refusal (greylisting) transient', async () => {
    relay.rejectRecipients.set('later@example.net', { code: 451, message: '4.7.1 Greylisted, try again later' });
    const error = await sendError(new SmtpConnector(relay.endpoint()), rawMessage('m3'), ['later@example.net']);
    expect(error).toBeInstanceOf(TransientSendError);
    expect((error as TransientSendError).code).toBe('SMTP451');
  });

  it('maps refusals of the message itself: 552 permanent, 452 transient', async () => {
    const connector = new SmtpConnector(relay.endpoint());
    relay.rejectData = { code: 552, message: '5.3.4 Message too big' };
    expect(await sendError(connector, rawMessage('m4'), ['client@example.net'])).toBeInstanceOf(PermanentSendError);
    relay.rejectData = { code: 452, message: '4.3.1 Insufficient system storage' };
    expect(await sendError(connector, rawMessage('m5'), ['client@example.net'])).toBeInstanceOf(TransientSendError);
    expect(relay.received).toHaveLength(0);
  });

  it('calls a refused login permanent: retrying cannot fix a wrong password', async () => {
    const error = await sendError(new SmtpConnector(relay.endpoint({ password: 'wrong' })), rawMessage('m6'), ['client@example.net']);
    expect(error).toBeInstanceOf(PermanentSendError);
    expect((error as Error).message).toMatch(/refused the username or password/);
  });

  it('calls a refused connection transient', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const error = await sendError(new SmtpConnector(relay.endpoint({ port })), rawMessage('m7'), ['client@example.net']);
    expect(error).toBeInstanceOf(TransientSendError);
    expect((error as Error).message).toMatch(/Nothing accepted the connection/);
  });

  it('calls a server that never greets a transient timeout', async () => {
    const connector = new SmtpConnector(relay.endpoint({ port: silentPort }), { timeoutMs: 300 });
    const error = await sendError(connector, rawMessage('m8'), ['client@example.net']);
    expect(error).toBeInstanceOf(TransientSendError);
    expect((error as Error).message).toMatch(/did not answer in time/);
  });
});

describe('testSmtp', () => {
  it('reports connect and login as passed for good settings', async () => {
    const steps = await testSmtp(relay.endpoint());
    expect(steps.map((s) => [s.step, s.ok])).toEqual([['smtp-connect', true], ['smtp-login', true]]);
    expect(relay.received).toHaveLength(0);
  });

  it('says in plain words that the password was refused, with the server reply', async () => {
    const steps = await testSmtp(relay.endpoint({ password: 'wrong' }));
    expect(steps.map((s) => [s.step, s.ok])).toEqual([['smtp-connect', true], ['smtp-login', false]]);
    expect(steps[1]!.message).toBe(`The server at 127.0.0.1:${relay.port} refused the username or password.`);
    expect(steps[1]!.serverMessage).toMatch(/535/);
    expect(steps[1]!.hint).toMatch(/username/);
  });

  it('reports a silent server as a timeout at the connect step', async () => {
    const steps = await testSmtp(relay.endpoint({ port: silentPort }), { timeoutMs: 300 });
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ step: 'smtp-connect', ok: false });
    expect(steps[0]!.message).toMatch(/did not answer in time/);
  });

  it('reports a TLS handshake with a clear-text server as a TLS failure', async () => {
    const steps = await testSmtp(relay.endpoint({ security: 'tls' }), { timeoutMs: 2000 });
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ step: 'smtp-connect', ok: false });
    expect(steps[0]!.message).toMatch(/secure \(TLS\) connection/);
    expect(steps[0]!.hint).toMatch(/465 with TLS or 587 with STARTTLS/);
  });
});
