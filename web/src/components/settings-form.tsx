/**
 * What every settings form shares: the API's field errors (`errors[].field`, e.g.
 * `body.addresses[0]`) put in plain words next to the control they name, and one note for what no
 * control on the form claims. Forms keep what was typed on an error; only a success replaces it.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { useI18n, type I18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';
import { describeError, type PlainError } from '../lib/errors';
import { ErrorNote } from './error-note';

/** The API's message for each field it refused, by path. */
export function fieldErrorsOf(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError) || error.status !== 400) return {};
  const out: Record<string, string> = {};
  for (const e of error.problem?.errors ?? []) out[e.field] ??= e.message;
  return out;
}

/** A field error in the user's language; the API's English words stay underneath. */
export function plainFieldError(field: string, message: string, i18n: I18n): string {
  const m = message.toLowerCase();
  let key: MessageKey = 'settings.err.invalid';
  if (/merge field/.test(m)) key = 'settings.err.mergeField';
  else if (/lower-case letters/.test(m)) key = 'settings.err.slug';
  else if (/not one of the organisation's domains/.test(m)) key = 'settings.err.domain';
  else if (/plus addresses/.test(m)) key = 'settings.err.plus';
  else if (/unknown user/.test(m)) key = 'settings.err.unknownUser';
  else if (/email/.test(m)) key = 'settings.err.email';
  else if (/needs a subject/.test(m)) key = 'settings.err.required';
  else if (/too big/.test(m)) {
    const max = /<=\s*(\d+)/.exec(m)?.[1];
    if (max !== undefined) return i18n.t(/string/.test(m) ? 'settings.err.maxLength' : 'settings.err.max', { max: i18n.formatNumber(Number(max)) });
    key = 'settings.err.tooBig';
  } else if (/too small/.test(m)) {
    if (/string/.test(m)) key = 'settings.err.required';
    else {
      const min = />=\s*(\d+)/.exec(m)?.[1];
      if (min !== undefined) return i18n.t('settings.err.min', { min: i18n.formatNumber(Number(min)) });
      key = 'settings.err.tooSmall';
    }
  } else if (/expected number|expected int|nan/.test(m)) key = 'settings.err.number';
  else if (/twice|duplicate|already/.test(m)) key = 'settings.err.duplicate';
  else if (/colou?r/.test(m)) key = 'settings.err.color';
  else if (/shorter than/.test(m)) key = 'settings.err.maxDelay';
  else if (/^body\.labelRules\[\d+\]\.label$/.test(field)) key = 'settings.err.unknownLabel';
  return i18n.t(key);
}

export interface FormErrors {
  error: unknown;
  set: (error: unknown) => void;
  clear: () => void;
  /** The plain-words error for a field path, or null. */
  of: (field: string) => string | null;
  /** The API's own words for a field path. */
  raw: (field: string) => string | null;
}

export function useFormErrors(): FormErrors {
  const i18n = useI18n();
  const [error, setError] = useState<unknown>(null);
  const fields = fieldErrorsOf(error);
  return {
    error,
    set: setError,
    clear: () => setError(null),
    of: (field) => (fields[field] !== undefined ? plainFieldError(field, fields[field], i18n) : null),
    raw: (field) => fields[field] ?? null,
  };
}

/** The error under a control: plain words, then the API's words. `id` is what the control's aria-describedby names. */
export function FieldError(props: { id: string; errors: FormErrors; field: string }) {
  const text = props.errors.of(props.field);
  if (text === null) return null;
  return (
    <p class="field-error" id={props.id} role="alert">
      {text}
      <span class="field-error__detail"> ({props.errors.raw(props.field)})</span>
    </p>
  );
}

/** Props that tie a control to its error. */
export function invalid(errors: FormErrors, field: string, errorId: string) {
  return errors.of(field) !== null ? { 'aria-invalid': true as const, 'aria-describedby': errorId } : {};
}

/**
 * The form-level note: every error that is not a 400 on a field this form shows (`shown`), such
 * as a 409 or a network failure, in plain words; `special` may word a known refusal better.
 */
export function FormError(props: { errors: FormErrors; shown: RegExp; title?: string; special?: (error: ApiError) => PlainError | null }) {
  const i18n = useI18n();
  const { error } = props.errors;
  if (error === null || error === undefined) return null;
  const fields = Object.keys(fieldErrorsOf(error));
  if (fields.length > 0 && fields.every((f) => props.shown.test(f))) {
    return <p class="field-error settings__summary" role="status">{i18n.t('settings.fixFields')}</p>;
  }
  const special = error instanceof ApiError && props.special ? props.special(error) : null;
  return <ErrorNote class="error-note--inline" title={props.title} error={special ?? describeError(error, i18n)} />;
}

/** A labelled text-like input with its field error. */
export function TextField(props: {
  id: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  errors?: FormErrors;
  field?: string;
  type?: 'text' | 'number' | 'email';
  hint?: string;
  required?: boolean;
  disabled?: boolean;
  children?: ComponentChildren;
}) {
  const errorId = `${props.id}-error`;
  const hintId = props.hint ? `${props.id}-hint` : undefined;
  const bad = props.errors && props.field ? invalid(props.errors, props.field, errorId) : {};
  const describedBy = [hintId, 'aria-describedby' in bad ? errorId : undefined].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        type="text"
        inputMode={props.type === 'number' ? 'numeric' : props.type === 'email' ? 'email' : undefined}
        value={props.value}
        required={props.required}
        disabled={props.disabled}
        aria-invalid={'aria-invalid' in bad ? true : undefined}
        aria-describedby={describedBy}
        onInput={(event) => props.onInput((event.currentTarget as HTMLInputElement).value)}
      />
      {props.hint ? <span class="hint" id={hintId}>{props.hint}</span> : null}
      {props.errors && props.field ? <FieldError id={errorId} errors={props.errors} field={props.field} /> : null}
      {props.children}
    </div>
  );
}

/** A number field's text as the API wants it: a number, null when empty, or the text itself so the API names the field. */
export function numberOrNull(text: string): number | null | string {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}

/** A short-lived confirmation after a save ("Saved"), announced politely. */
export function Saved(props: { show: boolean; text?: string }) {
  const { t } = useI18n();
  return <span class="settings__saved" role="status">{props.show ? props.text ?? t('settings.saved') : ''}</span>;
}
