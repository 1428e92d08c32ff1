import { describe, expect, it } from 'vitest';
import { applyTemplate, checkTemplateFields, TemplateRuleError, type Template } from '../../../shared/compose/templates.js';
import { escapeHtml, findMergeTokens, renderMergeFields } from '../../../shared/compose/merge-fields.js';
import { mergeValuesFor, type MergeContextSource } from '../../../shared/compose/merge-context.js';

const values = { 'contact.fullname': 'Élodie Durand', 'contact.email': 'elodie@client.test', 'user.name': 'Alex Morel', 'case.reference': null };

describe('merge field parser', () => {
  it('fills known fields, case- and space-insensitively', () => {
    // Act
    const out = renderMergeFields('Bonjour {{contact.fullname}}, écrivez à {{ Contact.Email }}. — {{user.name}}', values, { html: false });

    // Assess
    expect(out).toEqual({ output: 'Bonjour Élodie Durand, écrivez à elodie@client.test. — Alex Morel', missing: [], unknown: [] });
  });

  it('reports missing fields once each and renders them as nothing, never as braces', () => {
    // Act
    const out = renderMergeFields('Dossier {{case.reference}} / {{organisation.name}} / {{case.reference}}', values, { html: false });

    // Assess
    expect(out.missing).toEqual(['case.reference', 'organisation.name']);
    expect(out.output).toBe('Dossier  /  / ');
    expect(out.output).not.toContain('{{');
  });

  it('reports unknown fields of a known namespace, and renders them as nothing', () => {
    // Act
    const out = renderMergeFields('Taille : {{contact.shoesize}}', values, { html: false });

    // Assess
    expect(out.unknown).toEqual(['contact.shoesize']);
    expect(out.output).toBe('Taille : ');
  });

  it('leaves braces that are not merge fields alone', () => {
    // Prepare
    const text = 'Code: {{ price }} {x} {{ not a field {{foo.bar}} {{{contact.email}}} } {{contact.}}';

    // Act
    const out = renderMergeFields(text, values, { html: false });

    // Assess
    expect(out.output).toBe('Code: {{ price }} {x} {{ not a field {{foo.bar}} {elodie@client.test} } {{contact.}}');
    expect(out.missing).toEqual([]);
    expect(out.unknown).toEqual([]);
  });

  it('escapes values in HTML bodies, not in plain text', () => {
    // Prepare
    const hostile = { 'contact.fullname': '<script>alert("x")</script> & Cie' };

    // Act
    const html = renderMergeFields('<p>Bonjour {{contact.fullname}}</p>', hostile, { html: true });
    const text = renderMergeFields('Bonjour {{contact.fullname}}', hostile, { html: false });

    // Assess
    expect(html.output).toBe('<p>Bonjour &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Cie</p>');
    expect(text.output).toBe('Bonjour <script>alert("x")</script> & Cie');
    expect(escapeHtml(`'`)).toBe('&#39;');
  });

  it('accepts the American spelling of organisation', () => {
    expect(findMergeTokens('{{organization.name}}')).toEqual([{ field: 'organisation.name', known: true, raw: '{{organization.name}}', index: 0 }]);
  });

  it('treats blank values as missing', () => {
    expect(renderMergeFields('{{contact.fullname}}', { 'contact.fullname': '  ' }, { html: false }).missing).toEqual(['contact.fullname']);
  });
});

describe('templates', () => {
  const template: Template = {
    templateId: 't1', mailboxId: 'support', orgId: 'acme', folder: 'Facturation', state: 'published', name: 'relance', title: 'Relance',
    type: 'email', senderName: 'Service facturation', subject: 'Dossier {{case.reference}}', body: '<p>Bonjour {{contact.fullname}},</p>{{user.name}}',
    version: 1, createdBy: 'camille@acme.test', createdAt: '', updatedBy: '', updatedAt: '', publishedAt: null,
  };

  it('applies without changing the template, and says where each missing field is', () => {
    // Act
    const applied = applyTemplate(template, values);

    // Assess
    expect(applied).toEqual({
      subject: 'Dossier ', body: '<p>Bonjour Élodie Durand,</p>Alex Morel', senderName: 'Service facturation',
      missing: [{ field: 'case.reference', in: ['subject'] }],
    });
    expect(template.subject).toBe('Dossier {{case.reference}}');
  });

  it('refuses unknown merge fields at save, naming the part', () => {
    // Act
    let error: unknown;
    try { checkTemplateFields({ subject: 'ok', body: 'Hello {{contact.nickname}}' }); } catch (e) { error = e; }

    // Assess
    expect(error).toBeInstanceOf(TemplateRuleError);
    expect(error).toMatchObject({ code: 'invalid', field: 'body.body' });
    expect((error as Error).message).toContain('{{contact.nickname}}');
  });
});

describe('merge context', () => {
  const source: MergeContextSource = {
    contact: async (orgId, id) => (orgId === 'acme' && id === 'k1' ? { fullName: 'Élodie Durand', emails: ['elodie@client.test'], organisationId: 'o1' } : null),
    organisation: async (_orgId, id) => (id === 'o1' ? { name: 'Client SA' } : null),
    caseOf: async (_orgId, id) => (id === 'case1' ? { reference: 'DOS-2026-042', title: 'Litige' } : null),
  };
  const user = { name: 'Alex Morel', email: 'alex@acme.test', orgId: 'acme' };
  const mailbox = { name: 'Support', addresses: ['support@acme.test'] };

  it('takes the contact, its organisation and the case from the conversation links', async () => {
    // Act
    const merged = await mergeValuesFor({
      user, mailbox,
      conversation: { conversationId: 'c1', subject: 'Commande', from: { address: 'other@client.test', name: 'Other' }, contactId: 'k1', organisationId: null, caseId: 'case1' },
    }, source);

    // Assess
    expect(merged).toMatchObject({
      'contact.fullname': 'Élodie Durand', 'contact.email': 'elodie@client.test', 'organisation.name': 'Client SA',
      'case.reference': 'DOS-2026-042', 'conversation.subject': 'Commande', 'mailbox.email': 'support@acme.test', 'user.name': 'Alex Morel',
    });
  });

  it('falls back to the correspondent when there is no contact record', async () => {
    // Act
    const merged = await mergeValuesFor({ user, mailbox, recipient: { address: 'new@client.test', name: 'Nouveau Client' } }, source);

    // Assess
    expect(merged['contact.fullname']).toBe('Nouveau Client');
    expect(merged['contact.email']).toBe('new@client.test');
    expect(merged['case.reference']).toBeNull();
  });
});
