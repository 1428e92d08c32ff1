/**
 * Drafts in localStorage, one per mailbox (new message) or per conversation and kind (reply,
 * reply-all, forward), so nothing typed is lost on an error, a reload or a closed tab.
 */

export interface Draft {
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  html: string;
  importance: 'high' | 'normal' | 'low';
  requestReadReceipt: boolean;
  /** `datetime-local` value, empty when sent at once. */
  sendAt: string;
  savedAt: string;
}

const PREFIX = 'mailroom.draft.';

export function loadDraft(key: string): Draft | null {
  try {
    const raw = localStorage.getItem(PREFIX + key);
    return raw === null ? null : (JSON.parse(raw) as Draft);
  } catch {
    return null;
  }
}

export function saveDraft(key: string, draft: Draft): boolean {
  try {
    localStorage.setItem(PREFIX + key, JSON.stringify(draft));
    return true;
  } catch {
    return false;
  }
}

export function deleteDraft(key: string): void {
  try {
    localStorage.removeItem(PREFIX + key);
  } catch {
    // storage disabled: nothing was kept
  }
}
