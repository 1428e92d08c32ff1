/**
 * Settings: email accounts (organisation admins). The list shows each account's validity (last
 * connection test and last sync); an IMAP/SMTP account is created with a connection test that
 * shows every step's result (connect, sign in, inbox; SMTP connect and sign in) with the server's
 * words and a hint. Deleting an account that handled mail is refused by the API, which suggests
 * deactivating it instead: both are said in plain words.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import type { Me } from '../api/types';
import { useI18n, type I18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';
import { describeError } from '../lib/errors';
import { ErrorNote } from './error-note';
import { FormError, numberOrNull, TextField, useFormErrors } from './settings-form';

type Security = 'tls' | 'starttls' | 'none';
interface Step { step: string; ok: boolean; message: string; serverMessage: string | null; hint: string | null }
interface Outcome { at: string; ok: boolean; steps: Step[] }
interface Account {
  accountId: string;
  kind: 'ses' | 'imap_smtp';
  address: string;
  displayName: string | null;
  mailboxId: string;
  status: 'active' | 'deactivated';
  validity: 'ok' | 'failing' | 'untested';
  lastSyncAt: string | null;
  lastSyncError: string | null;
  version: number;
  mailbox: { name: string } | null;
}

const STEP_LABELS: Record<string, MessageKey> = {
  'imap-connect': 'settings.accounts.step.imapConnect',
  'imap-login': 'settings.accounts.step.imapLogin',
  'imap-select': 'settings.accounts.step.imapInbox',
  'smtp-connect': 'settings.accounts.step.smtpConnect',
  'smtp-login': 'settings.accounts.step.smtpLogin',
  'ses-identity': 'settings.accounts.step.sesIdentity',
  'ses-dkim': 'settings.accounts.step.sesDkim',
};

function stepLabel(step: string, i18n: I18n): string {
  const key = STEP_LABELS[step];
  return key ? i18n.t(key) : step;
}

/** The steps of a connection test, each with its result in words. */
export function TestSteps(props: { outcome: Outcome }) {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <div class="settings__test" role="status">
      <p class={props.outcome.ok ? 'settings__test-ok' : 'settings__test-failed'}>
        <strong>{t(props.outcome.ok ? 'settings.accounts.testOk' : 'settings.accounts.testFailed')}</strong>
      </p>
      <ol class="settings__steps">
        {props.outcome.steps.map((s, index) => (
          <li key={index} class={s.ok ? 'settings__step--ok' : 'settings__step--failed'}>
            <strong>{t('settings.accounts.stepResult', { step: stepLabel(s.step, i18n), result: t(s.ok ? 'settings.accounts.stepOk' : 'settings.accounts.stepFailed') })}</strong>
            {' — '}{s.message}
            {s.hint ? <span class="hint"> {t('settings.accounts.hint', { hint: s.hint })}</span> : null}
            {s.serverMessage ? <span class="error-note__detail"> {t('error.serverSaid', { detail: s.serverMessage })}</span> : null}
          </li>
        ))}
      </ol>
    </div>
  );
}

export function AccountsSection(props: { api: ApiClient; me: Me }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = props;
  const [items, setItems] = useState<Account[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [creating, setCreating] = useState(false);
  const [rowResult, setRowResult] = useState<Record<string, { error?: unknown; outcome?: Outcome; text?: string }>>({});

  const load = async (): Promise<void> => {
    try {
      setItems((await api.get<{ items: Account[] }>('/api/accounts')).items);
      setLoadError(null);
    } catch (failure) {
      setLoadError(failure);
    }
  };
  useEffect(() => {
    void load();
  }, []);

  const act = async (account: Account, action: 'test' | 'deactivate' | 'activate' | 'delete'): Promise<void> => {
    const base = `/api/accounts/${encodeURIComponent(account.accountId)}`;
    try {
      if (action === 'test') {
        const outcome = await api.send<Outcome>('POST', `${base}/test`);
        setRowResult((r) => ({ ...r, [account.accountId]: { outcome } }));
        void load();
      } else if (action === 'delete') {
        if (!confirm(t('settings.confirmDelete', { name: account.address }))) return;
        await api.send('DELETE', base);
        setItems((list) => list?.filter((a) => a.accountId !== account.accountId) ?? null);
      } else {
        const updated = await api.send<Account>('POST', `${base}/${action}`, { expectedVersion: account.version });
        setItems((list) => list?.map((a) => (a.accountId === account.accountId ? { ...a, ...updated } : a)) ?? null);
        setRowResult((r) => ({ ...r, [account.accountId]: { text: t(action === 'activate' ? 'settings.accounts.activated' : 'settings.accounts.deactivated') } }));
      }
    } catch (failure) {
      setRowResult((r) => ({ ...r, [account.accountId]: { error: failure } }));
    }
  };

  const plainRefusal = (error: unknown) => {
    const plain = describeError(error, i18n);
    const problem = (error as { problem?: { title?: string } | null }).problem;
    return problem?.title === 'Account in use' ? { ...plain, message: t('settings.accounts.inUse') } : plain;
  };

  return (
    <section class="settings__section" aria-labelledby="settings-accounts-heading">
      <div class="settings__head">
        <h2 id="settings-accounts-heading">{t('settings.accounts.heading')}</h2>
        <button type="button" class="button button--small" aria-expanded={creating} onClick={() => setCreating((c) => !c)}>{t('settings.accounts.new')}</button>
      </div>
      {loadError !== null ? <ErrorNote title={t('settings.loadFailed')} error={describeError(loadError, i18n)} onRetry={() => void load()} /> : null}
      {creating ? <CreateAccount api={api} me={props.me} onCreated={(account) => { setItems((list) => [...(list ?? []), account]); setCreating(false); void load(); }} /> : null}
      {items === null ? null : items.length === 0 ? <p class="muted">{t('settings.accounts.empty')}</p> : (
        <div class="table-scroll">
          <table class="settings-table">
            <caption class="visually-hidden">{t('settings.accounts.heading')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('settings.accounts.address')}</th>
                <th scope="col">{t('settings.accounts.mailbox')}</th>
                <th scope="col">{t('settings.accounts.status')}</th>
                <th scope="col">{t('settings.accounts.validity')}</th>
                <th scope="col">{t('settings.accounts.lastSync')}</th>
                <th scope="col"><span class="visually-hidden">{t('settings.actions')}</span></th>
              </tr>
            </thead>
            <tbody>
              {items.map((a) => {
                const result = rowResult[a.accountId];
                return (
                  <tr key={a.accountId}>
                    <th scope="row">{a.address}{a.displayName ? <span class="muted"> {a.displayName}</span> : null}<br /><span class="muted">{t(a.kind === 'ses' ? 'settings.accounts.kindSes' : 'settings.accounts.kindImap')}</span></th>
                    <td>{a.mailbox?.name ?? a.mailboxId}</td>
                    <td>{t(a.status === 'active' ? 'settings.accounts.active' : 'settings.accounts.inactive')}</td>
                    <td>{t(`settings.accounts.validity.${a.validity}`)}</td>
                    <td>{a.lastSyncAt ? i18n.formatFullDate(a.lastSyncAt) : '—'}{a.lastSyncError ? <span class="field-error"> {a.lastSyncError}</span> : null}</td>
                    <td class="settings-table__actions">
                      <button type="button" class="button button--small" aria-label={t('settings.accounts.testLabel', { address: a.address })} onClick={() => void act(a, 'test')}>{t('settings.accounts.test')}</button>
                      <button type="button" class="button button--small button--ghost" onClick={() => void act(a, a.status === 'active' ? 'deactivate' : 'activate')}
                        aria-label={t(a.status === 'active' ? 'settings.accounts.deactivateLabel' : 'settings.accounts.activateLabel', { address: a.address })}>
                        {t(a.status === 'active' ? 'settings.accounts.deactivate' : 'settings.accounts.activate')}
                      </button>
                      <button type="button" class="button button--small button--ghost" aria-label={t('settings.deleteLabel', { name: a.address })} onClick={() => void act(a, 'delete')}>{t('settings.delete')}</button>
                      {result?.error ? <ErrorNote class="error-note--inline" error={plainRefusal(result.error)} /> : null}
                      {result?.outcome ? <TestSteps outcome={result.outcome} /> : null}
                      {result?.text ? <p role="status">{result.text}</p> : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function SecuritySelect(props: { id: string; value: Security; onChange: (value: Security) => void }) {
  const { t } = useI18n();
  return (
    <div class="field">
      <label for={props.id}>{t('settings.accounts.security')}</label>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange((e.currentTarget as HTMLSelectElement).value as Security)}>
        <option value="tls">TLS</option>
        <option value="starttls">STARTTLS</option>
        <option value="none">{t('settings.accounts.securityNone')}</option>
      </select>
    </div>
  );
}

function CreateAccount(props: { api: ApiClient; me: Me; onCreated: (account: Account) => void }) {
  const { t } = useI18n();
  const errors = useFormErrors();
  const [address, setAddress] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [mailboxId, setMailboxId] = useState(props.me.mailboxes[0]?.mailboxId ?? '');
  const [imapHost, setImapHost] = useState('');
  const [imapPort, setImapPort] = useState('993');
  const [imapSecurity, setImapSecurity] = useState<Security>('tls');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [smtpHost, setSmtpHost] = useState('');
  const [smtpPort, setSmtpPort] = useState('465');
  const [smtpSecurity, setSmtpSecurity] = useState<Security>('tls');
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [busy, setBusy] = useState<'test' | 'create' | null>(null);

  const servers = () => ({
    imap: { host: imapHost.trim(), port: numberOrNull(imapPort) ?? 993, security: imapSecurity, username, password },
    smtp: { host: smtpHost.trim(), port: numberOrNull(smtpPort) ?? 465, security: smtpSecurity, sameCredentials: true },
  });
  const test = async (): Promise<void> => {
    setBusy('test');
    setOutcome(null);
    try {
      setOutcome(await props.api.send<Outcome>('POST', '/api/accounts/test', { kind: 'imap_smtp', ...servers() }));
      errors.clear();
    } catch (failure) {
      errors.set(failure);
    } finally {
      setBusy(null);
    }
  };
  const create = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy('create');
    try {
      const account = await props.api.send<Account>('POST', '/api/accounts', {
        kind: 'imap_smtp', address: address.trim(), displayName: displayName.trim() || null, mailboxId, ...servers(),
      });
      errors.clear();
      props.onCreated(account);
    } catch (failure) {
      errors.set(failure);
    } finally {
      setBusy(null);
    }
  };

  return (
    <form class="settings__form" noValidate aria-labelledby="settings-account-new" onSubmit={(e) => void create(e)}>
      <h3 id="settings-account-new">{t('settings.accounts.new')}</h3>
      <TextField id="account-address" type="email" label={t('settings.accounts.address')} value={address} onInput={setAddress} errors={errors} field="body.address" />
      <TextField id="account-display-name" label={t('settings.accounts.displayName')} value={displayName} onInput={setDisplayName} errors={errors} field="body.displayName" />
      <div class="field">
        <label for="account-mailbox">{t('settings.accounts.mailbox')}</label>
        <select id="account-mailbox" value={mailboxId} onChange={(e) => setMailboxId((e.currentTarget as HTMLSelectElement).value)}>
          {props.me.mailboxes.map((m) => <option key={m.mailboxId} value={m.mailboxId}>{m.name}</option>)}
        </select>
      </div>
      <fieldset class="settings__fieldset">
        <legend>IMAP</legend>
        <TextField id="account-imap-host" label={t('settings.accounts.imapHost')} value={imapHost} onInput={setImapHost} errors={errors} field="body.imap.host" />
        <TextField id="account-imap-port" type="number" label={t('settings.accounts.imapPort')} value={imapPort} onInput={setImapPort} errors={errors} field="body.imap.port" />
        <SecuritySelect id="account-imap-security" value={imapSecurity} onChange={setImapSecurity} />
        <TextField id="account-username" label={t('settings.accounts.username')} value={username} onInput={setUsername} errors={errors} field="body.imap.username" />
        <div class="field">
          <label for="account-password">{t('settings.accounts.password')}</label>
          <input id="account-password" type="password" autocomplete="new-password" value={password} onInput={(e) => setPassword((e.currentTarget as HTMLInputElement).value)} />
        </div>
      </fieldset>
      <fieldset class="settings__fieldset">
        <legend>SMTP</legend>
        <p class="hint">{t('settings.accounts.sameCredentials')}</p>
        <TextField id="account-smtp-host" label={t('settings.accounts.smtpHost')} value={smtpHost} onInput={setSmtpHost} errors={errors} field="body.smtp.host" />
        <TextField id="account-smtp-port" type="number" label={t('settings.accounts.smtpPort')} value={smtpPort} onInput={setSmtpPort} errors={errors} field="body.smtp.port" />
        <SecuritySelect id="account-smtp-security" value={smtpSecurity} onChange={setSmtpSecurity} />
      </fieldset>
      {errors.of('body.imap.password') ? <p class="field-error" role="alert">{t('settings.accounts.passwordNeeded')}</p> : null}
      <FormError errors={errors} shown={/^body\.(address|displayName|imap\.(host|port|username|password)|smtp\.(host|port))$/} special={(error) => (error.status === 422 ? { message: t('settings.accounts.quota'), detail: error.problem?.detail ?? null } : null)} />
      {busy === 'test' ? <p class="muted" aria-busy="true">{t('settings.accounts.testing')}</p> : null}
      {outcome ? <TestSteps outcome={outcome} /> : null}
      <div class="settings__buttons">
        <button type="button" class="button" disabled={busy !== null} onClick={() => void test()}>{t('settings.accounts.testConnection')}</button>
        <button type="submit" class="button button--primary" disabled={busy !== null}>{t('settings.accounts.create')}</button>
      </div>
    </form>
  );
}
