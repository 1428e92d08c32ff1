/**
 * Message templates of a mailbox: folders, draft or published, an internal name and a title,
 * email or SMS, a sender name, a subject and a body with merge fields (merge-fields.ts).
 *
 * Who: admins of the mailbox (organisation admins are admins of every shared mailbox) create,
 * edit, publish and delete; every member lists and applies the published ones. Applying a
 * template never changes it: {@link applyTemplate} returns the filled subject and body and what
 * could not be filled.
 *
 * Stored at `PK=TPL#<mailboxId>, SK=TPL#<templateId>`: the mailbox's list is one Query. Edits are
 * conditional on `version`, so two admins editing at once cannot silently overwrite each other.
 */
import { randomBytes } from 'node:crypto';
import { ConditionFailedError, type Item, type Table } from '../adapters/dynamodb-table.js';
import { keys } from '../model/keys.js';
import { findMergeTokens, renderMergeFields, type MergeField, type MergeValues } from './merge-fields.js';

export type TemplateType = 'email' | 'sms';
export type TemplateState = 'draft' | 'published';

export interface Template {
  templateId: string;
  mailboxId: string;
  orgId: string;
  /** Folder path such as `Facturation/Relances`; empty for the root. */
  folder: string;
  state: TemplateState;
  /** Internal name, for the team. */
  name: string;
  /** Title shown when choosing a template. */
  title: string;
  type: TemplateType;
  /** Display name of the sender for mail sent from this template; null keeps the mailbox's. */
  senderName: string | null;
  /** Email templates only; empty for SMS. */
  subject: string;
  /** HTML for email, plain text for SMS. */
  body: string;
  version: number;
  createdBy: string;
  createdAt: string;
  updatedBy: string;
  updatedAt: string;
  publishedAt: string | null;
}

export type TemplateFields = Pick<Template, 'folder' | 'state' | 'name' | 'title' | 'type' | 'senderName' | 'subject' | 'body'>;

/** Why a template change was refused; the routes map each to a problem. */
export class TemplateRuleError extends Error {
  constructor(readonly code: 'invalid' | 'conflict' | 'not-found', message: string, readonly field?: string, readonly current?: Template) {
    super(message);
    this.name = 'TemplateRuleError';
  }
}

/**
 * Unknown merge fields are refused when a template is saved (`body.subject` / `body.body`), so a
 * published template can only leave *missing* values, never a typo, to the person applying it.
 */
export function checkTemplateFields(fields: Partial<TemplateFields>): void {
  for (const part of ['subject', 'body'] as const) {
    const value = fields[part];
    if (value === undefined) continue;
    const unknown = findMergeTokens(value).filter((t) => !t.known);
    if (unknown.length > 0) {
      throw new TemplateRuleError('invalid', `Unknown merge field ${unknown.map((t) => t.raw).join(', ')}.`, `body.${part}`);
    }
  }
  if (fields.type === 'email' && fields.subject !== undefined && fields.subject.trim() === '') {
    throw new TemplateRuleError('invalid', 'An email template needs a subject.', 'body.subject');
  }
}

function templateFromItem(item: Item): Template {
  return {
    templateId: String(item.templateId), mailboxId: String(item.mailboxId), orgId: String(item.orgId),
    folder: String(item.folder ?? ''), state: item.state === 'published' ? 'published' : 'draft',
    name: String(item.name ?? ''), title: String(item.title ?? ''), type: item.templateType === 'sms' ? 'sms' : 'email',
    senderName: typeof item.senderName === 'string' ? item.senderName : null,
    subject: String(item.subject ?? ''), body: String(item.body ?? ''), version: Number(item.version ?? 1),
    createdBy: String(item.createdBy ?? ''), createdAt: String(item.createdAt ?? ''),
    updatedBy: String(item.updatedBy ?? ''), updatedAt: String(item.updatedAt ?? ''),
    publishedAt: typeof item.publishedAt === 'string' ? item.publishedAt : null,
  };
}

export function newTemplateId(): string {
  return `t${randomBytes(10).toString('hex')}`;
}

export class TemplateStore {
  constructor(private readonly table: Table) {}

  async get(mailboxId: string, templateId: string): Promise<Template | null> {
    const item = await this.table.get(keys.template(mailboxId, templateId), true);
    return item ? templateFromItem(item) : null;
  }

  /** A mailbox's templates (one Query per 1 MB page; a mailbox holds a few hundred at most). */
  async list(mailboxId: string): Promise<Template[]> {
    const out: Template[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.table.query({
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
        ExpressionAttributeValues: { ':pk': keys.template(mailboxId, '').PK, ':sk': 'TPL#' },
        ...(start ? { ExclusiveStartKey: start } : {}),
      });
      out.push(...page.items.map(templateFromItem));
      start = page.lastKey;
    } while (start);
    return out;
  }

  async create(template: Template): Promise<Template> {
    checkTemplateFields(template);
    await this.table.put({ ...keys.template(template.mailboxId, template.templateId), ...template, type: 'template', templateType: template.type }, { ConditionExpression: 'attribute_not_exists(PK)' });
    return template;
  }

  /**
   * Applies a change if the template is still at `expectedVersion` (when given); a stale edit gets
   * `conflict` with the current template.
   */
  async update(mailboxId: string, templateId: string, change: Partial<TemplateFields>, by: string, at: string, expectedVersion?: number): Promise<{ template: Template; published: boolean }> {
    checkTemplateFields(change);
    const current = await this.get(mailboxId, templateId);
    if (!current) throw new TemplateRuleError('not-found', 'This template does not exist.');
    const next: Template = { ...current, ...change, version: current.version + 1, updatedBy: by, updatedAt: at };
    checkTemplateFields(next);
    const published = current.state !== 'published' && next.state === 'published';
    if (published) next.publishedAt = at;
    const expected = expectedVersion ?? current.version;
    try {
      await this.table.put({ ...keys.template(mailboxId, templateId), ...next, type: 'template', templateType: next.type }, {
        ConditionExpression: 'attribute_exists(PK) AND version = :v', ExpressionAttributeValues: { ':v': expected },
      });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const latest = error.item ? templateFromItem(error.item) : await this.get(mailboxId, templateId);
      if (!latest) throw new TemplateRuleError('not-found', 'This template does not exist.');
      throw new TemplateRuleError('conflict', `The template changed since version ${expected}: it is at version ${latest.version}.`, undefined, latest);
    }
    return { template: next, published };
  }

  async delete(mailboxId: string, templateId: string): Promise<void> {
    await this.table.delete(keys.template(mailboxId, templateId));
  }
}

export interface AppliedTemplate {
  subject: string;
  /** HTML for email templates, plain text for SMS. */
  body: string;
  /** The template's sender name, for the From display name (null: the mailbox's). */
  senderName: string | null;
  /** Fields with no value for this context, each with where it appears; they rendered as nothing. */
  missing: { field: MergeField; in: ('subject' | 'body')[] }[];
}

/** Fills a template for one context; the template itself is not changed. */
export function applyTemplate(template: Template, values: MergeValues): AppliedTemplate {
  const subject = renderMergeFields(template.subject, values, { html: false });
  const body = renderMergeFields(template.body, values, { html: template.type === 'email' });
  const missing = new Map<MergeField, ('subject' | 'body')[]>();
  for (const field of subject.missing) missing.set(field, ['subject']);
  for (const field of body.missing) missing.set(field, [...(missing.get(field) ?? []), 'body']);
  return {
    subject: subject.output, body: body.output, senderName: template.senderName,
    missing: [...missing].map(([field, where]) => ({ field, in: where })),
  };
}
