/** The composer, loaded on first use: it is not part of the inbox's initial bundle. */
import { useI18n } from '../i18n/i18n';
import { lazyComponent } from '../lib/lazy';
import type { ComposerProps } from './composer';

function Fallback(props: { retry: (() => void) | null }) {
  const { t } = useI18n();
  return (
    <section class="composer" aria-busy={props.retry === null}>
      {props.retry === null ? (
        <p class="muted">{t('app.loading')}</p>
      ) : (
        <div class="error-note" role="alert">
          <p class="error-note__message">{t('composer.loadFailed')}</p>
          <button type="button" class="button button--small" onClick={props.retry}>{t('app.retry')}</button>
        </div>
      )}
    </section>
  );
}

export const ComposerPanel = lazyComponent<ComposerProps>(
  () => import('./composer').then((module) => module.Composer),
  (retry) => <Fallback retry={retry} />,
);
