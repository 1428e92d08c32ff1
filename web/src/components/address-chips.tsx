/**
 * To, Cc or Bcc as a list of chips: Enter, a comma, a semicolon or leaving the field turns what
 * was typed into a chip; Backspace in the empty field edits the last one. A chip the browser or
 * the API refused says why right next to it (`aria-describedby`), in plain words; so does a warning
 * that does not stop the send (an address that bounced before).
 */
import { useState } from 'preact/hooks';
import { useI18n } from '../i18n/i18n';
import { looksLikeAddress, parseAddress, splitAddresses, type Chip } from '../lib/addresses';
import { contactsApi, suggestionText } from '../lib/contacts';
import { useContactCombobox } from './contact-combobox';

export function makeChip(text: string, invalidMessage: (text: string) => string): Chip {
  const { address, name } = parseAddress(text);
  return { text: text.trim(), address, name, error: looksLikeAddress(address) ? null : invalidMessage(text.trim()) };
}

export interface AddressChipsProps {
  id: string;
  label: string;
  chips: Chip[];
  onChange: (chips: Chip[]) => void;
  /** A refusal that names the field but no chip (e.g. "a forward needs at least one recipient"). */
  fieldError?: string | null;
  /** Text not yet turned into a chip, so the composer can take it in before sending. */
  pending: string;
  onPending: (text: string) => void;
  /** Warnings that do not stop the send (a recipient that bounced before), by lower-cased address. */
  warnings?: ReadonlyMap<string, string>;
}

export function AddressChips(props: AddressChipsProps) {
  const { t } = useI18n();
  const [focused, setFocused] = useState(false);
  const invalid = (text: string): string => t('composer.addressInvalid', { address: text });

  const commit = (): void => {
    const parts = splitAddresses(props.pending);
    if (parts.length > 0) props.onChange([...props.chips, ...parts.map((p) => makeChip(p, invalid))]);
    props.onPending('');
  };
  const remove = (index: number): void => props.onChange(props.chips.filter((_, i) => i !== index));
  const suggestions = useContactCombobox({
    id: props.id, api: contactsApi(), query: props.pending, label: t('contacts.suggestions', { field: props.label }),
    onPick: (picked) => {
      props.onChange([...props.chips, makeChip(suggestionText(picked), invalid)]);
      props.onPending('');
    },
  });

  return (
    <div class={`chips-field${focused ? ' chips-field--focused' : ''}`}>
      <label class="chips-field__label" for={props.id}>{props.label}</label>
      <div class="chips-field__box">
        <ul class="chips" aria-label={t('composer.recipientsOf', { field: props.label })}>
          {props.chips.map((chip, index) => {
            const errorId = `${props.id}-chip-${index}-error`;
            const warningId = `${props.id}-chip-${index}-warning`;
            const warning = chip.error ? undefined : props.warnings?.get(chip.address.toLowerCase());
            return (
              <li key={`${index}-${chip.text}`} class={`chip${chip.error ? ' chip--invalid' : warning ? ' chip--warning' : ''}`} data-address={chip.address}>
                <span class="chip__text" aria-describedby={chip.error ? errorId : warning ? warningId : undefined}>
                  {chip.error || warning ? <span aria-hidden="true">⚠ </span> : null}
                  {chip.text}
                </span>
                <button type="button" class="chip__remove" aria-label={t('composer.removeAddress', { address: chip.text })} onClick={() => remove(index)}>
                  ×
                </button>
                {chip.error ? <span class="chip__error" id={errorId} role="alert">{chip.error}</span> : null}
                {warning ? <span class="chip__warning" id={warningId} role="status">{warning}</span> : null}
              </li>
            );
          })}
        </ul>
        <input
          id={props.id}
          class="chips-field__input"
          type="text"
          inputMode="email"
          autoComplete="email"
          spellcheck={false}
          value={props.pending}
          aria-invalid={props.chips.some((c) => c.error !== null) || Boolean(props.fieldError)}
          aria-describedby={props.fieldError ? `${props.id}-error` : `${props.id}-hint`}
          {...suggestions.inputProps}
          onInput={(event) => {
            const value = (event.currentTarget as HTMLInputElement).value;
            if (/[,;]/.test(value)) {
              const parts = splitAddresses(value);
              props.onChange([...props.chips, ...parts.map((p) => makeChip(p, invalid))]);
              props.onPending('');
            } else {
              props.onPending(value);
            }
          }}
          onKeyDown={(event) => {
            if (suggestions.onKeyDown(event)) return;
            if (event.key === 'Enter' && !event.ctrlKey && !event.metaKey) {
              event.preventDefault();
              commit();
            } else if (event.key === 'Backspace' && props.pending === '' && props.chips.length > 0) {
              const last = props.chips[props.chips.length - 1]!;
              event.preventDefault();
              props.onChange(props.chips.slice(0, -1));
              props.onPending(last.text);
            }
          }}
          onFocus={() => setFocused(true)}
          onBlur={() => {
            setFocused(false);
            commit();
          }}
        />
        {suggestions.listbox}
      </div>
      <span id={`${props.id}-hint`} class="visually-hidden">{t('composer.addressHint')}</span>
      {props.fieldError ? <p class="field-error" id={`${props.id}-error`} role="alert">{props.fieldError}</p> : null}
    </div>
  );
}
