/** An outgoing message's status as a labelled badge (text, never colour alone). */
import type { OutboxStatus, RecipientDeliveryStatus } from '../api/types';
import { useI18n } from '../i18n/i18n';

export function OutboxStatusBadge(props: { status: OutboxStatus }) {
  const { t } = useI18n();
  return <span class={`badge badge--send badge--send-${props.status}`} data-send-status={props.status}>{t(`sendStatus.${props.status}`)}</span>;
}

export function DeliveryBadge(props: { status: RecipientDeliveryStatus }) {
  const { t } = useI18n();
  return <span class={`badge badge--delivery badge--delivery-${props.status}`}>{t(`delivery.${props.status}`)}</span>;
}
