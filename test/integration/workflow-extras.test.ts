/**
 * Workflow extras end to end on the embedded local stack: a dispatcher moves a conversation to
 * another mailbox; a trashed conversation deleted permanently by an admin has its raw mail erased
 * from S3 by the timers function's purge; a mailbox response deadline (a one-time schedule of the
 * local Scheduler stand-in) makes a conversation overdue, and a reply clears it; a reply written
 * against an older version after the customer wrote again is refused with 409 unless confirmed.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, sendMail, startTestStack, waitFor, type ApiClient, type LocalStack } from '../support/local-stack.js';

let stack: LocalStack;
let alex: ApiClient;
let camille: ApiClient;
let sarah: ApiClient;
let documents: DynamoDBDocumentClient;
let s3: S3Client;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

interface Summary { conversationId: string; subject: string; mailboxId: string; version: number; overdue: boolean; messageCount: number; trashed: boolean }

async function list(client: ApiClient, mailboxId: string, query = ''): Promise<Summary[]> {
  const page = await client.get<{ items: Summary[] }>(`/api/mailboxes/${mailboxId}/conversations?limit=100${query}`);
  expect(page.status).toBe(200);
  return page.body.items;
}

async function receive(subject: string, options: { inReplyTo?: string; attachment?: boolean } = {}): Promise<{ id: string; messageId: string }> {
  const sent = await sendMail(stack, {
    from: 'Inès Garnier <ines@client.test>', to: 'support@acme.test', subject, text: 'Bonjour, pouvez-vous m’aider ?',
    ...(options.inReplyTo ? { inReplyTo: options.inReplyTo, references: options.inReplyTo } : {}),
    ...(options.attachment ? { attachments: [{ filename: 'facture.pdf', content: Buffer.from('%PDF-1.4 facture'), contentType: 'application/pdf' }] } : {}),
  });
  await stack.drain();
  const found = await waitFor(async () => (await list(alex, 'support')).find((c) => c.subject === subject.replace(/^RE: /, '')), 15_000);
  return { id: found.conversationId, messageId: sent.messageId };
}

async function setSupportSettings(settings: Record<string, unknown>): Promise<void> {
  await documents.send(new UpdateCommand({
    TableName: stack.resources.tableName, Key: { PK: 'MBX#support', SK: 'MBX' },
    UpdateExpression: 'SET settings = :s', ExpressionAttributeValues: { ':s': settings },
  }));
}

async function objectExists(key: string): Promise<boolean> {
  try {
    await s3.send(new GetObjectCommand({ Bucket: stack.resources.mailBucket, Key: key }));
    return true;
  } catch (error) {
    if (error instanceof Error && /NoSuchKey|NotFound/.test(error.name)) return false;
    throw error;
  }
}

beforeAll(async () => {
  stack = await startTestStack();
  alex = api(stack, await stack.signIn('alex@acme.test'));
  camille = api(stack, await stack.signIn('camille@acme.test'));
  sarah = api(stack, await stack.signIn('sarah@acme.test'));
  documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.endpoints.dynamodb, region: 'us-east-1', credentials }));
  s3 = new S3Client({ endpoint: stack.endpoints.s3, region: 'us-east-1', credentials, forcePathStyle: true });
}, 60_000);

afterAll(async () => {
  documents?.destroy();
  s3?.destroy();
  await stack?.stop();
});

describe('workflow extras over HTTP', () => {
  it('moves a conversation from Support to Ventes', async () => {
    // Prepare
    const { id } = await receive(`Devis pour 40 postes ${Date.now()}`);

    // Act
    const moved = await alex.post<{ conversation: Summary }>(`/api/conversations/${id}/move`, { mailboxId: 'ventes' });

    // Assess
    expect(moved.status).toBe(200);
    expect(moved.body.conversation.mailboxId).toBe('ventes');
    expect((await list(alex, 'support')).map((c) => c.conversationId)).not.toContain(id);
    expect((await list(sarah, 'ventes')).map((c) => c.conversationId)).toContain(id);
    const history = await sarah.get<{ items: { kind: string; from?: string; to?: string }[] }>(`/api/conversations/${id}/history`);
    expect(history.body.items.find((e) => e.kind === 'moved')).toMatchObject({ from: 'support', to: 'ventes' });
  });

  it('trashes, then deletes permanently: the conversation is gone and its raw mail and attachment leave S3', async () => {
    // Prepare
    const { id } = await receive(`Facture contestée ${Date.now()}`, { attachment: true });
    const detail = await camille.get<{ messages: { messageKey: string; attachments: unknown[] }[] }>(`/api/conversations/${id}`);
    const messageKey = detail.body.messages[0]!.messageKey;
    const message = await documents.send(new GetCommand({ TableName: stack.resources.tableName, Key: { PK: `MSG#${messageKey}`, SK: 'MSG' } }));
    const rawKey = String(message.Item!.rawKey);
    const attachmentKey = String((message.Item!.attachments as { storageKey: string }[])[0]!.storageKey);
    expect(await objectExists(rawKey)).toBe(true);
    expect(await objectExists(attachmentKey)).toBe(true);

    // Act
    const trashed = await alex.post<{ conversation: Summary }>(`/api/conversations/${id}/trash`);
    const byDispatcher = await alex.delete(`/api/conversations/${id}`);
    const deleted = await camille.delete<{ deleted: { messageKeys: string[] } }>(`/api/conversations/${id}`);

    // Assess
    expect(trashed.body.conversation.trashed).toBe(true);
    expect(byDispatcher.status).toBe(403);
    expect(deleted.status).toBe(202);
    expect(deleted.body.deleted.messageKeys).toEqual([messageKey]);
    expect((await camille.get(`/api/conversations/${id}`)).status).toBe(404);
    await waitFor(async () => !(await objectExists(rawKey)) && !(await objectExists(attachmentKey)), 15_000);
    expect((await camille.get(`/api/messages/${messageKey}/raw`)).status).toBe(404);
    const events = (await (await fetch(`${stack.httpUrl}/local/events`)).json()) as { 'detail-type': string; detail: { data: { conversationId?: string } } }[];
    expect(events.some((e) => e['detail-type'] === 'Conversation Deleted' && e.detail.data.conversationId === id)).toBe(true);
  });

  it('makes a conversation overdue when the response deadline passes, and a reply clears it', async () => {
    // Prepare: a deadline of 3 seconds.
    await setSupportSettings({ responseDeadlineMinutes: 0.05 });
    try {
      // Act
      const { id } = await receive(`Colis introuvable ${Date.now()}`);

      // Assess: the timer fires through the Scheduler stand-in.
      const overdue = await waitFor(async () => (await list(alex, 'support')).find((c) => c.conversationId === id && c.overdue), 20_000);
      expect(overdue.overdue).toBe(true);

      // Act: a reply.
      const reply = await alex.post(`/api/conversations/${id}/replies`, { text: 'Nous regardons, merci de votre patience.', undoSeconds: 0 });
      expect(reply.status).toBe(201);

      // Assess
      await waitFor(async () => (await list(alex, 'support')).find((c) => c.conversationId === id && !c.overdue), 15_000);
      const history = await alex.get<{ items: { kind: string; actor: string | null }[] }>(`/api/conversations/${id}/history`);
      const kinds = history.body.items.map((e) => e.kind);
      expect(kinds).toEqual(expect.arrayContaining(['overdue', 'replied', 'overdue_cleared']));
      expect(history.body.items.find((e) => e.kind === 'replied')?.actor).toBe('alex@acme.test');
    } finally {
      await setSupportSettings({});
    }
  });

  it('refuses a reply written against an older version after the customer wrote again, unless confirmed', async () => {
    // Prepare
    const subject = `Retour produit ${Date.now()}`;
    const { id, messageId } = await receive(subject);
    const seen = (await alex.get<{ conversation: Summary }>(`/api/conversations/${id}`)).body.conversation.version;
    await receive(`RE: ${subject}`, { inReplyTo: messageId });
    await waitFor(async () => (await list(alex, 'support')).find((c) => c.conversationId === id && c.messageCount === 2), 15_000);

    // Act
    const refused = await alex.post<{ status: number; changes: { kind: string }[]; currentVersion: number; detail: string }>(
      `/api/conversations/${id}/replies`, { text: 'Voici l’étiquette de retour.', basedOnVersion: seen, undoSeconds: 0 },
    );
    const confirmed = await alex.post(`/api/conversations/${id}/replies`, { text: 'Voici l’étiquette de retour.', basedOnVersion: seen, confirm: true, undoSeconds: 0 });

    // Assess
    expect(refused.status).toBe(409);
    expect(refused.body.changes.map((c) => c.kind)).toEqual(['received']);
    expect(refused.body.currentVersion).toBeGreaterThan(seen);
    expect(refused.body.detail).toContain('1 new message from the customer');
    expect(confirmed.status).toBe(201);
  });
});
