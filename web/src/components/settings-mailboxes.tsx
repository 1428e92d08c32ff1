/**
 * Settings: mailboxes. Organisation admins list and create every mailbox and change its addresses
 * and department; a mailbox's admins change its name, workflow settings, members and roles,
 * labels and the recipient-address rules that label incoming mail. Each change sends the version
 * shown, so a change made meanwhile is a 409 and what was typed stays in the form.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, type ApiClient } from '../api/client';
import type { Me, MailboxRole } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { describeError } from '../lib/errors';
import { announceMeChanged } from '../lib/me-changed';
import { ErrorNote } from './error-note';
import { FieldError, FormError, invalid, numberOrNull, Saved, TextField, useFormErrors } from './settings-form';

export interface AdminMailbox {
  mailboxId: string;
  name: string;
  kind: 'shared' | 'personal';
  addresses: string[];
  owner: string | null;
  department: string | null;
  departmentId: string | null;
  labelRules: { address: string; label: string }[];
  labels: { name: string; color: string | null }[];
  settings: { assignmentMarksRead?: boolean; responseDeadlineMinutes?: number | null; autoReassignAfterMinutes?: number | null };
  version: number;
}
interface Department { departmentId: string; name: string; mailboxIds: string[] }
interface Member { email: string; name: string; role: MailboxRole }
interface User { email: string; name: string; orgAdmin: boolean; roles: Record<string, MailboxRole> }

const ROLES: MailboxRole[] = ['admin', 'dispatcher', 'agent'];
const path = (mailboxId: string) => `/api/admin/mailboxes/${encodeURIComponent(mailboxId)}`;

export function MailboxesSection(props: { api: ApiClient; me: Me }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api, me } = props;
  const [mailboxes, setMailboxes] = useState<AdminMailbox[] | null>(null);
  const [departments, setDepartments] = useState<Department[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);

  const load = async (): Promise<void> => {
    try {
      if (me.orgAdmin) {
        const [list, deps] = await Promise.all([
          api.get<{ items: AdminMailbox[] }>('/api/admin/mailboxes'),
          api.get<{ items: Department[] }>('/api/admin/departments'),
        ]);
        setMailboxes(list.items);
        setDepartments(deps.items);
      } else {
        const mine = me.mailboxes.filter((m) => m.role === 'admin');
        setMailboxes(await Promise.all(mine.map((m) => api.get<AdminMailbox>(path(m.mailboxId)))));
      }
      setError(null);
    } catch (failure) {
      setError(failure);
    }
  };
  useEffect(() => {
    void load();
  }, []);

  const replace = (mailbox: AdminMailbox): void => {
    setMailboxes((list) => {
      const current = list ?? [];
      return current.some((m) => m.mailboxId === mailbox.mailboxId)
        ? current.map((m) => (m.mailboxId === mailbox.mailboxId ? mailbox : m))
        : [...current, mailbox].sort((a, b) => a.mailboxId.localeCompare(b.mailboxId));
    });
  };
  const open = mailboxes?.find((m) => m.mailboxId === selected) ?? null;

  return (
    <section class="settings__section" aria-labelledby="settings-mailboxes-heading">
      <div class="settings__head">
        <h2 id="settings-mailboxes-heading">{t('settings.mailboxes.heading')}</h2>
        {me.orgAdmin ? (
          <button type="button" class="button button--small" aria-expanded={creating} onClick={() => { setCreating((c) => !c); setSelected(null); }}>
            {t('settings.mailboxes.new')}
          </button>
        ) : null}
      </div>
      {error !== null ? <ErrorNote title={t('settings.loadFailed')} error={describeError(error, i18n)} onRetry={() => void load()} /> : null}
      {creating ? (
        <CreateMailbox
          api={api}
          departments={departments}
          onCancel={() => setCreating(false)}
          onCreated={(mailbox) => { replace(mailbox); setCreating(false); setSelected(mailbox.mailboxId); }}
        />
      ) : null}
      {mailboxes === null ? (
        error === null ? <p class="muted" aria-busy="true">{t('app.loading')}</p> : null
      ) : (
        <div class="table-scroll">
          <table class="settings-table">
            <caption class="visually-hidden">{t('settings.mailboxes.heading')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('settings.mailboxes.name')}</th>
                <th scope="col">{t('settings.mailboxes.addresses')}</th>
                <th scope="col">{t('settings.mailboxes.department')}</th>
                <th scope="col">{t('settings.mailboxes.kind')}</th>
                <th scope="col"><span class="visually-hidden">{t('settings.actions')}</span></th>
              </tr>
            </thead>
            <tbody>
              {mailboxes.map((m) => (
                <tr key={m.mailboxId} class={m.mailboxId === selected ? 'settings-table__open' : undefined}>
                  <th scope="row">{m.name} <span class="muted">({m.mailboxId})</span></th>
                  <td>{m.addresses.join(', ')}</td>
                  <td>{m.department ?? '—'}</td>
                  <td>{t(m.kind === 'shared' ? 'mailbox.shared' : 'mailbox.personal')}</td>
                  <td>
                    <button
                      type="button"
                      class="button button--small"
                      aria-expanded={m.mailboxId === selected}
                      aria-label={t('settings.mailboxes.editLabel', { mailbox: m.name })}
                      onClick={() => { setSelected((s) => (s === m.mailboxId ? null : m.mailboxId)); setCreating(false); }}
                    >
                      {t('settings.edit')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {open ? (
        <div class="settings__detail" key={open.mailboxId}>
          <h3>{t('settings.mailboxes.editing', { mailbox: open.name })}</h3>
          <MailboxGeneral api={api} me={me} mailbox={open} departments={departments} onSaved={replace} />
          {open.kind === 'shared' ? <MailboxMembers api={api} me={me} mailbox={open} /> : null}
          <MailboxLabels api={api} mailbox={open} onSaved={replace} />
        </div>
      ) : null}
    </section>
  );
}

/** Addresses as a list of inputs, so `body.addresses[i]` lands next to input i. */
function AddressList(props: { idPrefix: string; values: string[]; onChange: (values: string[]) => void; errors: ReturnType<typeof useFormErrors>; disabled?: boolean }) {
  const { t } = useI18n();
  const { values } = props;
  return (
    <fieldset class="settings__fieldset">
      <legend>{t('settings.mailboxes.addresses')}</legend>
      {values.map((value, index) => {
        const id = `${props.idPrefix}-address-${index}`;
        const field = `body.addresses[${index}]`;
        return (
          <div class="settings__row" key={index}>
            <div class="field">
              <label for={id}>{t('settings.mailboxes.addressN', { n: index + 1 })}</label>
              <input
                id={id}
                type="text"
                inputMode="email"
                value={value}
                disabled={props.disabled}
                {...invalid(props.errors, field, `${id}-error`)}
                onInput={(event) => props.onChange(values.map((v, i) => (i === index ? (event.currentTarget as HTMLInputElement).value : v)))}
              />
              <FieldError id={`${id}-error`} errors={props.errors} field={field} />
            </div>
            {values.length > 1 && !props.disabled ? (
              <button type="button" class="button button--small button--ghost" aria-label={t('settings.mailboxes.removeAddress', { address: value || String(index + 1) })} onClick={() => props.onChange(values.filter((_, i) => i !== index))}>
                {t('settings.remove')}
              </button>
            ) : null}
          </div>
        );
      })}
      <FieldError id={`${props.idPrefix}-addresses-error`} errors={props.errors} field="body.addresses" />
      {props.disabled ? null : (
        <button type="button" class="button button--small button--ghost" onClick={() => props.onChange([...values, ''])}>{t('settings.mailboxes.addAddress')}</button>
      )}
    </fieldset>
  );
}

function DepartmentSelect(props: { id: string; value: string; departments: Department[]; onChange: (value: string) => void; errors: ReturnType<typeof useFormErrors> }) {
  const { t } = useI18n();
  return (
    <div class="field">
      <label for={props.id}>{t('settings.mailboxes.department')}</label>
      <select id={props.id} value={props.value} {...invalid(props.errors, 'body.departmentId', `${props.id}-error`)} onChange={(e) => props.onChange((e.currentTarget as HTMLSelectElement).value)}>
        <option value="">{t('settings.mailboxes.noDepartment')}</option>
        {props.departments.map((d) => <option key={d.departmentId} value={d.departmentId}>{d.name}</option>)}
      </select>
      <FieldError id={`${props.id}-error`} errors={props.errors} field="body.departmentId" />
    </div>
  );
}

function CreateMailbox(props: { api: ApiClient; departments: Department[]; onCreated: (mailbox: AdminMailbox) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const errors = useFormErrors();
  const [mailboxId, setMailboxId] = useState('');
  const [name, setName] = useState('');
  const [addresses, setAddresses] = useState<string[]>(['']);
  const [departmentId, setDepartmentId] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    try {
      const created = await props.api.send<AdminMailbox>('POST', '/api/admin/mailboxes', {
        mailboxId: mailboxId.trim(), name, kind: 'shared', addresses: addresses.map((a) => a.trim()).filter(Boolean),
        departmentId: departmentId || null,
      });
      errors.clear();
      props.onCreated(created);
      announceMeChanged();
    } catch (failure) {
      errors.set(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="settings__form" noValidate aria-labelledby="settings-create-mailbox" onSubmit={(e) => void submit(e)}>
      <h3 id="settings-create-mailbox">{t('settings.mailboxes.new')}</h3>
      <TextField id="new-mailbox-id" label={t('settings.mailboxes.id')} hint={t('settings.mailboxes.idHint')} value={mailboxId} onInput={setMailboxId} errors={errors} field="body.mailboxId" />
      <TextField id="new-mailbox-name" label={t('settings.mailboxes.name')} value={name} onInput={setName} errors={errors} field="body.name" />
      <AddressList idPrefix="new-mailbox" values={addresses} onChange={setAddresses} errors={errors} />
      <DepartmentSelect id="new-mailbox-department" value={departmentId} departments={props.departments} onChange={setDepartmentId} errors={errors} />
      <FormError errors={errors} shown={/^body\.(mailboxId|name|addresses|departmentId)/} title={t('settings.mailboxes.createFailed')} />
      <div class="settings__buttons">
        <button type="submit" class="button button--primary" disabled={busy}>{t('settings.mailboxes.create')}</button>
        <button type="button" class="button button--ghost" onClick={props.onCancel}>{t('settings.cancel')}</button>
      </div>
    </form>
  );
}

function minutesText(value: number | null | undefined): string {
  return value === null || value === undefined ? '' : String(value);
}

function MailboxGeneral(props: { api: ApiClient; me: Me; mailbox: AdminMailbox; departments: Department[]; onSaved: (mailbox: AdminMailbox) => void }) {
  const { t } = useI18n();
  const { mailbox, me } = props;
  const errors = useFormErrors();
  const [name, setName] = useState(mailbox.name);
  const [addresses, setAddresses] = useState(mailbox.addresses);
  const [departmentId, setDepartmentId] = useState(mailbox.departmentId ?? '');
  const [marksRead, setMarksRead] = useState(mailbox.settings.assignmentMarksRead ?? false);
  const [deadline, setDeadline] = useState(minutesText(mailbox.settings.responseDeadlineMinutes));
  const [reassign, setReassign] = useState(minutesText(mailbox.settings.autoReassignAfterMinutes));
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setSaved(false);
    try {
      const result = await props.api.send<{ mailbox: AdminMailbox }>('PATCH', path(mailbox.mailboxId), {
        name,
        ...(me.orgAdmin ? { addresses: addresses.map((a) => a.trim()).filter(Boolean), departmentId: departmentId || null } : {}),
        settings: { assignmentMarksRead: marksRead, responseDeadlineMinutes: numberOrNull(deadline), autoReassignAfterMinutes: numberOrNull(reassign) },
        expectedVersion: mailbox.version,
      });
      errors.clear();
      setSaved(true);
      props.onSaved(result.mailbox);
      announceMeChanged();
    } catch (failure) {
      errors.set(failure);
    } finally {
      setBusy(false);
    }
  };
  const id = `mb-${mailbox.mailboxId}`;

  return (
    <form class="settings__form" noValidate aria-labelledby={`${id}-general`} onSubmit={(e) => void submit(e)}>
      <h4 id={`${id}-general`}>{t('settings.mailboxes.general')}</h4>
      <TextField id={`${id}-name`} label={t('settings.mailboxes.name')} value={name} onInput={setName} errors={errors} field="body.name" />
      <AddressList idPrefix={id} values={addresses} onChange={setAddresses} errors={errors} disabled={!me.orgAdmin} />
      {me.orgAdmin ? <DepartmentSelect id={`${id}-department`} value={departmentId} departments={props.departments} onChange={setDepartmentId} errors={errors} /> : null}
      <label class="checkbox">
        <input type="checkbox" checked={marksRead} onChange={(e) => setMarksRead((e.currentTarget as HTMLInputElement).checked)} />
        {t('settings.mailboxes.marksRead')}
      </label>
      <TextField id={`${id}-deadline`} type="number" label={t('settings.mailboxes.deadline')} hint={t('settings.mailboxes.minutesHint')} value={deadline} onInput={setDeadline} errors={errors} field="body.settings.responseDeadlineMinutes" />
      <TextField id={`${id}-reassign`} type="number" label={t('settings.mailboxes.reassign')} hint={t('settings.mailboxes.minutesHint')} value={reassign} onInput={setReassign} errors={errors} field="body.settings.autoReassignAfterMinutes" />
      <FormError errors={errors} shown={/^body\.(name|addresses|departmentId|settings)/} special={conflictWords(t)} />
      <div class="settings__buttons">
        <button type="submit" class="button button--primary" disabled={busy}>{t('settings.save')}</button>
        <Saved show={saved} />
      </div>
    </form>
  );
}

function conflictWords(t: ReturnType<typeof useI18n>['t']) {
  return (error: ApiError) => (error.status === 409 ? { message: t('settings.conflict'), detail: error.problem?.detail ?? null } : null);
}

function MailboxMembers(props: { api: ApiClient; me: Me; mailbox: AdminMailbox }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api, mailbox, me } = props;
  const errors = useFormErrors();
  const [members, setMembers] = useState<Member[] | null>(null);
  const [users, setUsers] = useState<User[]>([]);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<MailboxRole>('agent');
  const [rowResult, setRowResult] = useState<Record<string, unknown>>({});
  const [status, setStatus] = useState('');
  const id = `mb-${mailbox.mailboxId}-members`;
  const base = `${path(mailbox.mailboxId)}/members`;

  const load = async (): Promise<void> => {
    try {
      if (me.orgAdmin) {
        const list = await api.get<{ items: User[] }>('/api/admin/users');
        setUsers(list.items);
        setMembers(list.items.filter((u) => u.roles[mailbox.mailboxId]).map((u) => ({ email: u.email, name: u.name, role: u.roles[mailbox.mailboxId]! })));
      } else {
        setMembers((await api.get<{ items: Member[] }>(`/api/mailboxes/${encodeURIComponent(mailbox.mailboxId)}/members`)).items);
      }
      setLoadError(null);
    } catch (failure) {
      setLoadError(failure);
    }
  };
  useEffect(() => {
    void load();
  }, [mailbox.mailboxId]);

  const add = async (event: Event): Promise<void> => {
    event.preventDefault();
    try {
      const member = await api.send<Member>('POST', base, { email: email.trim(), role });
      errors.clear();
      setMembers((list) => [...(list ?? []).filter((m) => m.email !== member.email), member]);
      setStatus(t('settings.members.added', { name: member.name }));
      setEmail('');
    } catch (failure) {
      errors.set(failure);
    }
  };
  const change = async (member: Member, next: MailboxRole): Promise<void> => {
    try {
      const updated = await api.send<Member>('PATCH', `${base}/${encodeURIComponent(member.email)}`, { role: next, expectedRole: member.role });
      setMembers((list) => list?.map((m) => (m.email === member.email ? updated : m)) ?? null);
      setRowResult((r) => ({ ...r, [member.email]: null }));
      setStatus(t('settings.members.roleChanged', { name: member.name, role: t(`role.${next}`) }));
      if (member.email === me.email) announceMeChanged();
    } catch (failure) {
      setRowResult((r) => ({ ...r, [member.email]: failure }));
    }
  };
  const remove = async (member: Member): Promise<void> => {
    try {
      await api.send('DELETE', `${base}/${encodeURIComponent(member.email)}?expectedRole=${member.role}`);
      setMembers((list) => list?.filter((m) => m.email !== member.email) ?? null);
      setStatus(t('settings.members.removed', { name: member.name }));
      if (member.email === me.email) announceMeChanged();
    } catch (failure) {
      setRowResult((r) => ({ ...r, [member.email]: failure }));
    }
  };

  const candidates = users.filter((u) => !members?.some((m) => m.email === u.email));
  return (
    <section class="settings__sub" aria-labelledby={`${id}-heading`}>
      <h4 id={`${id}-heading`}>{t('settings.members.heading')}</h4>
      {loadError !== null ? <ErrorNote title={t('settings.loadFailed')} error={describeError(loadError, i18n)} onRetry={() => void load()} /> : null}
      {members === null ? null : (
        <table class="settings-table">
          <caption class="visually-hidden">{t('settings.members.caption', { mailbox: mailbox.name })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('settings.members.member')}</th>
              <th scope="col">{t('settings.members.role')}</th>
              <th scope="col"><span class="visually-hidden">{t('settings.actions')}</span></th>
            </tr>
          </thead>
          <tbody>
            {members.map((member) => {
              const failure = rowResult[member.email];
              return (
                <tr key={member.email}>
                  <th scope="row">{member.name} <span class="muted">{member.email}</span></th>
                  <td>
                    <select aria-label={t('settings.members.roleOf', { name: member.name })} value={member.role} onChange={(e) => void change(member, (e.currentTarget as HTMLSelectElement).value as MailboxRole)}>
                      {ROLES.map((r) => <option key={r} value={r}>{t(`role.${r}`)}</option>)}
                    </select>
                    {failure ? <ErrorNote class="error-note--inline" error={describeError(failure, i18n)} /> : null}
                  </td>
                  <td>
                    <button type="button" class="button button--small button--ghost" aria-label={t('settings.members.removeLabel', { name: member.name })} onClick={() => void remove(member)}>
                      {t('settings.remove')}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <p class="visually-hidden" role="status">{status}</p>
      <form class="settings__inline-form" noValidate aria-label={t('settings.members.add')} onSubmit={(e) => void add(e)}>
        <div class="field">
          <label for={`${id}-email`}>{t('settings.members.email')}</label>
          <input id={`${id}-email`} type="text" inputMode="email" list={`${id}-users`} value={email} {...invalid(errors, 'body.email', `${id}-email-error`)} onInput={(e) => setEmail((e.currentTarget as HTMLInputElement).value)} />
          <datalist id={`${id}-users`}>
            {candidates.map((u) => <option key={u.email} value={u.email}>{u.name}</option>)}
          </datalist>
          <FieldError id={`${id}-email-error`} errors={errors} field="body.email" />
        </div>
        <div class="field">
          <label for={`${id}-role`}>{t('settings.members.role')}</label>
          <select id={`${id}-role`} value={role} onChange={(e) => setRole((e.currentTarget as HTMLSelectElement).value as MailboxRole)}>
            {ROLES.map((r) => <option key={r} value={r}>{t(`role.${r}`)}</option>)}
          </select>
        </div>
        <button type="submit" class="button">{t('settings.members.add')}</button>
      </form>
      <FormError errors={errors} shown={/^body\.email/} special={(error) => (error.status === 409 ? { message: t('settings.members.already'), detail: error.problem?.detail ?? null } : null)} />
    </section>
  );
}

function MailboxLabels(props: { api: ApiClient; mailbox: AdminMailbox; onSaved: (mailbox: AdminMailbox) => void }) {
  const { t } = useI18n();
  const { mailbox } = props;
  const errors = useFormErrors();
  const [labels, setLabels] = useState(mailbox.labels.map((l) => ({ name: l.name, color: l.color ?? '' })));
  const [rules, setRules] = useState(mailbox.labelRules);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const id = `mb-${mailbox.mailboxId}-labels`;

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setSaved(false);
    try {
      const result = await props.api.send<{ mailbox: AdminMailbox }>('PATCH', path(mailbox.mailboxId), {
        labels: labels.map((l) => ({ name: l.name, color: l.color.trim() === '' ? null : l.color.trim() })),
        labelRules: rules.map((r) => ({ address: r.address.trim(), label: r.label })),
        expectedVersion: mailbox.version,
      });
      errors.clear();
      setSaved(true);
      props.onSaved(result.mailbox);
    } catch (failure) {
      errors.set(failure);
    } finally {
      setBusy(false);
    }
  };
  const names = labels.map((l) => l.name).filter((n) => n.trim() !== '');

  return (
    <form class="settings__form" noValidate aria-labelledby={`${id}-heading`} onSubmit={(e) => void submit(e)}>
      <h4 id={`${id}-heading`}>{t('settings.labels.heading')}</h4>
      <fieldset class="settings__fieldset">
        <legend>{t('settings.labels.labels')}</legend>
        {labels.map((label, index) => (
          <div class="settings__row" key={index}>
            <TextField id={`${id}-name-${index}`} label={t('settings.labels.nameN', { n: index + 1 })} value={label.name} errors={errors} field={`body.labels[${index}].name`}
              onInput={(v) => setLabels((list) => list.map((l, i) => (i === index ? { ...l, name: v } : l)))} />
            <TextField id={`${id}-color-${index}`} label={t('settings.labels.colorN', { n: index + 1 })} hint={t('settings.labels.colorHint')} value={label.color} errors={errors} field={`body.labels[${index}].color`}
              onInput={(v) => setLabels((list) => list.map((l, i) => (i === index ? { ...l, color: v } : l)))} />
            <button type="button" class="button button--small button--ghost" aria-label={t('settings.labels.removeLabel', { name: label.name || String(index + 1) })} onClick={() => setLabels((list) => list.filter((_, i) => i !== index))}>
              {t('settings.remove')}
            </button>
          </div>
        ))}
        <button type="button" class="button button--small button--ghost" onClick={() => setLabels((list) => [...list, { name: '', color: '' }])}>{t('settings.labels.addLabel')}</button>
      </fieldset>
      <fieldset class="settings__fieldset">
        <legend>{t('settings.labels.rules')}</legend>
        <p class="hint">{t('settings.labels.rulesHint')}</p>
        {rules.map((rule, index) => {
          const labelId = `${id}-rule-label-${index}`;
          const labelField = `body.labelRules[${index}].label`;
          return (
            <div class="settings__row" key={index}>
              <TextField id={`${id}-rule-address-${index}`} type="email" label={t('settings.labels.ruleAddressN', { n: index + 1 })} value={rule.address} errors={errors} field={`body.labelRules[${index}].address`}
                onInput={(v) => setRules((list) => list.map((r, i) => (i === index ? { ...r, address: v } : r)))} />
              <div class="field">
                <label for={labelId}>{t('settings.labels.ruleLabelN', { n: index + 1 })}</label>
                <select id={labelId} value={rule.label} {...invalid(errors, labelField, `${labelId}-error`)} onChange={(e) => { const v = (e.currentTarget as HTMLSelectElement).value; setRules((list) => list.map((r, i) => (i === index ? { ...r, label: v } : r))); }}>
                  <option value="">{t('settings.labels.chooseLabel')}</option>
                  {[...new Set([...names, ...(rule.label && !names.includes(rule.label) ? [rule.label] : [])])].map((n) => <option key={n} value={n}>{n}</option>)}
                </select>
                <FieldError id={`${labelId}-error`} errors={errors} field={labelField} />
              </div>
              <button type="button" class="button button--small button--ghost" aria-label={t('settings.labels.removeRule', { n: index + 1 })} onClick={() => setRules((list) => list.filter((_, i) => i !== index))}>
                {t('settings.remove')}
              </button>
            </div>
          );
        })}
        <button type="button" class="button button--small button--ghost" onClick={() => setRules((list) => [...list, { address: '', label: names[0] ?? '' }])}>{t('settings.labels.addRule')}</button>
      </fieldset>
      <FormError errors={errors} shown={/^body\.(labels|labelRules)/} special={conflictWords(t)} />
      <div class="settings__buttons">
        <button type="submit" class="button button--primary" disabled={busy}>{t('settings.labels.save')}</button>
        <Saved show={saved} />
      </div>
    </form>
  );
}
