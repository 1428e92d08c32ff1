/**
 * Signatures of a mailbox: at most three, HTML with merge fields (`{{user.name}}` makes one
 * signature personal to whoever writes) and images by URL. Each member picks their default one
 * per mailbox; compose inserts it unless told another (`signatureId`) or none (`null`).
 *
 * Storage: `PK=SIG#<mailboxId>` holds the signatures under slot keys `SIG#1`..`SIG#3` and each
 * member's default under `DEFAULT#<email>`. A signature takes a free slot with a conditional put,
 * so two admins adding a third and a fourth at once cannot both succeed: the limit holds under
 * races without a counter. The default is one item per (mailbox, member): there cannot be two.
 * The HTML is sanitised when the message is composed, like the rest of the body.
 */
import { randomBytes } from 'node:crypto';
import { ConditionFailedError, type Item, type Table } from '../adapters/dynamodb-table.js';
import { keys } from '../model/keys.js';
import { findMergeTokens } from './merge-fields.js';

export const MAX_SIGNATURES_PER_MAILBOX = 3;

export interface Signature {
  signatureId: string;
  mailboxId: string;
  orgId: string;
  name: string;
  html: string;
  version: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export class SignatureRuleError extends Error {
  constructor(readonly code: 'invalid' | 'limit' | 'conflict' | 'not-found', message: string, readonly field?: string) {
    super(message);
    this.name = 'SignatureRuleError';
  }
}

function signatureFromItem(item: Item): Signature {
  return {
    signatureId: String(item.signatureId), mailboxId: String(item.mailboxId), orgId: String(item.orgId),
    name: String(item.name ?? ''), html: String(item.html ?? ''), version: Number(item.version ?? 1),
    createdBy: String(item.createdBy ?? ''), createdAt: String(item.createdAt ?? ''), updatedAt: String(item.updatedAt ?? ''),
  };
}

function checkHtml(html: string): void {
  const unknown = findMergeTokens(html).filter((t) => !t.known);
  if (unknown.length > 0) throw new SignatureRuleError('invalid', `Unknown merge field ${unknown.map((t) => t.raw).join(', ')}.`, 'body.html');
}

interface Slotted { slot: number; signature: Signature }

export class SignatureStore {
  constructor(private readonly table: Table) {}

  private async slots(mailboxId: string): Promise<Slotted[]> {
    const page = await this.table.query({
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
      ExpressionAttributeValues: { ':pk': keys.signatureSlot(mailboxId, 0).PK, ':sk': 'SIG#' },
      ConsistentRead: true,
    });
    return page.items.map((item) => ({ slot: Number(String(item.SK).slice(4)), signature: signatureFromItem(item) }));
  }

  async list(mailboxId: string): Promise<Signature[]> {
    return (await this.slots(mailboxId)).sort((a, b) => a.slot - b.slot).map((s) => s.signature);
  }

  async get(mailboxId: string, signatureId: string): Promise<Signature | null> {
    return (await this.list(mailboxId)).find((s) => s.signatureId === signatureId) ?? null;
  }

  /** Takes the first free slot; `limit` when the mailbox already has three (also when another create won the last slot). */
  async create(input: { mailboxId: string; orgId: string; name: string; html: string; by: string; at: string }): Promise<Signature> {
    checkHtml(input.html);
    const used = new Set((await this.slots(input.mailboxId)).map((s) => s.slot));
    const signature: Signature = {
      signatureId: `s${randomBytes(8).toString('hex')}`, mailboxId: input.mailboxId, orgId: input.orgId, name: input.name,
      html: input.html, version: 1, createdBy: input.by, createdAt: input.at, updatedAt: input.at,
    };
    for (let slot = 1; slot <= MAX_SIGNATURES_PER_MAILBOX; slot += 1) {
      if (used.has(slot)) continue;
      try {
        await this.table.put({ ...keys.signatureSlot(input.mailboxId, slot), type: 'signature', ...signature }, { ConditionExpression: 'attribute_not_exists(PK)' });
        return signature;
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
      }
    }
    throw new SignatureRuleError('limit', `A mailbox has at most ${MAX_SIGNATURES_PER_MAILBOX} signatures; edit or delete one.`);
  }

  async update(mailboxId: string, signatureId: string, change: { name?: string; html?: string }, at: string, expectedVersion?: number): Promise<Signature> {
    if (change.html !== undefined) checkHtml(change.html);
    const found = (await this.slots(mailboxId)).find((s) => s.signature.signatureId === signatureId);
    if (!found) throw new SignatureRuleError('not-found', 'This signature does not exist.');
    const next: Signature = { ...found.signature, ...change, version: found.signature.version + 1, updatedAt: at };
    try {
      await this.table.put({ ...keys.signatureSlot(mailboxId, found.slot), type: 'signature', ...next }, {
        ConditionExpression: 'signatureId = :id AND version = :v',
        ExpressionAttributeValues: { ':id': signatureId, ':v': expectedVersion ?? found.signature.version },
      });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      throw new SignatureRuleError('conflict', 'The signature changed since you loaded it.');
    }
    return next;
  }

  /** Deletes it; members who had it as default fall back to none (their default item points at nothing). */
  async delete(mailboxId: string, signatureId: string): Promise<boolean> {
    const found = (await this.slots(mailboxId)).find((s) => s.signature.signatureId === signatureId);
    if (!found) return false;
    await this.table.delete(keys.signatureSlot(mailboxId, found.slot));
    return true;
  }

  /** The member's default signature id in the mailbox, if set (it may name a deleted signature). */
  async getDefaultId(mailboxId: string, email: string): Promise<string | null> {
    const item = await this.table.get(keys.signatureDefault(mailboxId, email));
    return typeof item?.signatureId === 'string' ? item.signatureId : null;
  }

  async setDefault(mailboxId: string, email: string, signatureId: string | null): Promise<void> {
    if (signatureId === null) {
      await this.table.delete(keys.signatureDefault(mailboxId, email));
      return;
    }
    if (!(await this.get(mailboxId, signatureId))) throw new SignatureRuleError('not-found', 'This signature does not exist.', 'body.signatureId');
    await this.table.put({ ...keys.signatureDefault(mailboxId, email), type: 'signatureDefault', mailboxId, email, signatureId });
  }

  /**
   * The signature a message gets: the one asked for, none for `null`, else the member's default
   * (none when unset or deleted). An explicit id that does not exist is an error, not a silent none.
   */
  async resolve(mailboxId: string, email: string, requested: string | null | undefined): Promise<Signature | null> {
    if (requested === null) return null;
    if (requested !== undefined) {
      const signature = await this.get(mailboxId, requested);
      if (!signature) throw new SignatureRuleError('not-found', 'This signature does not exist in the mailbox.', 'body.signatureId');
      return signature;
    }
    const [defaultId, signatures] = await Promise.all([this.getDefaultId(mailboxId, email), this.list(mailboxId)]);
    return signatures.find((s) => s.signatureId === defaultId) ?? null;
  }
}
