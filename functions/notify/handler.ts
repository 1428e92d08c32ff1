/**
 * Notify function: system-generated mail. An EventBridge rule hands it `Message Received`
 * (auto-acknowledgements), `Mention Created` and `Conversation Assigned` (notification emails),
 * one event per invocation; each runs a use case of shared/outbox/system-mail.ts that queues the
 * mail through the outbox, idempotently, so the retries of EventBridge and Lambda are safe. An
 * event that does not match its contract is logged and dropped (retrying cannot fix it); an
 * infrastructure error throws, so the event is retried and, at last, lands in the dead-letter queue.
 */
import middy from '@middy/core';
import { handleNotifyEvent, notifyEventSchema } from '../../shared/outbox/notify.js';
import { systemMailDepsFromEnv } from '../../shared/outbox/notify-deps.js';
import type { SystemMailDeps, SystemMailOutcome } from '../../shared/outbox/system-mail.js';

export async function handleNotify(event: unknown, deps: SystemMailDeps): Promise<SystemMailOutcome[]> {
  const parsed = notifyEventSchema.safeParse(event);
  if (!parsed.success) {
    console.error(JSON.stringify({ level: 'error', msg: 'not an event the notify function handles; dropped', detailType: (event as { 'detail-type'?: unknown } | null)?.['detail-type'], issues: JSON.stringify(parsed.error.issues).slice(0, 500) }));
    return [];
  }
  const outcomes = await handleNotifyEvent(parsed.data, deps);
  console.log(JSON.stringify({ level: 'info', msg: 'notify event processed', detailType: parsed.data['detail-type'], eventId: parsed.data.detail.metadata.eventId, outcomes }));
  return outcomes;
}

/** The Lambda handler for given dependencies, built on first use (after the environment is set). */
export function createNotifyHandler(depsFactory: () => SystemMailDeps = systemMailDepsFromEnv) {
  let deps: SystemMailDeps | undefined;
  return middy<unknown, SystemMailOutcome[]>().handler((event) => handleNotify(event, (deps ??= depsFactory())));
}

export const handler = createNotifyHandler();
