/**
 * Plain-words descriptions of connector failures, for the error shapes imapflow and nodemailer
 * produce (taken from real failures against Dovecot and smtp-server), and the provider hints.
 */
import { describe, expect, it } from 'vitest';
import { describeImapError, describeSmtpError } from '../../../shared/connectors/errors.js';
import { classifySmtpError, providerMessageIdFrom } from '../../../shared/connectors/smtp-connector.js';
import { PermanentSendError, TransientSendError } from '../../../shared/outbox/connector.js';
import type { ServerEndpoint } from '../../../shared/connectors/types.js';

const endpoint = (host: string, port = 993, security: ServerEndpoint['security'] = 'tls'): ServerEndpoint =>
  ({ host, port, security, username: 'support@acme.test', password: 'x' });

const imapAuthFailure = Object.assign(new Error('Command failed'), {
  authenticationFailed: true, responseText: 'Authentication failed.', serverResponseCode: 'AUTHENTICATIONFAILED',
});

describe('describeImapError', () => {
  it('tells Gmail users to use an app password', () => {
    const failure = describeImapError(Object.assign(new Error('Command failed'), {
      authenticationFailed: true, responseText: '[AUTHENTICATIONFAILED] Invalid credentials (Failure)',
    }), endpoint('imap.gmail.com'));
    expect(failure.code).toBe('authenticationFailed');
    expect(failure.message).toBe('The server at imap.gmail.com:993 refused the username or password.');
    expect(failure.serverMessage).toBe('[AUTHENTICATIONFAILED] Invalid credentials (Failure)');
    expect(failure.hint).toMatch(/app password/);
  });

  it('tells Microsoft 365 users to check basic authentication for IMAP', () => {
    const failure = describeImapError(imapAuthFailure, endpoint('outlook.office365.com'));
    expect(failure.hint).toMatch(/Microsoft 365/);
    expect(failure.hint).toMatch(/IMAP/);
  });

  it('gives a generic hint elsewhere', () => {
    expect(describeImapError(imapAuthFailure, endpoint('mail.example.net')).hint).toMatch(/full email address/);
  });

  it('sorts timeouts, unknown hosts and wrapped socket errors', () => {
    const timeout = Object.assign(new Error('Failed to receive greeting from server in required time'), { code: 'GREETING_TIMEOUT' });
    expect(describeImapError(timeout, endpoint('mail.example.net', 143, 'starttls')).code).toBe('timeout');
    expect(describeImapError(timeout, endpoint('mail.example.net', 143, 'starttls')).hint).toMatch(/port 143 with starttls/);
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND imap.exmaple.net'), { code: 'ENOTFOUND' });
    expect(describeImapError(dns, endpoint('imap.exmaple.net')).message).toBe('The server name imap.exmaple.net could not be found.');
    const wrapped = Object.assign(new Error('Connection failed'), { _err: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) });
    expect(describeImapError(wrapped, endpoint('mail.example.net')).code).toBe('connectionRefused');
  });

  it('falls back to a server error with the server text', () => {
    const failure = describeImapError(Object.assign(new Error('Command failed'), { responseText: 'Internal error' }), endpoint('mail.example.net'));
    expect(failure).toEqual({ code: 'serverError', message: 'The server at mail.example.net:993 reported an error.', serverMessage: 'Internal error', hint: null });
  });
});

describe('describeSmtpError', () => {
  const m365Disabled = Object.assign(new Error('Invalid login: 535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox.'), {
    code: 'EAUTH', responseCode: 535,
    response: '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox.',
  });

  it('tells Microsoft 365 users that SMTP AUTH is disabled per mailbox', () => {
    const failure = describeSmtpError(m365Disabled, endpoint('smtp.office365.com', 587, 'starttls'));
    expect(failure.code).toBe('authenticationFailed');
    expect(failure.hint).toMatch(/SMTP AUTH off per mailbox/);
    expect(failure.serverMessage).toMatch(/5\.7\.139/);
  });

  it('tells Gmail users to use an app password', () => {
    const failure = describeSmtpError(Object.assign(new Error('Invalid login'), {
      code: 'EAUTH', responseCode: 535, response: '535-5.7.8 Username and Password not accepted.',
    }), endpoint('smtp.gmail.com', 465));
    expect(failure.hint).toMatch(/app password/);
  });
});

describe('classifySmtpError', () => {
  const relay = endpoint('smtp.example.net', 587, 'starttls');

  it('follows the reply class: 4xx transient, 5xx permanent, no reply transient', () => {
    expect(classifySmtpError(Object.assign(new Error('x'), { responseCode: 421, response: '421 4.7.0 Try again later' }), relay)).toBeInstanceOf(TransientSendError);
    expect(classifySmtpError(Object.assign(new Error('x'), { responseCode: 554, response: '554 5.7.1 Spam' }), relay)).toBeInstanceOf(PermanentSendError);
    expect(classifySmtpError(Object.assign(new Error('Connection closed'), { code: 'ECONNECTION' }), relay)).toBeInstanceOf(TransientSendError);
    expect(classifySmtpError(new Error('something odd'), relay)).toBeInstanceOf(TransientSendError);
  });

  it('keeps the reply code for the outbox views', () => {
    expect(classifySmtpError(Object.assign(new Error('x'), { responseCode: 550, response: '550 5.1.1 No such user' }), relay).code).toBe('SMTP550');
  });
});

describe('providerMessageIdFrom', () => {
  const raw = Buffer.from('From: a@acme.test\r\nMessage-ID: <abc@acme.test>\r\n\r\nx\r\n');

  it('prefers the queue id the relay names', () => {
    expect(providerMessageIdFrom('250 2.0.0 Ok: queued as 4Xb9kL1z2Qz', 'abc@acme.test', raw)).toBe('4Xb9kL1z2Qz');
    expect(providerMessageIdFrom('250 OK id=1tQ2bC-000Abc-3x', 'abc@acme.test', raw)).toBe('1tQ2bC-000Abc-3x');
  });

  it('falls back to the Message-ID', () => {
    expect(providerMessageIdFrom('250 2.0.0 OK  1732270000 a1-20020a05 - gsmtp', 'abc@acme.test', raw)).toBe('abc@acme.test');
    expect(providerMessageIdFrom('250 Ok', undefined, raw)).toBe('abc@acme.test');
  });
});
