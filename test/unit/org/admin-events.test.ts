/**
 * The administration events' samples (events/samples/) are valid against their contracts, so the
 * documentation shows what consumers really receive.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENTS, type EventName } from '../../../shared/events/contracts.js';

const SAMPLES: Record<string, EventName> = {
  'mailbox-created': 'mailboxCreated', 'mailbox-updated': 'mailboxUpdated', 'department-changed': 'departmentChanged',
  'user-added': 'userAdded', 'member-added': 'memberAdded', 'member-role-changed': 'memberRoleChanged',
  'member-removed': 'memberRemoved', 'primary-mailbox-changed': 'primaryMailboxChanged',
};

describe('administration event samples', () => {
  for (const [file, name] of Object.entries(SAMPLES)) {
    it(`${file}.json is a valid ${EVENTS[name].detailType} event`, () => {
      const sample = JSON.parse(readFileSync(new URL(`../../../events/samples/${file}.json`, import.meta.url), 'utf8'));
      expect(sample['detail-type']).toBe(EVENTS[name].detailType);
      expect(sample.detail.metadata.version).toBe(EVENTS[name].version);
      expect(EVENTS[name].data.safeParse(sample.detail.data).success).toBe(true);
    });
  }
});
