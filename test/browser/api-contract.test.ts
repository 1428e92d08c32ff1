/**
 * The web app's view of the API (web/src/api/types.ts) against the API's own schemas
 * (shared/api/schemas.ts): the root type-check fails when a field is added, removed or changes
 * type on one side only, so the app never reads a field the API stopped sending.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type * as z from 'zod';
import type * as api from '../../shared/api/schemas.js';
import type { memberSchema } from '../../shared/api/routes-admin.js';
import type { draftSchema } from '../../shared/api/routes-drafts.js';
import type { outboxItemSchema } from '../../shared/api/routes-outbox-spec.js';
import type { noteSchema } from '../../shared/api/routes-workflow.js';
import type { notificationSchema } from '../../shared/api/routes-workflow-extras.js';
import type { OutboxStatus as ModelOutboxStatus } from '../../shared/outbox/status.js';
import type { ConversationStatus as ModelStatus } from '../../shared/model/types.js';
import type * as web from '../../web/src/api/types.js';

type Api<T extends z.ZodType> = z.output<T>;
/** The API's schemas type statuses as strings; the app narrows them to the model's union. */
type WithStatus<T> = Flat<Omit<T, 'status'> & { status: web.ConversationStatus }>;
type Flat<T> = { [K in keyof T]: T[K] };

describe('web/src/api/types.ts matches the API schemas', () => {
  it('statuses', () => {
    expectTypeOf<web.ConversationStatus>().toEqualTypeOf<ModelStatus>();
  });

  it('the caller and their mailboxes', () => {
    expectTypeOf<web.Me>().toEqualTypeOf<Api<typeof api.meSchema>>();
    expectTypeOf<web.Mailbox>().toEqualTypeOf<Api<typeof api.mailboxSchema>>();
  });

  it('conversation lists', () => {
    expectTypeOf<web.ConversationSummary>().toEqualTypeOf<WithStatus<Api<typeof api.conversationSummarySchema>>>();
    expectTypeOf<keyof web.ConversationPage>().toEqualTypeOf<keyof Api<typeof api.conversationListSchema>>();
  });

  it('a conversation with its messages', () => {
    type Detail = Api<typeof api.conversationDetailSchema>;
    expectTypeOf<web.Message>().toEqualTypeOf<Api<typeof api.messageSchema>>();
    expectTypeOf<web.Attachment>().toEqualTypeOf<Api<typeof api.attachmentSchema>>();
    expectTypeOf<Flat<web.ConversationDetail['conversation']>>().toEqualTypeOf<WithStatus<Detail['conversation']>>();
  });

  it('history entries', () => {
    expectTypeOf<web.HistoryEntry['kind']>().toEqualTypeOf<Api<typeof api.historyEntrySchema>['kind']>();
    expectTypeOf<keyof web.HistoryPage>().toEqualTypeOf<keyof Api<typeof api.historySchema>>();
  });

  it('outgoing messages', () => {
    expectTypeOf<web.OutboxStatus>().toEqualTypeOf<ModelOutboxStatus>();
    type Item = Api<typeof outboxItemSchema>;
    expectTypeOf<Flat<Omit<web.OutboxItem, 'status'>>>().toEqualTypeOf<Flat<Omit<Item, 'status'>>>();
    expectTypeOf<web.OutboxItem['status']>().toMatchTypeOf<Item['status']>();
  });

  // The app declares only the fields it reads: each must be sent by the API, with a type it accepts.
  it('drafts on the server', () => {
    expectTypeOf<Pick<Api<typeof draftSchema>, keyof web.ServerDraft>>().toMatchTypeOf<web.ServerDraft>();
  });

  it('internal notes and the members they can mention', () => {
    expectTypeOf<Pick<Api<typeof noteSchema>, keyof web.ConversationNote>>().toMatchTypeOf<web.ConversationNote>();
    expectTypeOf<Pick<Api<typeof memberSchema>, keyof web.MailboxMember>>().toMatchTypeOf<web.MailboxMember>();
  });

  it('in-app notifications', () => {
    expectTypeOf<Pick<Api<typeof notificationSchema>, keyof web.InAppNotification>>().toMatchTypeOf<web.InAppNotification>();
  });
});
