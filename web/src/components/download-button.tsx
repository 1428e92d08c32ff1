/** A download of an API file (raw message, attachment), with its error shown right beside it. */
import { useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import type { ApiClient } from '../api/client';
import { useI18n } from '../i18n/i18n';
import { DownloadBlockedError, downloadFromApi } from '../lib/download';
import { describeError, type PlainError } from '../lib/errors';
import { ErrorNote } from './error-note';

export function DownloadButton(props: { api: ApiClient; path: string; label: string; children: ComponentChildren; class?: string }) {
  const i18n = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<PlainError | null>(null);
  const run = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await downloadFromApi(props.api, props.path);
    } catch (failure) {
      setError(failure instanceof DownloadBlockedError
        ? { message: i18n.t('conversation.downloadUnsupported', { path: props.path }), detail: null }
        : describeError(failure, i18n));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="download">
      <button type="button" class={`button button--link ${props.class ?? ''}`} aria-label={props.label} aria-busy={busy} onClick={() => void run()}>
        {props.children}
      </button>
      {error ? <ErrorNote title={i18n.t('conversation.downloadFailed')} error={error} class="error-note--inline" /> : null}
    </span>
  );
}
