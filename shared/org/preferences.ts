/**
 * A user's own preferences, kept beside the user item (`PK=USER#<email> SK=PREFS`) rather than in
 * it: the user item is read on every request to authorise it, and preferences need not be.
 */
import * as z from 'zod';
import { keys } from '../model/keys.js';
import type { Table } from '../adapters/dynamodb-table.js';
import { DEFAULT_COUNTERS, STATS_COUNTERS, type StatsCounter } from '../stats/counters.js';

export const preferencesSchema = z.strictObject({
  statsCounters: z.array(z.enum(STATS_COUNTERS)).max(STATS_COUNTERS.length)
    .refine((list) => new Set(list).size === list.length, 'each counter at most once')
    .describe('Counters of the dashboard banner, in display order.'),
});

export interface Preferences {
  statsCounters: StatsCounter[];
  updatedAt: string | null;
}

export async function loadPreferences(table: Table, email: string): Promise<Preferences> {
  const item = await table.get(keys.userPreferences(email));
  const counters = Array.isArray(item?.statsCounters)
    ? (item.statsCounters as string[]).filter((c): c is StatsCounter => (STATS_COUNTERS as readonly string[]).includes(c))
    : [...DEFAULT_COUNTERS];
  return { statsCounters: counters, updatedAt: typeof item?.updatedAt === 'string' ? item.updatedAt : null };
}

export async function savePreferences(table: Table, email: string, preferences: { statsCounters: StatsCounter[] }, at: Date): Promise<Preferences> {
  const updatedAt = at.toISOString();
  await table.put({ ...keys.userPreferences(email), type: 'preferences', email, statsCounters: preferences.statsCounters, updatedAt });
  return { statsCounters: preferences.statsCounters, updatedAt };
}
