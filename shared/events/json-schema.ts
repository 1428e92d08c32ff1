/** JSON Schemas of the EventBridge events, as integrators see them (the whole event envelope). */
import * as z from 'zod';
import { EVENTS, EVENT_SOURCE, metadataSchema } from './contracts.js';

export function eventFileName(name: string, version: string): string {
  return `${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}.v${version}.schema.json`;
}

export function eventJsonSchemas(): { name: string; file: string; schema: Record<string, unknown> }[] {
  return Object.entries(EVENTS).map(([name, contract]) => {
    const envelope = z.object({
      version: z.literal('0'), id: z.string(), 'detail-type': z.literal(contract.detailType), source: z.literal(EVENT_SOURCE),
      account: z.string(), time: z.string(), region: z.string(), resources: z.array(z.string()),
      detail: z.object({ metadata: metadataSchema.extend({ version: z.literal(contract.version) }), data: contract.data }),
    }).describe(contract.description);
    const schema = z.toJSONSchema(envelope, { target: 'draft-2020-12' }) as Record<string, unknown>;
    return { name, file: eventFileName(name, contract.version), schema: { $id: `mailroom/events/${eventFileName(name, contract.version)}`, title: contract.detailType, ...schema } };
  });
}
