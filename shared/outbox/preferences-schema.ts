/**
 * What a user chooses about the outbox and its mail, as validated by the API (light: zod only, so
 * the route specs can name it): the outbox view (scope, status filter, visible columns) and which
 * notification emails they want.
 */
import * as z from 'zod';
import { OUTBOX_STATUSES } from './status.js';

export const OUTBOX_VIEW_SCOPES = ['mine', 'team', 'system', 'all'] as const;

/**
 * Columns of the outbox list; `to` and `subject` are always shown. `links`: the case and business
 * records the message was composed in (a snapshot taken at compose time).
 */
export const OUTBOX_COLUMNS = [
  'to', 'subject', 'status', 'mailbox', 'composedBy', 'connector', 'importance', 'systemGenerated', 'createdAt',
  'lastAttemptAt', 'lastError', 'firstFailureAt', 'nextAttemptAt', 'attempts', 'attachments', 'conversation', 'links',
] as const;
export const ALWAYS_SHOWN_COLUMNS = ['to', 'subject'] as const;
export const DEFAULT_OUTBOX_COLUMNS: readonly (typeof OUTBOX_COLUMNS)[number][] = ['to', 'subject', 'status', 'mailbox', 'createdAt', 'lastError', 'attempts'];

export const outboxViewSchema = z.strictObject({
  scope: z.enum(OUTBOX_VIEW_SCOPES),
  statuses: z.array(z.enum(OUTBOX_STATUSES as [string, ...string[]])).max(OUTBOX_STATUSES.length).default([])
    .describe('Statuses shown; empty: all.'),
  columns: z.array(z.enum(OUTBOX_COLUMNS)).min(1).max(OUTBOX_COLUMNS.length)
    .refine((c) => new Set(c).size === c.length, 'each column once')
    .describe('Visible columns, in order; to and subject are added when missing.'),
  mailboxId: z.string().max(64).regex(/^[A-Za-z0-9_-]+$/).nullable().default(null).describe('Narrow the team or system view to one mailbox.'),
});

export type OutboxViewPreference = z.output<typeof outboxViewSchema>;

export const emailNotificationsSchema = z.strictObject({
  mentions: z.boolean().describe('Email me when a note mentions me.'),
  assignments: z.boolean().describe('Email me when someone else assigns a conversation to me.'),
});

export type EmailNotificationPreference = z.output<typeof emailNotificationsSchema>;
