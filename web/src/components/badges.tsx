/** Small labelled badges: status, labels, warnings (flags), "New". Colour is never the only signal. */
import type { ConversationStatus } from '../api/types';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';

export function StatusBadge(props: { status: ConversationStatus }) {
  const { t } = useI18n();
  return <span class={`badge badge--status badge--${props.status}`}>{t(`status.${props.status}`)}</span>;
}

export function NewBadge() {
  const { t } = useI18n();
  return <span class="badge badge--new">{t('inbox.new')}</span>;
}

export function LabelBadge(props: { label: string }) {
  const { t } = useI18n();
  return (
    <span class="badge badge--label" title={t('inbox.label', { label: props.label })}>
      {props.label}
    </span>
  );
}

/** Flags that are worth a badge; the rest (e.g. `remote-images`) are shown where they matter. */
const WARNING_FLAGS = new Set([
  'auto-reply', 'bulk', 'delivery-report', 'read-receipt', 'hostile-html', 'unroutable', 'empty', 'not-mime', 'truncated',
  'parse-error', 'too-many-parts', 'oversize', 'charset-fallback', 'header-injection', 'suspicious-header-name',
  'no-message-id', 'duplicate-message-id',
]);

const SEVERE = new Set(['hostile-html', 'delivery-report', 'parse-error', 'header-injection', 'suspicious-header-name']);

export function FlagBadges(props: { flags: string[]; all?: boolean }) {
  const { t } = useI18n();
  const shown = props.flags.filter((flag) => props.all || WARNING_FLAGS.has(flag));
  if (shown.length === 0) return null;
  return (
    <>
      {shown.map((flag) => {
        const known = WARNING_FLAGS.has(flag) || flag === 'remote-images';
        const label = known ? t(`flag.${flag}` as MessageKey) : flag;
        const help = known ? t(`flag.${flag}.help` as MessageKey) : undefined;
        return (
          <span key={flag} class={`badge badge--flag${SEVERE.has(flag) ? ' badge--severe' : ''}`} title={help} data-flag={flag}>
            {label}
          </span>
        );
      })}
    </>
  );
}
