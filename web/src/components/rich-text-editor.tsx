/**
 * The message body: a contenteditable region with a small formatting toolbar (bold, italic,
 * bulleted and numbered lists, link) that can be hidden. Formatting goes through
 * `document.execCommand`, still the only editing API every browser implements for
 * contenteditable; the API sanitises the HTML before it is stored or sent. The toolbar follows
 * the WAI-ARIA toolbar pattern; toggle buttons report their state with `aria-pressed`.
 */
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';

type Command = 'bold' | 'italic' | 'insertUnorderedList' | 'insertOrderedList' | 'createLink';

/** A chain link, drawn: emoji fonts are not installed everywhere. */
const LINK_ICON = (
  <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
    <path d="M10 13a5 5 0 0 0 7.07 0l3-3a5 5 0 0 0-7.07-7.07l-1.5 1.5" />
    <path d="M14 11a5 5 0 0 0-7.07 0l-3 3a5 5 0 0 0 7.07 7.07l1.5-1.5" />
  </svg>
);

const BUTTONS: { command: Command; label: MessageKey; glyph: string | JSX.Element; toggle: boolean }[] = [
  { command: 'bold', label: 'editor.bold', glyph: 'B', toggle: true },
  { command: 'italic', label: 'editor.italic', glyph: 'I', toggle: true },
  { command: 'insertUnorderedList', label: 'editor.bulletList', glyph: '•', toggle: true },
  { command: 'insertOrderedList', label: 'editor.numberedList', glyph: '1.', toggle: true },
  { command: 'createLink', label: 'editor.link', glyph: LINK_ICON, toggle: false },
];

export interface RichTextEditorProps {
  id: string;
  label: string;
  /** Initial HTML (a draft); later changes come from the user only. */
  initialHtml: string;
  onChange: (html: string, text: string) => void;
  error?: string | null;
}

export function RichTextEditor(props: RichTextEditorProps) {
  const { t } = useI18n();
  const editor = useRef<HTMLDivElement>(null);
  const [toolbarShown, setToolbarShown] = useState(true);
  const [pressed, setPressed] = useState<Partial<Record<Command, boolean>>>({});

  useEffect(() => {
    if (editor.current) editor.current.innerHTML = props.initialHtml;
  }, []);

  useEffect(() => {
    const update = (): void => {
      const selection = document.getSelection();
      if (!editor.current || !selection || !editor.current.contains(selection.anchorNode)) return;
      const next: Partial<Record<Command, boolean>> = {};
      for (const button of BUTTONS) if (button.toggle) next[button.command] = document.queryCommandState(button.command);
      setPressed(next);
    };
    document.addEventListener('selectionchange', update);
    return () => document.removeEventListener('selectionchange', update);
  }, []);

  const changed = (): void => {
    const element = editor.current;
    if (element) props.onChange(element.innerHTML, element.innerText);
  };

  const run = (command: Command): void => {
    editor.current?.focus();
    if (command === 'createLink') {
      const url = prompt(t('editor.linkPrompt'), 'https://');
      if (!url || !/^(https?:|mailto:)/i.test(url.trim())) return;
      document.execCommand('createLink', false, url.trim());
    } else {
      document.execCommand(command);
    }
    setPressed((p) => ({ ...p, [command]: document.queryCommandState(command) }));
    changed();
  };

  /** Arrow keys move between toolbar buttons (one tab stop for the toolbar). */
  const onToolbarKey = (event: KeyboardEvent): void => {
    if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
    const buttons = [...(event.currentTarget as HTMLElement).querySelectorAll('button')];
    const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const next = buttons[(index + (event.key === 'ArrowRight' ? 1 : buttons.length - 1)) % buttons.length];
    next?.focus();
    event.preventDefault();
  };

  return (
    <div class="editor">
      <div class="editor__head">
        <span class="editor__label" id={`${props.id}-label`}>{props.label}</span>
        <button type="button" class="button button--ghost button--small" aria-expanded={toolbarShown} aria-controls={`${props.id}-toolbar`} onClick={() => setToolbarShown((s) => !s)}>
          {toolbarShown ? t('editor.hideToolbar') : t('editor.showToolbar')}
        </button>
      </div>
      <div id={`${props.id}-toolbar`} class="editor__toolbar" role="toolbar" aria-label={t('editor.toolbar')} aria-controls={props.id} hidden={!toolbarShown} onKeyDown={onToolbarKey}>
        {BUTTONS.map((button, index) => (
          <button
            key={button.command}
            type="button"
            class={`editor__button editor__button--${button.command}`}
            aria-label={t(button.label)}
            title={t(button.label)}
            aria-pressed={button.toggle ? Boolean(pressed[button.command]) : undefined}
            tabIndex={index === 0 ? 0 : -1}
            onMouseDown={(event) => event.preventDefault()}
            onClick={() => run(button.command)}
          >
            <span aria-hidden="true">{button.glyph}</span>
          </button>
        ))}
      </div>
      <div
        id={props.id}
        ref={editor}
        class="editor__area"
        contentEditable
        role="textbox"
        aria-multiline="true"
        aria-labelledby={`${props.id}-label`}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? `${props.id}-error` : undefined}
        onInput={changed}
      />
      {props.error ? <p class="field-error" id={`${props.id}-error`} role="alert">{props.error}</p> : null}
    </div>
  );
}
