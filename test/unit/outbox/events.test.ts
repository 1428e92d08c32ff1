import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENTS } from '../../../shared/events/contracts.js';
import { eventFileName } from '../../../shared/events/json-schema.js';

const OUTBOX_EVENTS = ['messageQueued', 'messageSent', 'messageSendFailed', 'messageCancelled'] as const;

describe('outbox event samples', () => {
  for (const name of OUTBOX_EVENTS) {
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
