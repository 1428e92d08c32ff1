/**
 * Settings of a mailbox's outbox: whether it sends at all, the undo window, the retry policy and
 * the automatic acknowledgement. Empty number fields mean "the deployment's default" (null).
 * Dispatchers see the settings read-only (`canEdit`).
 */
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import { useI18n } from '../i18n/i18n';
import { describeError } from '../lib/errors';
import { ErrorNote } from './error-note';
import { FieldError, FormError, invalid, numberOrNull, Saved, TextField, useFormErrors } from './settings-form';

type Jitter = 'full' | 'equal' | 'none';
interface OutboxSettings {
  connectorEnabled: boolean;
  undoSeconds: number | null;
  retry: { maxAttempts: number | null; baseDelaySeconds: number | null; maxDelaySeconds: number | null; jitter: Jitter };
  autoAck: { enabled: boolean; subject: string; text: string; windowHours: number };
}
interface SettingsView { mailboxId: string; settings: OutboxSettings; canEdit: boolean }

const text = (value: number | null): string => (value === null ? '' : String(value));

export function OutboxSettingsSection(props: { api: ApiClient; mailboxId: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const path = `/api/mailboxes/${encodeURIComponent(props.mailboxId)}/outbox/settings`;
  const [view, setView] = useState<SettingsView | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);

  const load = async (): Promise<void> => {
    try {
      setView(await props.api.get<SettingsView>(path));
      setLoadError(null);
    } catch (failure) {
      setLoadError(failure);
    }
  };
  useEffect(() => {
    setView(null);
    void load();
  }, [props.mailboxId]);

  return (
    <section class="settings__section" aria-labelledby="settings-outbox-heading">
      <h2 id="settings-outbox-heading">{t('settings.outbox.heading')}</h2>
      {loadError !== null ? <ErrorNote title={t('settings.loadFailed')} error={describeError(loadError, i18n)} onRetry={() => void load()} /> : null}
      {view ? <OutboxSettingsForm key={props.mailboxId} api={props.api} path={path} view={view} onSaved={setView} /> : loadError === null ? <p class="muted" aria-busy="true">{t('app.loading')}</p> : null}
    </section>
  );
}

function OutboxSettingsForm(props: { api: ApiClient; path: string; view: SettingsView; onSaved: (view: SettingsView) => void }) {
  const { t } = useI18n();
  const { settings, canEdit } = props.view;
  const errors = useFormErrors();
  const [connector, setConnector] = useState(settings.connectorEnabled);
  const [undo, setUndo] = useState(text(settings.undoSeconds));
  const [maxAttempts, setMaxAttempts] = useState(text(settings.retry.maxAttempts));
  const [baseDelay, setBaseDelay] = useState(text(settings.retry.baseDelaySeconds));
  const [maxDelay, setMaxDelay] = useState(text(settings.retry.maxDelaySeconds));
  const [jitter, setJitter] = useState<Jitter>(settings.retry.jitter);
  const [ackOn, setAckOn] = useState(settings.autoAck.enabled);
  const [ackSubject, setAckSubject] = useState(settings.autoAck.subject);
  const [ackText, setAckText] = useState(settings.autoAck.text);
  const [ackWindow, setAckWindow] = useState(String(settings.autoAck.windowHours));
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setSaved(false);
    try {
      const result = await props.api.send<SettingsView>('PUT', props.path, {
        connectorEnabled: connector,
        undoSeconds: numberOrNull(undo),
        retry: { maxAttempts: numberOrNull(maxAttempts), baseDelaySeconds: numberOrNull(baseDelay), maxDelaySeconds: numberOrNull(maxDelay), jitter },
        autoAck: { enabled: ackOn, subject: ackSubject, text: ackText, windowHours: numberOrNull(ackWindow) ?? settings.autoAck.windowHours },
      });
      errors.clear();
      setSaved(true);
      props.onSaved(result);
    } catch (failure) {
      errors.set(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="settings__form" noValidate aria-label={t('settings.outbox.heading')} onSubmit={(e) => void submit(e)}>
      {canEdit ? null : <p class="notice">{t('settings.outbox.readOnly')}</p>}
      <fieldset class="settings__fieldset" disabled={!canEdit}>
        <legend>{t('settings.outbox.sending')}</legend>
        <label class="checkbox">
          <input type="checkbox" checked={connector} onChange={(e) => setConnector((e.currentTarget as HTMLInputElement).checked)} />
          {t('settings.outbox.connector')}
        </label>
        <TextField id="outbox-undo" type="number" label={t('settings.outbox.undo')} hint={t('settings.outbox.defaultHint')} value={undo} onInput={setUndo} errors={errors} field="body.undoSeconds" />
      </fieldset>
      <fieldset class="settings__fieldset" disabled={!canEdit}>
        <legend>{t('settings.outbox.retry')}</legend>
        <TextField id="outbox-max-attempts" type="number" label={t('settings.outbox.maxAttempts')} hint={t('settings.outbox.defaultHint')} value={maxAttempts} onInput={setMaxAttempts} errors={errors} field="body.retry.maxAttempts" />
        <TextField id="outbox-base-delay" type="number" label={t('settings.outbox.baseDelay')} hint={t('settings.outbox.defaultHint')} value={baseDelay} onInput={setBaseDelay} errors={errors} field="body.retry.baseDelaySeconds" />
        <TextField id="outbox-max-delay" type="number" label={t('settings.outbox.maxDelay')} hint={t('settings.outbox.defaultHint')} value={maxDelay} onInput={setMaxDelay} errors={errors} field="body.retry.maxDelaySeconds" />
        <div class="field">
          <label for="outbox-jitter">{t('settings.outbox.jitter')}</label>
          <select id="outbox-jitter" value={jitter} onChange={(e) => setJitter((e.currentTarget as HTMLSelectElement).value as Jitter)}>
            <option value="full">{t('settings.outbox.jitter.full')}</option>
            <option value="equal">{t('settings.outbox.jitter.equal')}</option>
            <option value="none">{t('settings.outbox.jitter.none')}</option>
          </select>
        </div>
      </fieldset>
      <fieldset class="settings__fieldset" disabled={!canEdit}>
        <legend>{t('settings.outbox.autoAck')}</legend>
        <label class="checkbox">
          <input type="checkbox" checked={ackOn} onChange={(e) => setAckOn((e.currentTarget as HTMLInputElement).checked)} />
          {t('settings.outbox.autoAckOn')}
        </label>
        <TextField id="outbox-ack-subject" label={t('settings.outbox.autoAckSubject')} hint={t('settings.outbox.autoAckSubjectHint')} value={ackSubject} onInput={setAckSubject} errors={errors} field="body.autoAck.subject" />
        <div class="field">
          <label for="outbox-ack-text">{t('settings.outbox.autoAckText')}</label>
          <textarea id="outbox-ack-text" rows={6} value={ackText} {...invalid(errors, 'body.autoAck.text', 'outbox-ack-text-error')} onInput={(e) => setAckText((e.currentTarget as HTMLTextAreaElement).value)} />
          <FieldError id="outbox-ack-text-error" errors={errors} field="body.autoAck.text" />
        </div>
        <TextField id="outbox-ack-window" type="number" label={t('settings.outbox.autoAckWindow')} value={ackWindow} onInput={setAckWindow} errors={errors} field="body.autoAck.windowHours" />
      </fieldset>
      <FormError errors={errors} shown={/^body\.(undoSeconds|retry\.|autoAck\.)/} />
      {canEdit ? (
        <div class="settings__buttons">
          <button type="submit" class="button button--primary" disabled={busy}>{t('settings.save')}</button>
          <Saved show={saved} />
        </div>
      ) : null}
    </form>
  );
}
