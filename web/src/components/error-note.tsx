/** An error in plain words, placed next to what caused it, with a retry when one makes sense. */
import { useI18n } from '../i18n/i18n';
import type { PlainError } from '../lib/errors';

export function ErrorNote(props: { title?: string; error: PlainError; onRetry?: () => void; id?: string; class?: string }) {
  const { t } = useI18n();
  return (
    <div class={`error-note ${props.class ?? ''}`} role="alert" id={props.id}>
      <p class="error-note__message">
        {props.title ? <strong>{props.title} </strong> : null}
        {props.error.message}
      </p>
      {props.error.detail ? <p class="error-note__detail">{t('error.serverSaid', { detail: props.error.detail })}</p> : null}
      {props.onRetry ? (
        <button type="button" class="button button--small" onClick={props.onRetry}>
          {t('app.retry')}
        </button>
      ) : null}
    </div>
  );
}
