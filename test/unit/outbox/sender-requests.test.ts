/**
 * The sender's requests per message on real DynamoDB semantics (dynalite), with the per-container
 * caches of mailbox settings and connector choices: what a warm container saves, how long an
 * admin's change takes to apply (never long enough to send twice or to hold mail that may go), and
 * what a duplicate trigger arriving after the send still costs.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { TtlCache } from '../../../shared/adapters/ttl-cache.js';
import { AccountService } from '../../../shared/accounts/accounts.js';
import { AesGcmCredentialCipher } from '../../../shared/accounts/cipher.js';
import { createAccountSchema } from '../../../shared/accounts/model.js';
import { AccountRepository } from '../../../shared/accounts/repository.js';
import { MailStore } from '../../../shared/inbound/mail-store.js';
import { keys } from '../../../shared/model/keys.js';
import { Directory, type UserWithRoles } from '../../../shared/org/directory.js';
import { demoSeed, modelFromSeed } from '../../../shared/org/seed.js';
import { composeMessage, type ComposeDeps } from '../../../shared/outbox/compose.js';
import type { Envelope, MailConnector } from '../../../shared/outbox/connector.js';
import { ConnectorRegistry, type ConnectorChoice } from '../../../shared/outbox/connector-registry.js';
import { OutboxStore } from '../../../shared/outbox/outbox-store.js';
import { processSendTrigger, type SenderDeps } from '../../../shared/outbox/send.js';
import { saveOutboxSettings, type MailboxWithSettings } from '../../../shared/outbox/settings.js';
import { SENDER_CACHE_TTL_MS } from '../../../shared/outbox/sender-deps.js';
import type { DomainEvent } from '../../../shared/ports/index.js';
import { startTestTable, type TestTable } from '../../helpers/dynamo.js';
import { FixedClock, MemoryBlobStore, MemoryEvents } from '../../helpers/fakes.js';

/** Counts provider calls per Message-ID (the raw message's header). */
class CountingSes implements MailConnector {
  readonly kind = 'ses';
  readonly calls: Envelope[] = [];
  async send(_raw: Buffer, envelope: Envelope) {
    this.calls.push(envelope);
    return { providerMessageId: `ses-${this.calls.length}-${Date.now()}` };
  }
}

let db: TestTable;
let alex: UserWithRoles;
let sarah: UserWithRoles;
let blobs: MemoryBlobStore;
let events: MemoryEvents;
let clock: FixedClock;
let ses: CountingSes;
let compose: ComposeDeps;
let sender: SenderDeps;

beforeAll(async () => {
  db = await startTestTable();
  const directory = new Directory(db.table);
  await directory.save(modelFromSeed(demoSeed));
  alex = (await directory.getUser('alex@acme.test'))!;
  sarah = (await directory.getUser('sarah@acme.test'))!;
});

afterAll(async () => {
  await db?.stop();
});

/** A sender as a warm container has it: caches on the test's clock, SES behind the registry. */
function containerSender(): SenderDeps {
  const now = () => clock.now().getTime();
  const outbox = new OutboxStore(db.table);
  return {
    table: db.table, outbox, blobs, events, clock,
    connector: new ConnectorRegistry({
      table: db.table, cipher: () => { throw new Error('no account here'); }, fallback: ses,
      choices: new TtlCache<ConnectorChoice>({ ttlMs: SENDER_CACHE_TTL_MS, now }),
    }),
    scheduler: { schedule: async () => {}, cancel: async () => {} },
    policy: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 10_000, minDelayMs: 1000 }, random: () => 0.5, leaseMs: 60_000,
    mailboxes: new TtlCache<MailboxWithSettings | null>({ ttlMs: SENDER_CACHE_TTL_MS, now }),
  };
}

beforeEach(() => {
  blobs = new MemoryBlobStore();
  events = new MemoryEvents();
  clock = new FixedClock();
  ses = new CountingSes();
  compose = {
    table: db.table, outbox: new OutboxStore(db.table), mail: new MailStore(db.table, blobs), blobs, events, clock,
    queue: { enqueue: async () => {} }, scheduler: { schedule: async () => {}, cancel: async () => {} },
    defaults: { undoSeconds: 0, maxAttempts: 3, connector: 'ses' },
  };
  sender = containerSender();
});

async function queued(caller = alex, mailboxId = 'support') {
  const { record } = await composeMessage({
    caller, target: { kind: 'new', mailboxId }, to: [{ address: 'client@example.test', name: '' }],
    subject: 'Devis', text: 'Bonjour', importance: 'normal', requestReadReceipt: false,
  }, compose);
  return record;
}

/** DynamoDB requests made by `run`. */
async function requests<T>(run: () => Promise<T>): Promise<{ result: T; dynamodb: number }> {
  const before = db.meter.requests;
  const result = await run();
  return { result, dynamodb: db.meter.requests - before };
}

describe('first attempt', () => {
  it('a warm container skips the settings read and the connector choice: 4 DynamoDB requests instead of 7', async () => {
    // Prepare
    const first = await queued();
    const second = await queued();

    // Act
    const cold = await requests(() => processSendTrigger({ messageKey: first.messageKey, attempt: 0 }, sender));
    const warm = await requests(() => processSendTrigger({ messageKey: second.messageKey, attempt: 0 }, sender));

    // Assess: read, mailbox, claim, address, accounts, pointer, sent; then read, claim, pointer, sent.
    expect(cold.result.kind).toBe('sent');
    expect(warm.result.kind).toBe('sent');
    expect(cold.dynamodb).toBe(7);
    expect(warm.dynamodb).toBe(4);
    expect(ses.calls).toHaveLength(2);
    expect(events.published.filter((e) => e.detailType === 'Message Sent')).toHaveLength(2);
  });

  it('reads the settings again once the time to live has passed', async () => {
    await processSendTrigger({ messageKey: (await queued()).messageKey, attempt: 0 }, sender);
    clock.advance(SENDER_CACHE_TTL_MS);
    const later = await requests(async () => processSendTrigger({ messageKey: (await queued()).messageKey, attempt: 0 }, sender));
    expect(later.result.kind).toBe('sent');
    expect(later.dynamodb).toBeGreaterThanOrEqual(7);
  });
});

describe('an admin disabling the connector, seen from a warm container', () => {
  it('applies within the time to live, never sends twice, and an enable applies at once', async () => {
    // Prepare: the container has Ventes's settings cached as enabled.
    await processSendTrigger({ messageKey: (await queued(sarah, 'ventes')).messageKey, attempt: 0 }, sender);
    await saveOutboxSettings(db.table, 'ventes', { connectorEnabled: false, undoSeconds: null });

    try {
      // Act / Assess: within the time to live the message goes out as it would have a moment earlier...
      clock.advance(SENDER_CACHE_TTL_MS - 1);
      const within = await queued(sarah, 'ventes');
      expect(await processSendTrigger({ messageKey: within.messageKey, attempt: 0 }, sender)).toMatchObject({ kind: 'sent' });
      // ...after it, mail is held, and a redelivered trigger changes nothing.
      clock.advance(1);
      const after = await queued(sarah, 'ventes');
      expect(await processSendTrigger({ messageKey: after.messageKey, attempt: 0 }, sender)).toEqual({ kind: 'connector_disabled' });
      expect((await processSendTrigger({ messageKey: after.messageKey, attempt: 0 }, sender)).kind).toBe('skipped');
      expect(ses.calls).toHaveLength(2);

      // Enabled again: the cached "disabled" is read again, so the next message goes at once.
      await saveOutboxSettings(db.table, 'ventes', { connectorEnabled: true, undoSeconds: null });
      const next = await queued(sarah, 'ventes');
      expect(await processSendTrigger({ messageKey: next.messageKey, attempt: 0 }, sender)).toMatchObject({ kind: 'sent' });
      expect(ses.calls).toHaveLength(3);
    } finally {
      await saveOutboxSettings(db.table, 'ventes', { connectorEnabled: true, undoSeconds: null });
    }
  });
});

describe('a duplicate trigger after the send', () => {
  it('costs one read and the event again, without the pointer, and never calls the provider', async () => {
    // Prepare
    const record = await queued();
    const trigger = { messageKey: record.messageKey, attempt: 0 };
    const sent = await processSendTrigger(trigger, sender);
    const providerMessageId = sent.kind === 'sent' ? sent.providerMessageId : '';
    const pointer = await db.table.get(keys.providerMessage('ses', providerMessageId), true);

    // Act
    const duplicate = await requests(() => processSendTrigger(trigger, sender));

    // Assess
    expect(duplicate.result.kind).toBe('skipped');
    expect(duplicate.dynamodb).toBe(1);
    expect(ses.calls).toHaveLength(1);
    expect(await db.table.get(keys.providerMessage('ses', providerMessageId), true)).toEqual(pointer);
    const sentEvents = events.published.filter((e) => e.detailType === 'Message Sent');
    expect(sentEvents.map((e) => e.detail.metadata.eventId)).toEqual([`message-sent:${record.messageKey}`, `message-sent:${record.messageKey}`]);
  });

  it('still publishes the event when the invocation that sent it stopped before publishing', async () => {
    // Prepare: the event bus fails once, right after `sent` (as a crash there would).
    const record = await queued();
    const trigger = { messageKey: record.messageKey, attempt: 0 };
    const publish = vi.spyOn(events, 'publish').mockRejectedValueOnce(new Error('EventBridge unreachable'));

    // Act
    await expect(processSendTrigger(trigger, sender)).rejects.toThrow('unreachable');
    const again = await processSendTrigger(trigger, sender);

    // Assess: sent once, pointer in place, the event out on the redelivery.
    expect(again.kind).toBe('skipped');
    expect(ses.calls).toHaveLength(1);
    const stored = await sender.outbox.get(record.messageKey);
    expect(stored).toMatchObject({ status: 'sent', attempt: 1 });
    expect(await db.table.get(keys.providerMessage('ses', stored!.providerMessageId!), true)).toMatchObject({ messageKey: record.messageKey });
    expect(publish).toHaveBeenCalledTimes(2);
    expect(events.published.map((e: DomainEvent) => e.detailType)).toEqual(['Message Queued', 'Message Sent']);
  });
});

describe('connector choice cache with an SMTP account', () => {
  it('reuses the choice, sees a deactivation at once through the account read, and an activation at once', async () => {
    // Prepare: Alex's personal mailbox is fed by an IMAP/SMTP account.
    const cipher = new AesGcmCredentialCipher(randomBytes(32));
    const repository = new AccountRepository(db.table);
    const admin = (await new Directory(db.table).getUser('camille@acme.test'))!;
    const service = new AccountService({
      accounts: repository, table: db.table, directory: new Directory(db.table), cipher, events: new MemoryEvents(), clock, quota: 50, newId: () => 'acc-cache-1',
    });
    const account = await service.create(admin, createAccountSchema.parse({
      kind: 'imap_smtp', address: 'alex.perso@gmail.test', mailboxId: 'alex',
      imap: { host: 'imap.gmail.test', username: 'alex.perso@gmail.test', password: 's3cret-imap' }, smtp: { host: 'smtp.gmail.test' },
    }));
    const smtpSend = vi.fn(async () => ({ providerMessageId: 'smtp-1' }));
    const registry = new ConnectorRegistry({
      table: db.table, cipher: () => cipher, fallback: ses, smtp: () => ({ kind: 'smtp', send: smtpSend }),
      choices: new TtlCache<ConnectorChoice>({ ttlMs: SENDER_CACHE_TTL_MS, now: () => clock.now().getTime() }),
    });
    const raw = Buffer.from('Subject: x\r\n\r\ny');
    const envelope = { from: 'alex@acme.test', to: ['client@example.org'] };

    // Act / Assess: the second send reads only the account (credentials, consistently).
    await registry.send(raw, envelope);
    const warm = await requests(() => registry.send(raw, envelope));
    expect(warm.result).toEqual({ providerMessageId: 'smtp-1', connector: 'smtp' });
    expect(warm.dynamodb).toBe(1);

    // Deactivated: the cached choice is dropped on the account read; nothing goes out.
    await service.setActive(admin, account.accountId, false);
    await expect(registry.send(raw, envelope)).rejects.toMatchObject({ code: 'ConnectorDisabled' });
    await expect(registry.send(raw, envelope)).rejects.toMatchObject({ code: 'ConnectorDisabled' });
    expect(smtpSend).toHaveBeenCalledTimes(2);
    expect(ses.calls).toHaveLength(0);

    // Active again: "disabled" is never served from the cache.
    await service.setActive(admin, account.accountId, true);
    expect(await registry.send(raw, envelope)).toEqual({ providerMessageId: 'smtp-1', connector: 'smtp' });
    expect(smtpSend).toHaveBeenCalledTimes(3);
  });
});
