/**
 * Drafts in localStorage, one per mailbox (new message) or per conversation and kind (reply,
 * reply-all, forward), so nothing typed is lost on an error, a reload or a closed tab. The copy on
 * the server (another device, the Drafts list) is kept by `draft-sync.ts`; each local copy names
 * its server twin.
 *
 * No DOM types here: the storage is reached through `globalThis`, so Node-side unit tests use
 * this module with a stand-in storage.
 */

/** The part of `Storage` used here. */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

function store(): KeyValueStore {
  const found = (globalThis as { localStorage?: KeyValueStore }).localStorage;
  if (!found) throw new Error('no storage');
  return found;
}

/** An upload named in a draft: `uploadKey` for the API, the rest to show it again. */
export interface DraftAttachment {
  uploadKey: string;
  filename: string;
  size: number;
  contentType: string;
  inline?: boolean;
  contentId?: string;
}

export interface Draft {
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  html: string;
  importance: 'high' | 'normal' | 'low';
  requestReadReceipt: boolean;
  /** Absent in drafts kept before the option existed. */
  requestDeliveryReceipt?: boolean;
  /** Files uploaded for this message (attachments, and inline images shown in the body). */
  attachments?: DraftAttachment[];
  /** Documents of a case attached by reference. */
  caseDocuments?: { caseId: string; documentId: string; filename?: string }[];
  /** `datetime-local` value, empty when sent at once. */
  sendAt: string;
  savedAt: string;
  /** The draft on the server holding this text, once created. */
  serverId?: string;
  /** The server draft's version this copy was saved over (sent back as `expectedVersion`). */
  serverVersion?: number;
  /** True when the server has this very text; false or absent: saved on this device only. */
  synced?: boolean;
}

const PREFIX = 'mailroom.draft.';

export function loadDraft(key: string): Draft | null {
  try {
    const raw = store().getItem(PREFIX + key);
    return raw === null ? null : (JSON.parse(raw) as Draft);
  } catch {
    return null;
  }
}

export function saveDraft(key: string, draft: Draft): boolean {
  try {
    store().setItem(PREFIX + key, JSON.stringify(draft));
    return true;
  } catch {
    return false;
  }
}

export function deleteDraft(key: string): void {
  try {
    store().removeItem(PREFIX + key);
  } catch {
    // storage disabled: nothing was kept
  }
}

/** Dispatched on `window` when the user's server drafts changed (one created, discarded or sent). */
export const DRAFTS_CHANGED_EVENT = 'mailroom:drafts-changed';

export function announceDraftsChanged(): void {
  const target = globalThis as { dispatchEvent?: (event: Event) => boolean };
  target.dispatchEvent?.(new Event(DRAFTS_CHANGED_EVENT));
}

const DISCARDS = 'mailroom.draft-discards';

/**
 * Server drafts discarded (or sent) while the API could not be reached: deleted on a later
 * attempt, and left out of the Drafts list meanwhile.
 */
export function pendingDiscards(): string[] {
  try {
    const raw = store().getItem(DISCARDS);
    const ids: unknown = raw === null ? [] : JSON.parse(raw);
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

export function rememberDiscard(draftId: string): void {
  const ids = pendingDiscards().filter((id) => id !== draftId);
  try {
    store().setItem(DISCARDS, JSON.stringify([...ids, draftId].slice(-50)));
  } catch {
    // storage disabled: the draft stays on the server, listed under Drafts
  }
}

export function forgetDiscard(draftId: string): void {
  const ids = pendingDiscards();
  if (!ids.includes(draftId)) return;
  try {
    store().setItem(DISCARDS, JSON.stringify(ids.filter((id) => id !== draftId)));
  } catch {
    // storage disabled: nothing was kept
  }
}
