/**
 * A local SMTP relay for connector tests (the `smtp-server` package): requires AUTH, records what
 * it accepts with its envelope, answers Postfix-style `queued as <id>`, and refuses chosen
 * recipients or senders with a chosen reply, so 4xx and 5xx paths run against a real SMTP dialogue.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { ServerEndpoint } from '../../shared/connectors/types.js';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: Buffer;
  queueId: string;
  user: string | undefined;
}

export interface SmtpReply {
  code: number;
  message: string;
}

export interface SmtpTestServer {
  port: number;
  received: ReceivedMail[];
  /** Replies to give instead of accepting, by recipient address (lower case). */
  rejectRecipients: Map<string, SmtpReply>;
  /** A reply to give to the DATA command instead of accepting the message. */
  rejectData: SmtpReply | null;
  endpoint(overrides?: Partial<ServerEndpoint>): ServerEndpoint;
  stop(): Promise<void>;
}

function replyError(reply: SmtpReply): Error & { responseCode: number } {
  return Object.assign(new Error(reply.message), { responseCode: reply.code });
}

export async function startSmtpTestServer(options: { username?: string; password?: string } = {}): Promise<SmtpTestServer> {
  const username = options.username ?? 'relay-user';
  const password = options.password ?? 'relay-pass';
  const received: ReceivedMail[] = [];
  const rejectRecipients = new Map<string, SmtpReply>();
  const state: { rejectData: SmtpReply | null } = { rejectData: null };

  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === username && auth.password === password) return callback(null, { user: auth.username });
      return callback(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, callback) {
      const reply = rejectRecipients.get(address.address.toLowerCase());
      return reply ? callback(replyError(reply)) : callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (state.rejectData) return callback(replyError(state.rejectData));
        const queueId = randomBytes(6).toString('hex').toUpperCase();
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          queueId,
          user: typeof session.user === 'string' ? session.user : undefined,
        });
        return callback(null, `2.0.0 Ok: queued as ${queueId}`);
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;

  return {
    port,
    received,
    rejectRecipients,
    get rejectData() { return state.rejectData; },
    set rejectData(reply: SmtpReply | null) { state.rejectData = reply; },
    endpoint: (overrides = {}) => ({ host: '127.0.0.1', port, security: 'none', username, password, ...overrides }),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
