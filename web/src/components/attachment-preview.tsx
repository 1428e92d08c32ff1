/**
 * Preview of an image attachment in a modal dialog, so an agent can look at a photo or a scan
 * without saving it first. The image comes from the same short-lived storage link a download uses;
 * an `<img>` runs no script, even for SVG. Other types are downloaded.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import { useI18n } from '../i18n/i18n';
import { DownloadBlockedError, linkFromApi } from '../lib/download';
import { describeError, type PlainError } from '../lib/errors';
import { ErrorNote } from './error-note';

/** Image types browsers show; anything else has no preview. */
const PREVIEWABLE = /^image\/(png|jpe?g|gif|webp|avif|bmp|svg\+xml)$/i;

export function canPreview(contentType: string): boolean {
  return PREVIEWABLE.test(contentType);
}

export function AttachmentPreview(props: { api: ApiClient; path: string; filename: string; id: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const dialog = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<PlainError | null>(null);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) element.showModal();
    if (!open && element.open) element.close();
  }, [open]);

  const show = async (): Promise<void> => {
    setOpen(true);
    setError(null);
    try {
      setUrl(await linkFromApi(props.api, props.path));
    } catch (failure) {
      setError(failure instanceof DownloadBlockedError
        ? { message: t('conversation.downloadUnsupported', { path: props.path }), detail: null }
        : describeError(failure, i18n));
    }
  };

  return (
    <>
      <button type="button" class="button button--link button--small" aria-haspopup="dialog" onClick={() => void show()}>
        {t('preview.open', { name: props.filename })}
      </button>
      <dialog ref={dialog} class="preview-dialog" aria-labelledby={`${props.id}-title`} onClose={() => setOpen(false)}>
        <div class="preview-dialog__head">
          <h2 id={`${props.id}-title`}>{props.filename}</h2>
          <button type="button" class="button button--ghost" onClick={() => setOpen(false)}>{t('app.close')}</button>
        </div>
        {error ? <ErrorNote title={t('preview.failed')} error={error} /> : null}
        {open && url && !error ? (
          <img
            class="preview-dialog__image"
            src={url}
            alt={props.filename}
            referrerpolicy="no-referrer"
            onError={() => setError({ message: t('preview.unreadable'), detail: null })}
          />
        ) : open && !error ? <p role="status">{t('app.loading')}</p> : null}
      </dialog>
    </>
  );
}
