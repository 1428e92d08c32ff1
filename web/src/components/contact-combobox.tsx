/**
 * Contact suggestions under a text field, as an ARIA 1.2 combobox: the field keeps the focus,
 * arrow keys move through the listbox (`aria-activedescendant`), Enter picks, Escape closes, and
 * a click picks without the field losing its text first. What the user types stays free: with no
 * option active, Enter and leaving the field behave as they would without suggestions.
 */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import { useContactSuggestions, type ContactSuggestion } from '../lib/contacts';

export interface ContactCombobox {
  /** Spread on the `<input>` (after its own props). */
  inputProps: {
    role: 'combobox';
    'aria-expanded': boolean;
    'aria-controls': string;
    'aria-autocomplete': 'list';
    'aria-activedescendant': string | undefined;
  };
  /** Handles the listbox keys; true when the key was used (the field should ignore it). */
  onKeyDown: (event: KeyboardEvent) => boolean;
  listbox: JSX.Element | null;
  /** Hides the suggestions until the text changes (the field lost the focus). */
  close: () => void;
}

export function useContactCombobox(options: {
  id: string;
  api: ApiClient | null;
  query: string;
  label: string;
  onPick: (suggestion: ContactSuggestion) => void;
}): ContactCombobox {
  const items = useContactSuggestions(options.api, options.query);
  const [active, setActive] = useState(-1);
  const [dismissed, setDismissed] = useState(false);
  const listId = `${options.id}-suggestions`;
  const open = !dismissed && items.length > 0;

  useEffect(() => {
    setActive(-1);
    setDismissed(false);
  }, [items, options.query]);

  const pick = (item: ContactSuggestion): void => {
    setActive(-1);
    setDismissed(true);
    options.onPick(item);
  };

  const onKeyDown = (event: KeyboardEvent): boolean => {
    if (items.length === 0) return false;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      setDismissed(false);
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((current) => (!open || current < 0 ? (step > 0 ? 0 : items.length - 1) : (current + step + items.length) % items.length));
      return true;
    }
    if (!open) return false;
    if (event.key === 'Enter' && active >= 0 && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      pick(items[active]!);
      return true;
    }
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      setDismissed(true);
      return true;
    }
    return false;
  };

  const optionId = (index: number): string => `${options.id}-suggestion-${index}`;
  return {
    inputProps: {
      role: 'combobox',
      'aria-expanded': open,
      'aria-controls': listId,
      'aria-autocomplete': 'list',
      'aria-activedescendant': open && active >= 0 ? optionId(active) : undefined,
    },
    close: () => setDismissed(true),
    onKeyDown,
    listbox: (
      <ul id={listId} class="suggestions" role="listbox" aria-label={options.label} hidden={!open}>
        {open
          ? items.map((item, index) => (
              <li
                key={`${item.contactId}-${item.email}`}
                id={optionId(index)}
                role="option"
                aria-selected={index === active}
                class={`suggestion${index === active ? ' suggestion--active' : ''}`}
                onMouseDown={(event) => event.preventDefault()}
                onClick={() => pick(item)}
              >
                <span class="suggestion__name">{item.fullName || item.email}</span>
                {item.fullName ? <span class="suggestion__email">{item.email}</span> : null}
              </li>
            ))
          : null}
      </ul>
    ),
  };
}
