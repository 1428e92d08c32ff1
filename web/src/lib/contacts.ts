/**
 * The address book as the app uses it: autocomplete suggestions (`GET /api/contacts?q=`) for the
 * composer's address fields and for identifying a conversation's sender. The composer's fields
 * have no API client of their own, so the shell registers the signed-in one here.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import type { ContactSuggestion } from './contact-types';

export type { Contact, ContactSuggestion } from './contact-types';

/** Wait after the last keystroke before asking, so typing a name costs one request, not one per letter. */
export const SUGGEST_DELAY_MS = 200;
const SUGGEST_LIMIT = 8;

let registered: ApiClient | null = null;

/** Called by the shell once signed in; null when signed out (no suggestions then). */
export function registerContactsApi(api: ApiClient | null): void {
  registered = api;
}

export function contactsApi(): ApiClient | null {
  return registered;
}

/** `Name <address>`, or the address alone when the contact has no name. */
export function suggestionText(suggestion: ContactSuggestion): string {
  return suggestion.fullName ? `${suggestion.fullName} <${suggestion.email}>` : suggestion.email;
}

/**
 * Suggestions for what is typed, debounced; earlier answers arriving late are dropped. A failed
 * request just shows no suggestions: free addresses are always allowed.
 */
export function useContactSuggestions(api: ApiClient | null, query: string): ContactSuggestion[] {
  const [items, setItems] = useState<ContactSuggestion[]>([]);
  const q = query.trim();
  useEffect(() => {
    if (api === null || q === '') {
      setItems([]);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api.get<{ items: ContactSuggestion[] }>(`/api/contacts?q=${encodeURIComponent(q)}&limit=${SUGGEST_LIMIT}`, { signal: controller.signal }).then(
        (page) => {
          if (!controller.signal.aborted) setItems(page.items.filter((item) => typeof item.email === 'string'));
        },
        () => {
          if (!controller.signal.aborted) setItems([]);
        },
      );
    }, SUGGEST_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [api, q]);
  return items;
}
