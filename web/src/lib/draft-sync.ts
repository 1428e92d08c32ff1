/**
 * A draft kept in two places: this device (localStorage, at once, as before) and the server
 * (`/api/drafts`), so it survives a lost laptop, shows under Drafts and opens on another device.
 *
 * 1. Each change is written locally at once, then saved to the server a moment later (debounced):
 *    the first save creates the server draft, the next ones are conditional on its version.
 * 2. A 409 (saved meanwhile from another tab or device) re-reads the version and saves again:
 *    what the user is typing here wins. A draft sent or discarded elsewhere is created anew.
 * 3. Offline, a timeout or a 5xx keeps the local copy, says "saved on this device only" and tries
 *    again later (backoff); a refusal (400) waits for the next change.
 * 4. Discard and send remove both copies; a server copy that cannot be deleted yet is remembered
 *    and deleted on a later attempt.
 *
 * Imports carry `.js` and no DOM type is used, so the Node-side unit tests type-check it.
 */
import type { MailAddress, ReplyKind, ServerDraft } from '../api/types.js';
import { looksLikeAddress, parseAddress } from './addresses.js';
import { announceDraftsChanged, deleteDraft, forgetDiscard, loadDraft, pendingDiscards, rememberDiscard, saveDraft, type Draft } from './drafts.js';

/** The part of the API client used here (`ApiClient` fits). */
export interface DraftApi {
  get<T>(path: string): Promise<T>;
  send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
}

/** Where the message goes: what the server needs to create its draft. */
export type DraftTarget =
  | { kind: 'new'; mailboxId: string }
  | { kind: ReplyKind; conversationId: string; messageKey: string | null };

export type DraftSyncStatus =
  | { state: 'idle' }
  | { state: 'saving' }
  | { state: 'saved'; at: string }
  /** On this device only: `offline` tries again by itself, `refused` on the next change. */
  | { state: 'local'; at: string; why: 'offline' | 'refused' };

export interface DraftSyncOptions {
  api: DraftApi;
  /** The localStorage key (see `draftKeyOf`). */
  key: string;
  target: DraftTarget;
  /** The server draft being edited when the local copy does not name one (opened from Drafts). */
  serverId?: string | null;
  onStatus?: (status: DraftSyncStatus) => void;
  /** Wait after a change before saving to the server; the composer's own 0.5 s comes first. */
  debounceMs?: number;
  /** Waits between attempts while the server cannot be reached; the last one repeats. */
  retryMs?: readonly number[];
  now?: () => Date;
}

/** The local slot of a server draft: the composer's `draftKeyOf` for the same place. */
export function localKeyOf(draft: Pick<ServerDraft, 'kind' | 'mailboxId' | 'conversationId'>): string {
  return draft.kind === 'new' || draft.conversationId === null ? `${draft.mailboxId}.new` : `${draft.conversationId}.${draft.kind}`;
}

const MAX_RECIPIENTS = 50;
/** Conflicts resolved in a row before giving up until the next change (two devices typing at once). */
const MAX_CONFLICTS = 3;

/** What the API reports about a failed call (`ApiError`), read by shape. */
function failureOf(error: unknown): { status: number; current: ServerDraft | null } {
  const e = error as { status?: unknown; problem?: { current?: unknown } | null } | null;
  const status = typeof e?.status === 'number' ? e.status : 0;
  const current = e?.problem?.current;
  return { status, current: current && typeof current === 'object' && 'draftId' in current ? (current as ServerDraft) : null };
}

function unreachable(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}

/** The server draft's content: addresses the browser finds malformed stay on this device only. */
export function serverContent(draft: Draft) {
  const recipients = (list: string[]): (string | MailAddress)[] => list
    .map(parseAddress)
    .filter((a) => looksLikeAddress(a.address))
    .slice(0, MAX_RECIPIENTS)
    .map((a) => (a.name ? { address: a.address, name: a.name } : a.address));
  return {
    to: recipients(draft.to), cc: recipients(draft.cc), bcc: recipients(draft.bcc),
    subject: draft.subject, html: draft.html,
    importance: draft.importance, requestReadReceipt: draft.requestReadReceipt,
    requestDeliveryReceipt: draft.requestDeliveryReceipt ?? false,
    attachments: (draft.attachments ?? []).map((a) => ({
      uploadKey: a.uploadKey, ...(a.inline !== undefined ? { inline: a.inline } : {}), ...(a.contentId ? { contentId: a.contentId } : {}),
    })),
    caseDocuments: (draft.caseDocuments ?? []).map((d) => ({ caseId: d.caseId, documentId: d.documentId })),
  };
}

function chipText(address: MailAddress): string {
  return address.name ? `${address.name} <${address.address}>` : address.address;
}

/** A server draft as the composer keeps it locally (another device's text, or a newer one). */
export function localOfServer(draft: ServerDraft): Draft {
  return {
    to: draft.to.map(chipText), cc: draft.cc.map(chipText), bcc: draft.bcc.map(chipText),
    subject: draft.subject ?? '', html: draft.html ?? '',
    importance: draft.importance, requestReadReceipt: draft.requestReadReceipt, requestDeliveryReceipt: draft.requestDeliveryReceipt,
    // The server keeps only the upload keys; the file name is the key's last part.
    attachments: draft.attachments.map((a) => ({
      uploadKey: a.uploadKey, filename: a.uploadKey.split('/').pop() || a.uploadKey, size: 0, contentType: 'application/octet-stream',
      ...(a.inline !== undefined ? { inline: a.inline } : {}), ...(a.contentId ? { contentId: a.contentId } : {}),
    })),
    caseDocuments: draft.caseDocuments.map((d) => ({ caseId: d.caseId, documentId: d.documentId })),
    sendAt: '', savedAt: draft.updatedAt,
    serverId: draft.draftId, serverVersion: draft.version, synced: true,
  };
}

/**
 * Puts a server draft in the local slot the composer reads, unless the local copy is the same
 * draft with text the server does not have yet (or as new). Returns false when the slot holds
 * another draft not saved to the server: opening would overwrite it.
 */
export function adoptServerDraft(key: string, draft: ServerDraft): boolean {
  const local = loadDraft(key);
  if (local && local.serverId === draft.draftId) {
    if (local.synced === false || (local.serverVersion ?? 0) >= draft.version) return true;
  } else if (local && local.synced !== true) {
    return false;
  }
  return saveDraft(key, localOfServer(draft));
}

/** Whether this device's copy is a server draft it fully saved, which another device may have saved since. */
export function mayBeBehindServer(key: string): boolean {
  const local = loadDraft(key);
  return typeof local?.serverId === 'string' && local.synced === true;
}

/**
 * Before the composer opens this device's copy of a server draft, brings it up to date: the text
 * another device saved since replaces it (typing here would otherwise save over that text), and a
 * draft sent or discarded elsewhere is dropped here too. Text typed here and not saved yet is never
 * replaced. Unreachable server: the copy stays as it is. True when the copy changed.
 */
export async function refreshFromServer(api: DraftApi, key: string): Promise<boolean> {
  const local = loadDraft(key);
  if (!local || typeof local.serverId !== 'string' || local.synced !== true) return false;
  let server: ServerDraft;
  try {
    server = (await api.get<{ draft: ServerDraft }>(`/api/drafts/${encodeURIComponent(local.serverId)}`)).draft;
  } catch (error) {
    if (failureOf(error).status !== 404) return false;
    deleteDraft(key);
    announceDraftsChanged();
    return true;
  }
  if (server.status !== 'draft') {
    deleteDraft(key);
    announceDraftsChanged();
    return true;
  }
  if (server.version <= (local.serverVersion ?? 0)) return false;
  return saveDraft(key, localOfServer(server));
}

/** Deletes a server draft; one that cannot be reached now is remembered for a later attempt. */
export async function deleteServerDraft(api: DraftApi, draftId: string): Promise<void> {
  try {
    await api.send('DELETE', `/api/drafts/${encodeURIComponent(draftId)}`);
    forgetDiscard(draftId);
  } catch (error) {
    if (unreachable(failureOf(error).status)) {
      // Nothing changed yet: announcing would only make listeners retry at once.
      rememberDiscard(draftId);
      return;
    }
    // 404: already gone; 409: sent meanwhile. Either way nothing is left to delete.
    forgetDiscard(draftId);
  }
  announceDraftsChanged();
}

/** Deletes the server drafts whose earlier deletion could not reach the API. */
export async function retryPendingDiscards(api: DraftApi): Promise<void> {
  for (const draftId of pendingDiscards()) await deleteServerDraft(api, draftId);
}

/** One composer's draft, kept on this device and on the server. */
export class DraftSync {
  private readonly api: DraftApi;
  private readonly key: string;
  private readonly target: DraftTarget;
  private readonly debounceMs: number;
  private readonly retryMs: readonly number[];
  private readonly now: () => Date;
  private onStatus: ((status: DraftSyncStatus) => void) | undefined;
  private latest: Draft | null;
  private serverId: string | null;
  private version: number;
  /** Bumped on each change; the server has `savedRevision`; `refusedRevision` waits for a change. */
  private revision = 0;
  private savedRevision = 0;
  private refusedRevision = -1;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<void> | null = null;
  private failures = 0;
  private closed = false;
  /** No composer any more: no retries are scheduled (the next opening resumes). */
  private disposed = false;
  status: DraftSyncStatus = { state: 'idle' };

  constructor(options: DraftSyncOptions) {
    this.api = options.api;
    this.key = options.key;
    this.target = options.target;
    this.debounceMs = options.debounceMs ?? 1000;
    this.retryMs = options.retryMs ?? [2000, 5000, 15_000, 30_000, 60_000];
    this.now = options.now ?? (() => new Date());
    this.onStatus = options.onStatus;
    this.latest = loadDraft(this.key);
    this.serverId = this.latest?.serverId ?? options.serverId ?? null;
    this.version = this.latest?.serverId ? this.latest.serverVersion ?? 0 : 0;
    if (this.latest) {
      // A local copy the server does not have (written offline, or before drafts reached the server).
      if (this.latest.synced !== true) this.revision = 1;
      this.status = this.latest.synced === true ? { state: 'saved', at: this.latest.savedAt } : { state: 'local', at: this.latest.savedAt, why: 'offline' };
    }
  }

  /** The server draft's id, once created. */
  get draftId(): string | null {
    return this.serverId;
  }

  /** Starts saving what only this device has, and deletes discards left over from earlier. */
  resume(): void {
    if (this.closed) return;
    if (this.revision !== this.savedRevision) this.schedule(0);
    void retryPendingDiscards(this.api);
  }

  /** Keeps `draft` here at once and on the server a moment later; false when storage refused it. */
  change(draft: Draft): boolean {
    if (this.closed) return false;
    if (this.serverId === null) {
      // Created meanwhile by an earlier composer on the same slot (closed while it was saving).
      const known = loadDraft(this.key);
      if (known?.serverId) {
        this.serverId = known.serverId;
        this.version = known.serverVersion ?? 0;
      }
    }
    this.revision += 1;
    this.latest = draft;
    const kept = saveDraft(this.key, this.local(draft, false));
    this.schedule(this.debounceMs);
    return kept;
  }

  /** Saves now ("Save draft", closing the composer); resolves once the server answered. */
  saveNow(): Promise<void> {
    this.clearTimer();
    if (this.running) return this.running.then(() => this.saveNow());
    if (this.closed || this.revision === this.savedRevision) return Promise.resolve();
    this.running = this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Deletes both copies: the user threw the draft away. */
  discard(): Promise<void> {
    return this.finish();
  }

  /** The message was queued: neither copy is needed any more. */
  sent(): Promise<void> {
    return this.finish();
  }

  /** The composer is gone: no more status; a save still waiting is done now rather than lost. */
  dispose(): void {
    this.onStatus = undefined;
    const waiting = this.timer !== null && !this.closed;
    this.disposed = true;
    if (waiting) void this.saveNow();
  }

  private async finish(): Promise<void> {
    this.closed = true;
    this.clearTimer();
    deleteDraft(this.key);
    await this.running;
    const id = this.serverId;
    this.serverId = null;
    if (id !== null) await deleteServerDraft(this.api, id);
  }

  private local(draft: Draft, synced: boolean): Draft {
    return {
      ...draft,
      ...(this.serverId !== null ? { serverId: this.serverId, serverVersion: this.version } : {}),
      synced,
    };
  }

  private setStatus(status: DraftSyncStatus): void {
    this.status = status;
    this.onStatus?.(status);
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(ms: number): void {
    this.clearTimer();
    if (this.disposed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.saveNow();
    }, ms);
  }

  private async run(): Promise<void> {
    let conflicts = 0;
    while (!this.closed && this.latest && this.revision !== this.savedRevision && this.revision !== this.refusedRevision) {
      const revision = this.revision;
      const draft = this.latest;
      this.setStatus({ state: 'saving' });
      try {
        const created = this.serverId === null;
        const saved = await this.push(draft);
        this.serverId = saved.draftId;
        this.version = saved.version;
        this.savedRevision = revision;
        this.failures = 0;
        if (created) announceDraftsChanged();
        if (this.closed) return;
        const unchanged = revision === this.revision;
        saveDraft(this.key, this.local(this.latest ?? draft, unchanged));
        if (unchanged) this.setStatus({ state: 'saved', at: this.now().toISOString() });
      } catch (error) {
        const outcome = await this.recover(error);
        if (outcome === 'again' && ++conflicts <= MAX_CONFLICTS) continue;
        const at = this.latest?.savedAt ?? this.now().toISOString();
        if (outcome === 'offline') {
          this.setStatus({ state: 'local', at, why: 'offline' });
          if (!this.closed) this.schedule(this.retryMs[Math.min(this.failures, this.retryMs.length - 1)] ?? 60_000);
          this.failures += 1;
        } else {
          this.refusedRevision = revision;
          this.setStatus({ state: 'local', at, why: 'refused' });
        }
        return;
      }
    }
  }

  private async push(draft: Draft): Promise<ServerDraft> {
    const content = serverContent(draft);
    if (this.serverId === null) {
      const where = this.target.kind === 'new'
        ? { kind: 'new', mailboxId: this.target.mailboxId }
        : { kind: this.target.kind, conversationId: this.target.conversationId, ...(this.target.messageKey ? { messageKey: this.target.messageKey } : {}) };
      return (await this.api.send<{ draft: ServerDraft }>('POST', '/api/drafts', { ...where, ...content })).draft;
    }
    const path = `/api/drafts/${encodeURIComponent(this.serverId)}`;
    return (await this.api.send<{ draft: ServerDraft }>('PUT', path, { expectedVersion: this.version, ...content })).draft;
  }

  /** After a failed save: `again` once the version or the draft to save to is known anew. */
  private async recover(error: unknown): Promise<'again' | 'offline' | 'refused'> {
    const { status, current } = failureOf(error);
    if (unreachable(status)) return 'offline';
    if (this.serverId === null) return 'refused';
    if (status === 404) {
      // Discarded on another device: this text is still wanted here.
      this.serverId = null;
      return 'again';
    }
    if (status !== 409) return 'refused';
    const latest = current ?? await this.api.get<{ draft: ServerDraft }>(`/api/drafts/${encodeURIComponent(this.serverId)}`).then(
      (answer) => answer.draft,
      (failure: unknown) => (failureOf(failure).status === 404 ? null : undefined),
    );
    if (latest === undefined) return 'offline';
    if (latest === null || latest.status !== 'draft') this.serverId = null;
    else this.version = latest.version;
    return 'again';
  }
}
