/**
 * Dashboard statistics of a mailbox (shared/stats/stats.ts): counts by status, overdue, and the
 * median first-response and resolution times over the last 30 days, with the counters the caller
 * chose to show. Aggregates reveal no conversation, so every member of the mailbox may read them;
 * anyone else gets 404.
 */
import * as z from 'zod';
import { systemClock } from '../ports/index.js';
import { loadPreferences } from '../org/preferences.js';
import { STATS_COUNTERS } from '../stats/counters.js';
import { readMailboxStats } from '../stats/stats.js';
import { loadCaller, requireMember } from './access.js';
import { defineRoute, type AnyRoute } from './router.js';
import type { ApiDeps } from './routes-core.js';
import { id } from './schemas.js';

const durationSchema = z.object({
  medianMs: z.number().int().nullable().describe('Median in milliseconds; null without samples.'),
  samples: z.number().int().describe('Conversations measured.'),
});

export const mailboxStatsSchema = z.object({
  mailboxId: z.string(),
  window: z.object({ days: z.number().int(), since: z.string() }).describe('`closed` and the medians cover this window (medians: conversations opened in it).'),
  counts: z.object({
    unassigned: z.number().int(), assigned: z.number().int(), in_progress: z.number().int(), todo: z.number().int(),
    closed: z.number().int().describe('Closed with activity in the window, archived ones included.'),
    overdue: z.number().int().describe('Past their response deadline.'),
  }),
  firstResponse: durationSchema,
  resolution: durationSchema,
  counters: z.array(z.enum(STATS_COUNTERS)).describe("The caller's choice of counters (PUT /api/me/preferences)."),
  generatedAt: z.string(),
});

export function createStatsRoutes(deps: ApiDeps): AnyRoute[] {
  const clock = deps.clock ?? systemClock;
  return [
    defineRoute({
      method: 'GET', path: '/api/mailboxes/{mailboxId}/stats', operationId: 'getMailboxStats', tags: ['mailboxes'],
      summary: "The mailbox's dashboard figures: counts by status, overdue, median first-response and resolution times (30 days). Any member.",
      params: z.object({ mailboxId: id }),
      response: { status: 200, schema: mailboxStatsSchema, description: 'Statistics.' },
      errors: [404],
      handle: async ({ claims, params }) => {
        const caller = await loadCaller(claims, deps.directory);
        requireMember(caller, params.mailboxId);
        const [stats, preferences] = await Promise.all([
          readMailboxStats(deps.table, params.mailboxId, clock.now()),
          loadPreferences(deps.table, caller.email),
        ]);
        return { status: 200, body: { ...stats, counters: preferences.statsCounters }, headers: { 'cache-control': 'private, max-age=15' } };
      },
    }),
  ];
}
