/**
 * The composer's attachments: files the author uploads (a chip each, with its size, progress,
 * remove, and in plain words what went wrong with a retry), images shown in the text, and
 * documents of the conversation's case attached by reference. The upload steps live in
 * `lib/uploads.ts`; this file keeps their state and draws it.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import { useI18n, type I18n } from '../i18n/i18n';
import type { DraftAttachment } from '../lib/drafts';
import { describeError, type PlainError } from '../lib/errors';
import { checkFile, contentTypeOf, MAX_UPLOAD_BYTES, toUploadError, uploadFile, UploadError, type UploadLink } from '../lib/uploads';
import { ErrorNote } from './error-note';

export interface AttachmentItem {
  id: string;
  filename: string;
  size: number;
  contentType: string;
  /** Shown in the text rather than attached. */
  inline: boolean;
  state: 'uploading' | 'done' | 'failed';
  /** 0 to 1 while uploading. */
  progress: number;
  uploadKey: string | null;
  error: UploadError | null;
  /** Kept for a retry; null once restored from a draft (already uploaded). */
  file: File | null;
}

export type CaseDocumentRef = { caseId: string; documentId: string; filename?: string };

/** Reads a file as a `data:` URL, for the editor's preview of an inline image (the app's CSP allows no `blob:`). */
export function readAsDataUrl(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('The file could not be read'));
    reader.readAsDataURL(file);
  });
}

let sequence = 0;
const nextId = (): string => `att-${Date.now().toString(36)}-${(sequence += 1)}`;

function fromDraft(saved: DraftAttachment): AttachmentItem {
  return {
    id: nextId(), filename: saved.filename, size: saved.size, contentType: saved.contentType, inline: saved.inline === true,
    state: 'done', progress: 1, uploadKey: saved.uploadKey, error: null, file: null,
  };
}

export interface Attachments {
  items: AttachmentItem[];
  /** Uploads each file; resolves with the links of those that made it (null for the others). */
  add(files: File[], inline?: boolean): Promise<(UploadLink | null)[]>;
  retry(id: string): void;
  remove(id: string): void;
  /** Files still uploading. */
  uploading: number;
  /** Files that could not be uploaded (and are still listed). */
  failed: number;
  /** What a draft keeps: uploaded files only. */
  saved(): DraftAttachment[];
}

/** The attachments' state for one composer; `onChange` runs after each settled change (autosave). */
export function useAttachments(api: ApiClient, mailboxId: string, initial: DraftAttachment[] | undefined, onChange: () => void): Attachments {
  const [items, setItems] = useState<AttachmentItem[]>(() => (initial ?? []).map(fromDraft));
  const controllers = useRef(new Map<string, AbortController>());
  const current = useRef(items);
  current.current = items;

  useEffect(() => () => {
    for (const controller of controllers.current.values()) controller.abort();
  }, []);

  const update = (id: string, patch: Partial<AttachmentItem>): void => {
    setItems((list) => list.map((item) => (item.id === id ? { ...item, ...patch } : item)));
  };

  const run = async (id: string, file: File): Promise<UploadLink | null> => {
    const controller = new AbortController();
    controllers.current.set(id, controller);
    try {
      const link = await uploadFile(api, mailboxId, file, (progress) => update(id, { progress }), controller.signal);
      update(id, { state: 'done', progress: 1, uploadKey: link.uploadKey, error: null });
      onChange();
      return link;
    } catch (error) {
      if (controller.signal.aborted) return null;
      update(id, { state: 'failed', error: toUploadError(error) });
      return null;
    } finally {
      controllers.current.delete(id);
    }
  };

  return {
    items,
    add(files, inline = false) {
      const added = files.map((file): AttachmentItem => {
        const fault = checkFile(file);
        return {
          id: nextId(), filename: file.name, size: file.size, contentType: contentTypeOf(file), inline,
          state: fault ? 'failed' : 'uploading', progress: 0, uploadKey: null, error: fault ? new UploadError(fault) : null, file,
        };
      });
      setItems((list) => [...list, ...added]);
      return Promise.all(added.map((item) => (item.state === 'uploading' ? run(item.id, item.file!) : Promise.resolve(null))));
    },
    retry(id) {
      const item = current.current.find((i) => i.id === id);
      if (!item?.file || item.state !== 'failed') return;
      update(id, { state: 'uploading', progress: 0, error: null });
      void run(id, item.file);
    },
    remove(id) {
      controllers.current.get(id)?.abort();
      setItems((list) => list.filter((item) => item.id !== id));
      onChange();
    },
    uploading: items.filter((i) => i.state === 'uploading').length,
    failed: items.filter((i) => i.state === 'failed').length,
    saved: () => current.current.filter((i) => i.state === 'done' && i.uploadKey !== null).map((i) => ({
      uploadKey: i.uploadKey!, filename: i.filename, size: i.size, contentType: i.contentType, ...(i.inline ? { inline: true } : {}),
    })),
  };
}

/** What went wrong with a file, in plain words. */
export function uploadErrorText(item: AttachmentItem, i18n: I18n): string {
  const { t } = i18n;
  const error = item.error;
  const name = item.filename;
  switch (error?.failure) {
    case 'too-large': return t('composer.attachTooLarge', { name, size: i18n.formatBytes(item.size), max: i18n.formatBytes(MAX_UPLOAD_BYTES) });
    case 'empty': return t('composer.attachEmpty', { name });
    case 'network': return t('composer.attachNetwork', { name });
    case 'storage': return t('composer.attachStorage', { name, status: String(error.status) });
    default: return error?.detail ? `${t('composer.attachRefused', { name })} ${error.detail}` : t('composer.attachRefused', { name });
  }
}

/** Retrying helps unless the file itself is at fault. */
const retryable = (error: UploadError | null): boolean => error !== null && error.failure !== 'too-large' && error.failure !== 'empty';

export function ComposerAttachments(props: {
  id: string;
  attachments: Attachments;
  onFiles: (files: File[]) => void;
  onImages: (files: File[]) => void;
  /** A sending refusal about attachments (still uploading, or failed). */
  blocked: string | null;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const files = useRef<HTMLInputElement>(null);
  const images = useRef<HTMLInputElement>(null);
  // Inline images are seen in the text once uploaded; listed only while they need attention.
  const shown = props.attachments.items.filter((item) => !item.inline || item.state !== 'done');
  const take = (input: HTMLInputElement, then: (files: File[]) => void): void => {
    const picked = [...(input.files ?? [])];
    input.value = '';
    if (picked.length > 0) then(picked);
  };

  return (
    <div class="attachments" role="group" aria-labelledby={`${props.id}-title`}>
      <div class="attachments__head">
        <span class="composer__label" id={`${props.id}-title`}>{t('composer.attachTitle')}</span>
        <button type="button" class="button button--small" onClick={() => files.current?.click()}>{t('composer.attachFiles')}</button>
        <input ref={files} type="file" multiple hidden aria-label={t('composer.attachFiles')} onChange={(event) => take(event.currentTarget, props.onFiles)} />
        <button type="button" class="button button--ghost button--small" onMouseDown={(event) => event.preventDefault()} onClick={() => images.current?.click()}>
          {t('composer.attachImage')}
        </button>
        <input ref={images} type="file" accept="image/png,image/jpeg,image/gif,image/webp" multiple hidden aria-label={t('composer.attachImage')} onChange={(event) => take(event.currentTarget, props.onImages)} />
        <span class="hint attachments__hint">{t('composer.attachDropHint')}</span>
      </div>
      {shown.length > 0 ? (
        <ul class="attachments__list">
          {shown.map((item) => (
            <li key={item.id} class={`attachment attachment--${item.state}`}>
              <span class="attachment__name">{item.filename}</span>
              <span class="attachment__size">{i18n.formatBytes(item.size)}</span>
              {item.inline ? <span class="attachment__inline">{t('composer.attachInline')}</span> : null}
              {item.state === 'uploading' ? (
                <progress class="attachment__progress" max={1} value={item.progress} aria-label={t('composer.attachProgress', { name: item.filename })} />
              ) : null}
              {item.state === 'failed' && retryable(item.error) ? (
                <button type="button" class="button button--link attachment__retry" onClick={() => props.attachments.retry(item.id)}>
                  {t('composer.attachRetry')}
                </button>
              ) : null}
              <button type="button" class="chip__remove" aria-label={t('composer.attachRemove', { name: item.filename })} title={t('composer.attachRemove', { name: item.filename })} onClick={() => props.attachments.remove(item.id)}>
                <span aria-hidden="true">×</span>
              </button>
              {item.state === 'failed' ? <span class="attachment__error" role="alert">{uploadErrorText(item, i18n)}</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
      {props.blocked ? <p class="field-error" role="alert">{props.blocked}</p> : null}
    </div>
  );
}

interface CaseDocumentItem { documentId: string; filename: string; contentType: string; size: number | null }

/**
 * Documents of the case the conversation is linked to (`GET /api/conversations/{id}/links`, then
 * `GET /api/cases/{caseId}/documents`), attached by reference: their bytes are already stored.
 * Shows nothing when the conversation has no case.
 */
export function CaseDocumentPicker(props: {
  api: ApiClient;
  conversationId: string;
  selected: CaseDocumentRef[];
  onChange: (next: CaseDocumentRef[]) => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const [linked, setLinked] = useState<{ caseId: string; reference: string } | null>(null);
  const [documents, setDocuments] = useState<CaseDocumentItem[]>([]);
  const [error, setError] = useState<PlainError | null>(null);

  useEffect(() => {
    let live = true;
    setError(null);
    props.api.get<{ case: { caseId: string; reference: string } | null }>(`/api/conversations/${encodeURIComponent(props.conversationId)}/links`)
      .then(async (links) => {
        if (!live || links.case === null) return;
        setLinked(links.case);
        const page = await props.api.get<{ items: CaseDocumentItem[] }>(`/api/cases/${encodeURIComponent(links.case.caseId)}/documents`);
        if (live) setDocuments(page.items);
      })
      .catch((failure: unknown) => {
        if (live) setError(describeError(failure, i18n));
      });
    return () => {
      live = false;
    };
  }, [props.conversationId]);

  if (linked === null) return null;
  const isSelected = (documentId: string): boolean => props.selected.some((d) => d.caseId === linked.caseId && d.documentId === documentId);
  const count = props.selected.filter((d) => d.caseId === linked.caseId).length;

  return (
    <details class="attachments__case">
      <summary>
        {t('composer.attachCase', { reference: linked.reference })}
        {count > 0 ? ` (${i18n.formatNumber(count)})` : ''}
      </summary>
      {error ? <ErrorNote title={t('composer.attachCaseFailed')} error={error} /> : null}
      {documents.length === 0 && error === null ? <p class="hint">{t('composer.attachCaseNone')}</p> : (
        <ul class="attachments__documents">
          {documents.map((doc) => (
            <li key={doc.documentId}>
              <label class="checkbox">
                <input
                  type="checkbox"
                  checked={isSelected(doc.documentId)}
                  onChange={(event) => {
                    const on = (event.currentTarget as HTMLInputElement).checked;
                    const others = props.selected.filter((d) => !(d.caseId === linked.caseId && d.documentId === doc.documentId));
                    props.onChange(on ? [...others, { caseId: linked.caseId, documentId: doc.documentId, filename: doc.filename }] : others);
                  }}
                />
                {doc.filename}
                {doc.size !== null ? <span class="hint"> {i18n.formatBytes(doc.size)}</span> : null}
              </label>
            </li>
          ))}
        </ul>
      )}
    </details>
  );
}
