import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mergeDelivery, recipientView, supersedes, updateFromDsn, type DeliveryUpdate } from '../../../shared/outbox/delivery.js';
import { sesEventBridgeSchema, sesEventSchema, updateFromSesEvent } from '../../../shared/outbox/delivery-ses-event.js';
import type { DeliveryReport } from '../../../shared/mail/types.js';
import { EVENTS } from '../../../shared/events/contracts.js';
import { eventFileName } from '../../../shared/events/json-schema.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/aws/${name}`, import.meta.url), 'utf8'));

const update = (status: DeliveryUpdate['recipients'][number]['status'], at: string, address = 'a@example.test', diagnostic: string | null = null): DeliveryUpdate =>
  ({ source: 'ses', observationId: `${status}@${at}`, at, recipients: [{ address, status, diagnostic }] });

describe('SES event parsing', () => {
  it('reads a bounce: provider id, recipients with their diagnostic, permanent', () => {
    // Prepare
    const event = sesEventBridgeSchema.parse(fixture('ses-event-bounce.json'));
    // Act
    const { providerMessageId, update: u, permanent } = updateFromSesEvent(event.detail);
    // Assess
    expect(providerMessageId).toBe('0102019458b1f5a1-3c0f3a4e-2d6b-4f1e-8a7b-9c0d1e2f3a4b-000000');
    expect(permanent).toBe(true);
    expect(u).toEqual({
      source: 'ses', at: '2025-01-13T09:15:04.512Z', observationId: '0102019458b1f7c2-6b1a2a0e-7f3c-4b8e-9d8a-1c2b3d4e5f60-000000',
      recipients: [{ address: 'jdoe@example.net', status: 'bounced', diagnostic: 'smtp; 550 5.1.1 <jdoe@example.net>: Recipient address rejected: User unknown', permanent: true }],
    });
  });

  it('reads a delivery with the SMTP response', () => {
    const event = sesEventBridgeSchema.parse(fixture('ses-event-delivery.json'));
    const { update: u } = updateFromSesEvent(event.detail);
    expect(u.recipients).toEqual([{ address: 'client@example.org', status: 'delivered', diagnostic: '250 2.0.0 OK 1736759704 q5si1234567wrb.123 - gsmtp' }]);
    expect(u.observationId).toBe('0102019458b1f5a1-3c0f3a4e-2d6b-4f1e-8a7b-9c0d1e2f3a4b-000000:Delivery:2025-01-13T09:15:04.880Z');
  });

  it('reads complaints, delays and rejects', () => {
    const mail = { timestamp: '2025-01-13T09:15:03.000Z', messageId: 'ses-1', destination: ['a@example.test', 'b@example.test'] };
    const complaint = updateFromSesEvent(sesEventSchema.parse({ eventType: 'Complaint', mail, complaint: { timestamp: '2025-01-14T10:00:00Z', complainedRecipients: [{ emailAddress: 'a@example.test' }], complaintFeedbackType: 'abuse', feedbackId: 'f1' } }));
    const delay = updateFromSesEvent(sesEventSchema.parse({ eventType: 'DeliveryDelay', mail, deliveryDelay: { timestamp: '2025-01-13T10:00:00Z', delayType: 'MailboxFull', delayedRecipients: [{ emailAddress: 'b@example.test', status: '4.2.2', diagnosticCode: '452 4.2.2 Mailbox full' }] } }));
    const reject = updateFromSesEvent(sesEventSchema.parse({ eventType: 'Reject', mail, reject: { reason: 'Bad content' } }));
    expect(complaint.update.recipients).toEqual([{ address: 'a@example.test', status: 'complained', diagnostic: 'abuse', permanent: true }]);
    expect(complaint.permanent).toBe(true);
    expect(delay.update.recipients).toEqual([{ address: 'b@example.test', status: 'delayed', diagnostic: '452 4.2.2 Mailbox full' }]);
    expect(reject.update.recipients.map((r) => [r.address, r.status, r.diagnostic])).toEqual([['a@example.test', 'rejected', 'Bad content'], ['b@example.test', 'rejected', 'Bad content']]);
  });

  it('refuses events Mailroom does not track and records without a message id', () => {
    expect(sesEventSchema.safeParse({ eventType: 'Open', mail: { timestamp: 'x', messageId: 'm' }, open: {} }).success).toBe(false);
    expect(sesEventSchema.safeParse({ eventType: 'Delivery', mail: { timestamp: 'x' }, delivery: { timestamp: 'x', recipients: [] } }).success).toBe(false);
  });
});

describe('merge rules', () => {
  it('applies the same update twice once', () => {
    const first = mergeDelivery({}, update('bounced', '2025-01-13T09:00:00.000Z', 'A@Example.test', '550'));
    const second = mergeDelivery(first.next, update('bounced', '2025-01-13T09:00:00.000Z', 'a@example.test', '550'));
    expect(first.changed).toEqual(['a@example.test']);
    expect(second.changed).toEqual([]);
    expect(second.applied).toEqual(['a@example.test']);
    expect(second.next).toEqual(first.next);
  });

  it('never lets a delay replace a final state, even a newer one', () => {
    const delivered = mergeDelivery({}, update('delivered', '2025-01-13T09:00:00.000Z')).next;
    const after = mergeDelivery(delivered, update('delayed', '2025-01-13T10:00:00.000Z'));
    expect(after.changed).toEqual([]);
    expect(after.applied).toEqual([]);
    expect(after.next['a@example.test']!.status).toBe('delivered');
  });

  it('never lets an older event replace a newer final state', () => {
    const bounced = mergeDelivery({}, update('bounced', '2025-01-13T10:00:00.000Z')).next;
    expect(mergeDelivery(bounced, update('delivered', '2025-01-13T09:00:00.000Z')).changed).toEqual([]);
  });

  it('lets a final state follow a delay, and a newer complaint follow a delivery', () => {
    const delayed = mergeDelivery({}, update('delayed', '2025-01-13T09:00:00.000Z')).next;
    const delivered = mergeDelivery(delayed, update('delivered', '2025-01-13T08:59:00.000Z')).next;
    expect(delivered['a@example.test']!.status).toBe('delivered');
    const complained = mergeDelivery(delivered, update('complained', '2025-01-14T09:00:00.000Z')).next;
    expect(complained['a@example.test']!.status).toBe('complained');
  });

  it('ends in the same state whatever the order of facts stamped alike', () => {
    const at = '2025-01-13T09:00:00.000Z';
    const ab = mergeDelivery(mergeDelivery({}, update('delivered', at)).next, update('bounced', at)).next;
    const ba = mergeDelivery(mergeDelivery({}, update('bounced', at)).next, update('delivered', at)).next;
    expect(ab).toEqual(ba);
    expect(supersedes(ab['a@example.test'], { status: 'delivered', diagnostic: null, at })).toBe(false);
  });

  it('shows To and Cc recipients, pending until something is known', () => {
    const delivery = mergeDelivery({}, update('bounced', '2025-01-13T09:00:00.000Z', 'b@example.test', '550')).next;
    expect(recipientView(['A@example.test', 'b@example.test', 'a@example.test'], delivery)).toEqual([
      { address: 'a@example.test', status: 'pending', diagnostic: null, at: null },
      { address: 'b@example.test', status: 'bounced', diagnostic: '550', at: '2025-01-13T09:00:00.000Z' },
    ]);
  });
});

describe('DSN received as mail', () => {
  const report = (action: string, diagnostic: string | null, status: string | null = null): DeliveryReport => ({
    kind: 'dsn', reportingMta: 'mx.example.org', originalMessageId: 'm@acme.example',
    recipients: [{ recipient: 'jdoe@example.net', action, status, diagnostic } as DeliveryReport['recipients'][number]],
  });

  it('maps failed, delayed and delivered; ignores expanded', () => {
    expect(updateFromDsn(report('failed', 'smtp; 550 5.1.1 unknown', '5.1.1'), 'k', '2025-01-13T09:00:00.000Z')?.recipients).toEqual([{ address: 'jdoe@example.net', status: 'bounced', diagnostic: 'smtp; 550 5.1.1 unknown', permanent: true }]);
    expect(updateFromDsn(report('failed', 'smtp; 452 4.2.2 full', '4.2.2'), 'k', 'x')?.recipients[0]).toMatchObject({ status: 'bounced', permanent: false });
    expect(updateFromDsn(report('delayed', null, '4.4.7'), 'k', 'x')?.recipients[0]).toMatchObject({ status: 'delayed', diagnostic: 'status 4.4.7' });
    expect(updateFromDsn(report('delivered', null), 'k', 'x')?.recipients[0]?.status).toBe('delivered');
    expect(updateFromDsn(report('expanded', null), 'k', 'x')).toBeNull();
  });
});

describe('delivery event samples', () => {
  for (const name of ['messageDelivered', 'messageBounced', 'messageComplained', 'messageDelayed'] as const) {
    it(`${EVENTS[name].detailType}: the sample matches its contract and is documented`, () => {
      // Prepare
      const sampleFile = eventFileName(name, '1').replace('.v1.schema.json', '.json');
      const sample = JSON.parse(readFileSync(new URL(`../../../events/samples/${sampleFile}`, import.meta.url), 'utf8'));
      const readme = readFileSync(new URL('../../../events/README.md', import.meta.url), 'utf8');
      // Assess
      expect(sample['detail-type']).toBe(EVENTS[name].detailType);
      expect(sample.detail.metadata.version).toBe(EVENTS[name].version);
      expect(EVENTS[name].data.safeParse(sample.detail.data).success).toBe(true);
      expect(readme).toContain(`| \`${EVENTS[name].detailType}\` | 1 | [${eventFileName(name, '1')}]`);
    });
  }
});
