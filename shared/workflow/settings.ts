/**
 * Per-mailbox workflow settings, kept on the mailbox item as an optional `settings` map (the
 * admin API writes it). A mailbox without them behaves as the defaults say: assignment leaves the
 * read state alone, no response deadline, no automatic reassignment.
 */
import type { Item } from '../adapters/dynamodb-table.js';

export interface WorkflowSettings {
  /** Assigning marks the conversation read for the assignee. */
  assignmentMarksRead: boolean;
  /** Minutes a customer message may wait for a reply before the conversation is overdue. */
  responseDeadlineMinutes: number | null;
  /** Minutes without activity by the assignee before the conversation goes back to the queue. */
  autoReassignAfterMinutes: number | null;
}

export const DEFAULT_WORKFLOW_SETTINGS: WorkflowSettings = { assignmentMarksRead: false, responseDeadlineMinutes: null, autoReassignAfterMinutes: null };

function minutes(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}

/** The settings of a stored mailbox item, defaults for what is absent or malformed. */
export function workflowSettingsOf(item: Item | undefined): WorkflowSettings {
  const raw = (item?.settings ?? {}) as Record<string, unknown>;
  return {
    assignmentMarksRead: raw.assignmentMarksRead === true,
    responseDeadlineMinutes: minutes(raw.responseDeadlineMinutes),
    autoReassignAfterMinutes: minutes(raw.autoReassignAfterMinutes),
  };
}
