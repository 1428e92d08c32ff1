/**
 * A conversation's manual labels: each with its own remove button, and a field to add one,
 * suggesting the mailbox's defined labels to every member (their names come with the caller's
 * mailboxes, GET /api/mailboxes). Any other text is a label too: the API takes free labels and
 * keeps them on the conversation only.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ActionPanel } from './action-panel';
import { useI18n } from '../i18n/i18n';

/** The API's limit (shared/workflow/rules.ts, MAX_LABEL_LENGTH). */
const MAX_LABEL_LENGTH = 64;

/** As the API compares labels (shared/workflow/rules.ts, `normalizeLabel`). */
export function normalizeLabel(label: string): string {
  return label.normalize('NFC').trim().replace(/\s+/g, ' ');
}

export interface LabelEditorProps {
  id: string;
  labels: string[];
  /** The names of the mailbox's defined labels (empty until known). */
  suggestions: string[];
  busy: boolean;
  onAdd: (label: string) => void;
  onRemove: (label: string) => void;
  onClose: () => void;
}

export function LabelEditor(props: LabelEditorProps) {
  const { t } = useI18n();
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const offered = props.suggestions.filter((s) => !props.labels.includes(s));

  useEffect(() => {
    input.current?.focus();
  }, []);

  return (
    <ActionPanel id={props.id} class="label-editor" title={t('labels.title')} onClose={props.onClose}>
      {props.labels.length > 0 ? (
        <ul class="label-editor__list">
          {props.labels.map((label) => (
            <li key={label} class="label-editor__item">
              <span class="badge badge--label">{label}</span>
              <button
                type="button"
                class="button button--small button--ghost label-editor__remove"
                disabled={props.busy}
                aria-label={t('labels.remove', { label })}
                title={t('labels.remove', { label })}
                onClick={() => {
                  // The button goes with its label: the focus stays in the editor.
                  input.current?.focus();
                  props.onRemove(label);
                }}
              >
                <span aria-hidden="true">×</span>
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">{t('conversation.noLabels')}</p>
      )}
      <form
        class="label-editor__add"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          const label = normalizeLabel(value);
          if (label === '') {
            setError(t('labels.empty'));
            return;
          }
          if (props.labels.includes(label)) {
            setError(t('labels.already', { label }));
            return;
          }
          setError(null);
          setValue('');
          props.onAdd(label);
        }}
      >
        <label for={`${props.id}-input`}>{t('labels.add')}</label>
        <input
          id={`${props.id}-input`}
          ref={input}
          type="text"
          maxLength={MAX_LABEL_LENGTH}
          list={offered.length > 0 ? `${props.id}-options` : undefined}
          value={value}
          aria-invalid={error !== null}
          aria-describedby={error !== null ? `${props.id}-error` : undefined}
          onInput={(event) => {
            setValue(event.currentTarget.value);
            setError(null);
          }}
        />
        {offered.length > 0 ? (
          <datalist id={`${props.id}-options`}>
            {offered.map((s) => <option key={s} value={s} />)}
          </datalist>
        ) : null}
        <button type="submit" class="button button--small" disabled={props.busy}>{t('labels.addSubmit')}</button>
        {error !== null ? <p id={`${props.id}-error`} class="field-error label-editor__error" role="alert">{error}</p> : null}
      </form>
      <div class="schedule__footer">
        <button type="button" class="button button--small button--ghost" onClick={props.onClose}>{t('app.close')}</button>
      </div>
    </ActionPanel>
  );
}
