import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENTS } from '../../../shared/events/contracts.js';
import { eventJsonSchemas } from '../../../shared/events/json-schema.js';

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; required?: string[]; items?: Schema; anyOf?: Schema[]; const?: unknown };

/** Every way `after` fails to accept what consumers of `before` rely on: removed, retyped or no longer required fields. */
function breakingChanges(before: Schema, after: Schema | undefined, path = '$'): string[] {
  if (!after) return [`${path} removed`];
  const out: string[] = [];
  if (JSON.stringify(before.type) !== JSON.stringify(after.type)) out.push(`${path} type ${JSON.stringify(before.type)} -> ${JSON.stringify(after.type)}`);
  if (before.const !== undefined && before.const !== after.const) out.push(`${path} const changed`);
  for (const field of before.required ?? []) {
    if (!(after.required ?? []).includes(field)) out.push(`${path}.${field} no longer required`);
  }
  for (const [name, schema] of Object.entries(before.properties ?? {})) out.push(...breakingChanges(schema, after.properties?.[name], `${path}.${name}`));
  if (before.items) out.push(...breakingChanges(before.items, after.items, `${path}[]`));
  (before.anyOf ?? []).forEach((branch, i) => out.push(...breakingChanges(branch, after.anyOf?.[i], `${path}|${i}`)));
  return out;
}

describe('event contracts', () => {
  for (const { name, file, schema } of eventJsonSchemas()) {
    const committed = JSON.parse(readFileSync(new URL(`../../../events/${file}`, import.meta.url), 'utf8')) as Schema;

    it(`${name}: no breaking change against the committed events/${file}`, () => {
      expect(breakingChanges(committed, schema as Schema)).toEqual([]);
    });

    it(`${name}: committed schema is current (run npm run events:schemas)`, () => {
      expect(committed).toEqual(schema);
    });
  }

  it('detects a removed field and a retyped one', () => {
    const before: Schema = { type: 'object', required: ['a', 'b'], properties: { a: { type: 'string' }, b: { type: 'number' } } };
    const after: Schema = { type: 'object', required: ['b'], properties: { b: { type: 'string' } } };
    expect(breakingChanges(before, after)).toEqual(['$.a no longer required', '$.a removed', '$.b type "number" -> "string"']);
  });

  it('the Message Received sample matches its contract', () => {
    const sample = JSON.parse(readFileSync(new URL('../../../events/samples/message-received.json', import.meta.url), 'utf8'));
    expect(sample['detail-type']).toBe(EVENTS.messageReceived.detailType);
    expect(EVENTS.messageReceived.data.safeParse(sample.detail.data).success).toBe(true);
    expect(sample.detail.metadata.version).toBe(EVENTS.messageReceived.version);
  });
});
