/**
 * The local stand-in for SES event publishing (infra/local/ses-events.ts): what it puts on the bus
 * is what SES puts on the default bus, and the deployed rule pattern routes it (and nothing else)
 * to the delivery handler.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { matchesEventPattern } from '../../../infra/local/event-pattern.js';
import { createLogger } from '../../../infra/local/logger.js';
import { LOCAL_CONFIGURATION_SET, addDeliveryRule, putSesEvent } from '../../../infra/local/ses-events.js';
import type { BusEvent, RuleTarget } from '../../../infra/local/event-bus.js';
import { sesDeliveryEventPattern, sesEventBridgeSchema } from '../../../shared/outbox/delivery-ses-event.js';

const eventBridge = mockClient(EventBridgeClient);

afterEach(() => {
  eventBridge.reset();
});

const silent = createLogger(true);
const record = {
  eventType: 'Bounce' as const,
  mail: { timestamp: '2026-11-20T09:00:00.000Z', messageId: 'ses-1', destination: ['a@example.test'] },
  bounce: { bounceType: 'Permanent', timestamp: '2026-11-20T09:00:01.000Z', bouncedRecipients: [{ emailAddress: 'a@example.test' }] },
};

describe('SES events on the local stack', () => {
  it('puts the record on the bus as SES would: source, detail-type, configuration-set tag', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    // Act
    await putSesEvent('http://127.0.0.1:1', 'eu-west-1', record);
    // Assess
    const [entry] = eventBridge.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries!;
    expect(entry).toMatchObject({ Source: 'aws.ses', DetailType: 'Email Bounced' });
    const detail = JSON.parse(entry!.Detail!);
    expect(detail.mail.tags).toEqual({ 'ses:configuration-set': [LOCAL_CONFIGURATION_SET] });
    const envelope = { version: '0', id: 'x', source: 'aws.ses', 'detail-type': 'Email Bounced', account: '1', time: 't', region: 'eu-west-1', resources: [], detail };
    expect(matchesEventPattern(sesDeliveryEventPattern(LOCAL_CONFIGURATION_SET), envelope)).toBe(true);
    expect(sesEventBridgeSchema.safeParse(envelope).success).toBe(true);
  });

  it('fails loudly when the bus refuses the entry', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'X' }] });
    await expect(putSesEvent('http://127.0.0.1:1', 'eu-west-1', record)).rejects.toThrow(/refused/);
  });

  it('routes only this configuration set\'s events, retrying a failing handler', async () => {
    // Prepare
    let rule: { pattern: unknown; target: RuleTarget } | undefined;
    const bus = { addRule: (pattern: never, target: RuleTarget) => { rule = { pattern, target }; return () => {}; } };
    let calls = 0;
    addDeliveryRule(bus, async () => { calls += 1; if (calls < 2) throw new Error('throttled'); return null; }, { region: 'eu-west-1', timeoutMs: 1000, logger: silent });
    const event = { version: '0', id: 'e', source: 'aws.ses', 'detail-type': 'Email Bounced', account: '1', time: 't', region: 'r', resources: [], detail: { ...record, mail: { ...record.mail, tags: { 'ses:configuration-set': ['mailroom-other'] } } } } as BusEvent;
    // Act / Assess
    expect(matchesEventPattern(rule!.pattern as never, event)).toBe(false);
    await rule!.target(event);
    expect(calls).toBe(2);
  });
});
