/**
 * Settings of a mailbox: its templates (by folder, draft or published, edited with the message
 * editor and a panel of the merge fields the API accepts) and its signatures (at most three: the
 * API refuses a fourth, and its words are shown).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import { useI18n } from '../i18n/i18n';
import { describeError } from '../lib/errors';
import { ErrorNote } from './error-note';
import { RichTextEditor } from './rich-text-editor';
import { FormError, Saved, TextField, useFormErrors } from './settings-form';

interface Template {
  templateId: string;
  folder: string;
  state: 'draft' | 'published';
  name: string;
  title: string;
  type: 'email' | 'sms';
  subject: string;
  body: string;
  version: number;
  updatedAt: string;
}
interface MergeField { field: string; description: string }
interface Signature { signatureId: string; name: string; html: string; version: number }

type Draft = Pick<Template, 'folder' | 'title' | 'name' | 'subject' | 'body'>;
const EMPTY: Draft = { folder: '', title: '', name: '', subject: '', body: '' };

export function TemplatesSection(props: { api: ApiClient; mailboxId: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const base = `/api/mailboxes/${encodeURIComponent(props.mailboxId)}/templates`;
  const [items, setItems] = useState<Template[] | null>(null);
  const [mergeFields, setMergeFields] = useState<MergeField[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<string | 'new' | null>(null);
  /** Changes when the user opens another template, not when a new one is saved (its form and confirmation stay). */
  const [opened, setOpened] = useState(0);
  const openEditor = (which: string | 'new'): void => {
    setEditing(which);
    setOpened((n) => n + 1);
  };

  const load = async (): Promise<void> => {
    try {
      const list = await props.api.get<{ items: Template[]; mergeFields: MergeField[] }>(base);
      setItems(list.items);
      setMergeFields(list.mergeFields);
      setError(null);
    } catch (failure) {
      setError(failure);
    }
  };
  useEffect(() => {
    void load();
  }, [props.mailboxId]);

  const folders = new Map<string, Template[]>();
  for (const item of items ?? []) folders.set(item.folder, [...(folders.get(item.folder) ?? []), item]);
  const open = editing === 'new' ? null : items?.find((i) => i.templateId === editing) ?? null;

  return (
    <section class="settings__section" aria-labelledby="settings-templates-heading">
      <div class="settings__head">
        <h2 id="settings-templates-heading">{t('settings.templates.heading')}</h2>
        <button type="button" class="button button--small" onClick={() => openEditor('new')}>{t('settings.templates.new')}</button>
      </div>
      {error !== null ? <ErrorNote title={t('settings.loadFailed')} error={describeError(error, i18n)} onRetry={() => void load()} /> : null}
      {items === null ? null : items.length === 0 ? <p class="muted">{t('settings.templates.empty')}</p> : (
        [...folders.entries()].map(([folder, list]) => (
          <div class="settings__folder" key={folder}>
            <h3>{folder === '' ? t('settings.templates.noFolder') : folder}</h3>
            <ul class="settings__list">
              {list.map((item) => (
                <li class="settings__item" key={item.templateId}>
                  <span class="settings__item-name">{item.title}</span>
                  <span class="muted"> {item.name}</span>
                  <span class={`badge ${item.state === 'published' ? 'badge--assigned' : 'badge--todo'}`}>{t(item.state === 'published' ? 'settings.templates.published' : 'settings.templates.draft')}</span>
                  <button type="button" class="button button--small button--ghost" aria-label={t('settings.templates.editLabel', { title: item.title })} onClick={() => openEditor(item.templateId)}>
                    {t('settings.edit')}
                  </button>
                </li>
              ))}
            </ul>
          </div>
        ))
      )}
      {editing !== null && (editing === 'new' || open) ? (
        <TemplateEditor
          key={opened}
          api={props.api}
          base={base}
          template={open}
          mergeFields={mergeFields}
          onClose={() => setEditing(null)}
          onSaved={(saved) => {
            setItems((list) => [...(list ?? []).filter((i) => i.templateId !== saved.templateId), saved].sort((a, b) => a.folder.localeCompare(b.folder) || a.title.localeCompare(b.title)));
            setEditing(saved.templateId);
          }}
        />
      ) : null}
    </section>
  );
}

function TemplateEditor(props: {
  api: ApiClient;
  base: string;
  template: Template | null;
  mergeFields: MergeField[];
  onSaved: (template: Template) => void;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const { template } = props;
  const errors = useFormErrors();
  const [draft, setDraft] = useState<Draft>(template ? { folder: template.folder, title: template.title, name: template.name, subject: template.subject, body: template.body } : EMPTY);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const [bodyKey, setBodyKey] = useState(0);
  const lastField = useRef<'subject' | 'body'>('body');
  const bodyRange = useRef<Range | null>(null);
  const id = `template-${template?.templateId ?? 'new'}`;
  const bodyId = `${id}-body`;

  useEffect(() => {
    const keep = (): void => {
      const selection = document.getSelection();
      const element = document.getElementById(bodyId);
      if (selection && selection.rangeCount > 0 && element && element.contains(selection.anchorNode)) bodyRange.current = selection.getRangeAt(0).cloneRange();
    };
    document.addEventListener('selectionchange', keep);
    return () => document.removeEventListener('selectionchange', keep);
  }, [bodyId]);

  const set = (change: Partial<Draft>): void => setDraft((d) => ({ ...d, ...change }));

  /** Inserts `{{field}}` where the caret was in the subject or the body, whichever was used last. */
  const insert = (field: string): void => {
    const token = `{{${field}}}`;
    if (lastField.current === 'subject') {
      const input = document.getElementById(`${id}-subject`) as HTMLInputElement | null;
      const start = input?.selectionStart ?? draft.subject.length;
      const end = input?.selectionEnd ?? start;
      const next = draft.subject.slice(0, start) + token + draft.subject.slice(end);
      set({ subject: next });
      requestAnimationFrame(() => { input?.focus(); input?.setSelectionRange(start + token.length, start + token.length); });
      return;
    }
    const element = document.getElementById(bodyId);
    if (!element) return;
    element.focus();
    const selection = document.getSelection();
    if (selection) {
      selection.removeAllRanges();
      if (bodyRange.current && element.contains(bodyRange.current.startContainer)) selection.addRange(bodyRange.current);
      else {
        const range = document.createRange();
        range.selectNodeContents(element);
        range.collapse(false);
        selection.addRange(range);
      }
    }
    document.execCommand('insertText', false, token);
  };

  const save = async (state: 'draft' | 'published'): Promise<void> => {
    setBusy(true);
    setSaved(null);
    try {
      const body = { folder: draft.folder, title: draft.title, name: draft.name, subject: draft.subject, body: draft.body, state };
      const result = template
        ? await props.api.send<{ template: Template }>('PATCH', `${props.base}/${encodeURIComponent(template.templateId)}`, { ...body, expectedVersion: template.version })
        : await props.api.send<{ template: Template }>('POST', props.base, { ...body, type: 'email' });
      errors.clear();
      setSaved(t(state === 'published' ? 'settings.templates.publishedNow' : 'settings.templates.savedDraft'));
      props.onSaved(result.template);
    } catch (failure) {
      errors.set(failure);
    } finally {
      setBusy(false);
    }
  };
  const remove = async (): Promise<void> => {
    if (!template || !confirm(t('settings.confirmDelete', { name: template.title }))) return;
    try {
      await props.api.send('DELETE', `${props.base}/${encodeURIComponent(template.templateId)}`);
      props.onClose();
    } catch (failure) {
      errors.set(failure);
    }
  };

  return (
    <form class="settings__form settings__template" noValidate aria-labelledby={`${id}-heading`} onSubmit={(e) => { e.preventDefault(); void save(template?.state ?? 'draft'); }}>
      <h3 id={`${id}-heading`}>{template ? t('settings.templates.editing', { title: template.title }) : t('settings.templates.new')}</h3>
      {template ? <p class="muted">{t(template.state === 'published' ? 'settings.templates.statePublished' : 'settings.templates.stateDraft')}</p> : null}
      <div class="settings__template-grid">
        <div class="settings__template-fields">
          <TextField id={`${id}-title`} label={t('settings.templates.title')} value={draft.title} onInput={(v) => set({ title: v })} errors={errors} field="body.title" />
          <TextField id={`${id}-name`} label={t('settings.templates.name')} hint={t('settings.templates.nameHint')} value={draft.name} onInput={(v) => set({ name: v })} errors={errors} field="body.name" />
          <TextField id={`${id}-folder`} label={t('settings.templates.folder')} hint={t('settings.templates.folderHint')} value={draft.folder} onInput={(v) => set({ folder: v })} errors={errors} field="body.folder" />
          <div onFocusCapture={() => { lastField.current = 'subject'; }}>
            <TextField id={`${id}-subject`} label={t('settings.templates.subject')} value={draft.subject} onInput={(v) => set({ subject: v })} errors={errors} field="body.subject" />
          </div>
          <div onFocusCapture={() => { lastField.current = 'body'; }}>
            <RichTextEditor key={bodyKey} id={bodyId} label={t('settings.templates.body')} initialHtml={draft.body} onChange={(html) => set({ body: html })} error={errors.of('body.body')} />
          </div>
        </div>
        <aside class="settings__merge" aria-labelledby={`${id}-merge`}>
          <h4 id={`${id}-merge`}>{t('settings.templates.mergeFields')}</h4>
          <p class="hint">{t('settings.templates.mergeHint')}</p>
          <ul>
            {props.mergeFields.map((m) => (
              <li key={m.field}>
                <button type="button" class="button button--small button--ghost" title={m.description} aria-label={t('settings.templates.insertField', { field: `{{${m.field}}}` })} onMouseDown={(e) => e.preventDefault()} onClick={() => insert(m.field)}>
                  <code>{`{{${m.field}}}`}</code>
                </button>
              </li>
            ))}
          </ul>
        </aside>
      </div>
      <FormError errors={errors} shown={/^body\.(title|name|folder|subject|body)$/} special={(error) => (error.status === 409 ? { message: t('settings.conflict'), detail: error.problem?.detail ?? null } : null)} />
      <div class="settings__buttons">
        <button type="button" class="button" disabled={busy} onClick={() => void save('draft')}>{t('settings.templates.saveDraft')}</button>
        <button type="button" class="button button--primary" disabled={busy} onClick={() => void save('published')}>{t('settings.templates.publish')}</button>
        {template ? <button type="button" class="button button--ghost" onClick={() => { setDraft({ folder: template.folder, title: template.title, name: template.name, subject: template.subject, body: template.body }); setBodyKey((k) => k + 1); errors.clear(); }}>{t('settings.templates.revert')}</button> : null}
        {template ? <button type="button" class="button button--danger button--small" onClick={() => void remove()}>{t('settings.delete')}</button> : null}
        <button type="button" class="button button--ghost" onClick={props.onClose}>{t('app.close')}</button>
        <Saved show={saved !== null} text={saved ?? undefined} />
      </div>
    </form>
  );
}

export function SignaturesSection(props: { api: ApiClient; mailboxId: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const base = `/api/mailboxes/${encodeURIComponent(props.mailboxId)}/signatures`;
  const [items, setItems] = useState<Signature[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [name, setName] = useState('');
  const [html, setHtml] = useState('');
  const [editorKey, setEditorKey] = useState(0);
  const [status, setStatus] = useState('');
  const [rowError, setRowError] = useState<Record<string, unknown>>({});
  const errors = useFormErrors();

  const load = async (): Promise<void> => {
    try {
      setItems((await props.api.get<{ items: Signature[] }>(base)).items);
      setLoadError(null);
    } catch (failure) {
      setLoadError(failure);
    }
  };
  useEffect(() => {
    void load();
  }, [props.mailboxId]);

  const add = async (event: Event): Promise<void> => {
    event.preventDefault();
    try {
      const { signature } = await props.api.send<{ signature: Signature }>('POST', base, { name, html });
      errors.clear();
      setItems((list) => [...(list ?? []), signature]);
      setStatus(t('settings.added', { name: signature.name }));
      setName('');
      setHtml('');
      setEditorKey((k) => k + 1);
    } catch (failure) {
      errors.set(failure);
    }
  };
  const remove = async (signature: Signature): Promise<void> => {
    if (!confirm(t('settings.confirmDelete', { name: signature.name }))) return;
    try {
      await props.api.send('DELETE', `${base}/${encodeURIComponent(signature.signatureId)}`);
      setItems((list) => list?.filter((s) => s.signatureId !== signature.signatureId) ?? null);
      setStatus(t('settings.deleted', { name: signature.name }));
    } catch (failure) {
      setRowError((r) => ({ ...r, [signature.signatureId]: failure }));
    }
  };

  return (
    <section class="settings__section" aria-labelledby="settings-signatures-heading">
      <h2 id="settings-signatures-heading">{t('settings.signatures.heading')}</h2>
      <p class="hint">{t('settings.signatures.intro')}</p>
      {loadError !== null ? <ErrorNote title={t('settings.loadFailed')} error={describeError(loadError, i18n)} onRetry={() => void load()} /> : null}
      {items === null ? null : items.length === 0 ? <p class="muted">{t('settings.none')}</p> : (
        <ul class="settings__list">
          {items.map((s) => (
            <li class="settings__item" key={s.signatureId}>
              <span class="settings__item-name">{s.name}</span>
              <button type="button" class="button button--small button--ghost" aria-label={t('settings.deleteLabel', { name: s.name })} onClick={() => void remove(s)}>{t('settings.delete')}</button>
              {rowError[s.signatureId] ? <ErrorNote class="error-note--inline" error={describeError(rowError[s.signatureId], i18n)} /> : null}
            </li>
          ))}
        </ul>
      )}
      <p class="visually-hidden" role="status">{status}</p>
      <form class="settings__form" noValidate aria-labelledby="settings-signature-new" onSubmit={(e) => void add(e)}>
        <h3 id="settings-signature-new">{t('settings.signatures.add')}</h3>
        <TextField id="signature-name" label={t('settings.signatures.name')} value={name} onInput={setName} errors={errors} field="body.name" />
        <RichTextEditor key={editorKey} id="signature-html" label={t('settings.signatures.html')} initialHtml={html} onChange={(value) => setHtml(value)} error={errors.of('body.html')} />
        <FormError
          errors={errors}
          shown={/^body\.(name|html)$/}
          special={(error) => (error.status === 409 ? { message: t('settings.signatures.limit'), detail: error.problem?.detail ?? null } : null)}
        />
        <div class="settings__buttons">
          <button type="submit" class="button button--primary">{t('settings.signatures.save')}</button>
        </div>
      </form>
    </section>
  );
}
