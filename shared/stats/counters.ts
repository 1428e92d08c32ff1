/** The counters a dashboard banner can show; each user chooses theirs (shared/org/preferences.ts). */
export const STATS_COUNTERS = [
  'unassigned', 'assigned', 'in_progress', 'todo', 'closed', 'overdue', 'firstResponseMedian', 'resolutionMedian',
] as const;

export type StatsCounter = (typeof STATS_COUNTERS)[number];

/** Shown until a user chooses: the open work, overdue included, and both medians. */
export const DEFAULT_COUNTERS: readonly StatsCounter[] = ['unassigned', 'assigned', 'in_progress', 'todo', 'overdue', 'firstResponseMedian', 'resolutionMedian'];

/** How far back `closed` and the medians look. */
export const STATS_WINDOW_DAYS = 30;
