/**
 * Template and signature rules on real DynamoDB semantics (dynalite): stale template edits, the
 * three-signature cap under concurrent creates, one default per member per mailbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SIGNATURES_PER_MAILBOX, SignatureRuleError, SignatureStore } from '../../../shared/compose/signatures.js';
import { TemplateRuleError, TemplateStore, type Template } from '../../../shared/compose/templates.js';
import { startTestTable, type TestTable } from '../../helpers/dynamo.js';

let db: TestTable;

beforeAll(async () => {
  db = await startTestTable();
});

afterAll(async () => {
  await db?.stop();
});

function template(templateId: string, overrides: Partial<Template> = {}): Template {
  return {
    templateId, mailboxId: 'support', orgId: 'acme', folder: '', state: 'draft', name: 'n', title: 'T', type: 'email', senderName: null,
    subject: 'Objet', body: '<p>Bonjour {{contact.fullname}}</p>', version: 1, createdBy: 'camille@acme.test', createdAt: 'x',
    updatedBy: 'camille@acme.test', updatedAt: 'x', publishedAt: null, ...overrides,
  };
}

describe('templates', () => {
  it('applies an edit at the version loaded, refuses a stale one with the current template', async () => {
    // Prepare
    const store = new TemplateStore(db.table);
    await store.create(template('t-stale'));

    // Act
    const first = await store.update('support', 't-stale', { title: 'Premier' }, 'camille@acme.test', 'y', 1);
    const stale = store.update('support', 't-stale', { title: 'Second' }, 'alex@acme.test', 'z', 1);

    // Assess
    expect(first.template).toMatchObject({ title: 'Premier', version: 2 });
    await expect(stale).rejects.toBeInstanceOf(TemplateRuleError);
    await expect(stale).rejects.toMatchObject({ code: 'conflict', current: { title: 'Premier', version: 2 } });
    expect((await store.get('support', 't-stale'))?.title).toBe('Premier');
  });

  it('says when an edit publishes, once', async () => {
    // Prepare
    const store = new TemplateStore(db.table);
    await store.create(template('t-pub'));

    // Act
    const published = await store.update('support', 't-pub', { state: 'published' }, 'camille@acme.test', '2026-11-20T10:00:00.000Z');
    const again = await store.update('support', 't-pub', { title: 'Autre' }, 'camille@acme.test', '2026-11-20T11:00:00.000Z');

    // Assess
    expect(published).toMatchObject({ published: true, template: { state: 'published', publishedAt: '2026-11-20T10:00:00.000Z' } });
    expect(again.published).toBe(false);
    expect((await store.list('support')).map((t) => t.templateId)).toEqual(expect.arrayContaining(['t-pub', 't-stale']));
  });

  it('refuses an unknown merge field on create and on edit', async () => {
    const store = new TemplateStore(db.table);
    await expect(store.create(template('t-bad', { subject: '{{case.number}}' }))).rejects.toMatchObject({ code: 'invalid', field: 'body.subject' });
    await store.create(template('t-ok'));
    await expect(store.update('support', 't-ok', { body: '{{user.nickname}}' }, 'a', 'b')).rejects.toMatchObject({ code: 'invalid', field: 'body.body' });
  });
});

describe('signatures', () => {
  it('keeps at most three per mailbox, even when four are created at once', async () => {
    // Prepare
    const store = new SignatureStore(db.table);
    const create = (n: number) => store.create({ mailboxId: 'race', orgId: 'acme', name: `S${n}`, html: `<p>{{user.name}} ${n}</p>`, by: 'camille@acme.test', at: 'x' });

    // Act
    const results = await Promise.allSettled([create(1), create(2), create(3), create(4)]);

    // Assess
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(MAX_SIGNATURES_PER_MAILBOX);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused).toHaveLength(1);
    expect(refused[0]!.reason).toBeInstanceOf(SignatureRuleError);
    expect(refused[0]!.reason).toMatchObject({ code: 'limit' });
    expect(await store.list('race')).toHaveLength(3);
  });

  it('frees a slot when one is deleted', async () => {
    // Prepare
    const store = new SignatureStore(db.table);
    const [first] = await store.list('race');

    // Act
    await store.delete('race', first!.signatureId);
    const added = await store.create({ mailboxId: 'race', orgId: 'acme', name: 'S5', html: '<p>5</p>', by: 'c', at: 'y' });

    // Assess
    expect((await store.list('race')).map((s) => s.signatureId)).toContain(added.signatureId);
    await expect(store.create({ mailboxId: 'race', orgId: 'acme', name: 'S6', html: '<p>6</p>', by: 'c', at: 'y' })).rejects.toMatchObject({ code: 'limit' });
  });

  it('has one default per member per mailbox, and resolves explicit, none and default', async () => {
    // Prepare
    const store = new SignatureStore(db.table);
    const a = await store.create({ mailboxId: 'defaults', orgId: 'acme', name: 'A', html: '<p>A</p>', by: 'c', at: 'x' });
    const b = await store.create({ mailboxId: 'defaults', orgId: 'acme', name: 'B', html: '<p>B</p>', by: 'c', at: 'x' });

    // Act
    await store.setDefault('defaults', 'alex@acme.test', a.signatureId);
    await store.setDefault('defaults', 'alex@acme.test', b.signatureId);
    await store.setDefault('defaults', 'julien@acme.test', a.signatureId);

    // Assess
    expect(await store.getDefaultId('defaults', 'alex@acme.test')).toBe(b.signatureId);
    expect((await store.resolve('defaults', 'alex@acme.test', undefined))?.name).toBe('B');
    expect((await store.resolve('defaults', 'julien@acme.test', undefined))?.name).toBe('A');
    expect(await store.resolve('defaults', 'alex@acme.test', null)).toBeNull();
    expect((await store.resolve('defaults', 'alex@acme.test', a.signatureId))?.name).toBe('A');
    expect(await store.resolve('defaults', 'sarah@acme.test', undefined)).toBeNull();
    await expect(store.resolve('defaults', 'alex@acme.test', 'snope')).rejects.toMatchObject({ code: 'not-found', field: 'body.signatureId' });
    await expect(store.setDefault('defaults', 'alex@acme.test', 'snope')).rejects.toMatchObject({ code: 'not-found' });
  });

  it('falls back to none when the default signature is deleted', async () => {
    // Prepare
    const store = new SignatureStore(db.table);
    const c = await store.create({ mailboxId: 'gone', orgId: 'acme', name: 'C', html: '<p>C</p>', by: 'c', at: 'x' });
    await store.setDefault('gone', 'alex@acme.test', c.signatureId);

    // Act
    await store.delete('gone', c.signatureId);

    // Assess
    expect(await store.resolve('gone', 'alex@acme.test', undefined)).toBeNull();
  });

  it('refuses an edit at a stale version', async () => {
    const store = new SignatureStore(db.table);
    const s = await store.create({ mailboxId: 'edit', orgId: 'acme', name: 'E', html: '<p>E</p>', by: 'c', at: 'x' });
    await store.update('edit', s.signatureId, { name: 'E2' }, 'y', 1);
    await expect(store.update('edit', s.signatureId, { name: 'E3' }, 'z', 1)).rejects.toMatchObject({ code: 'conflict' });
    await expect(store.create({ mailboxId: 'edit', orgId: 'acme', name: 'X', html: '{{user.nickname}}', by: 'c', at: 'x' })).rejects.toMatchObject({ code: 'invalid', field: 'body.html' });
  });
});
