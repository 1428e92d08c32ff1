/**
 * Settings of the organisation (organisation admins): departments (the mailboxes' grouping),
 * qualifications (the business categories a conversation is qualified with) and business record
 * types (what a conversation can be linked to). Each is a list with
 * rename and delete in place and a form to add one; a refusal stays next to the row it concerns.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, type ApiClient } from '../api/client';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';
import { describeError } from '../lib/errors';
import { ErrorNote } from './error-note';
import { FormError, TextField, useFormErrors } from './settings-form';

interface Entry { id: string; name: string; version?: number; detail?: string }

interface NamedListProps {
  idPrefix: string;
  heading: MessageKey;
  nameLabel: MessageKey;
  addLabel: MessageKey;
  api: ApiClient;
  load: () => Promise<Entry[]>;
  create: (name: string) => Promise<Entry>;
  rename: (entry: Entry, name: string) => Promise<Entry>;
  remove: (entry: Entry) => Promise<void>;
}

/** A list of named things with add, rename and delete. */
function NamedList(props: NamedListProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const [items, setItems] = useState<Entry[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [name, setName] = useState('');
  const [status, setStatus] = useState('');
  const errors = useFormErrors();

  const load = async (): Promise<void> => {
    try {
      setItems(await props.load());
      setLoadError(null);
    } catch (failure) {
      setLoadError(failure);
    }
  };
  useEffect(() => {
    void load();
  }, []);

  const add = async (event: Event): Promise<void> => {
    event.preventDefault();
    try {
      const created = await props.create(name);
      errors.clear();
      setItems((list) => [...(list ?? []), created]);
      setStatus(t('settings.added', { name: created.name }));
      setName('');
    } catch (failure) {
      errors.set(failure);
    }
  };

  return (
    <section class="settings__section" aria-labelledby={`${props.idPrefix}-heading`}>
      <h2 id={`${props.idPrefix}-heading`}>{t(props.heading)}</h2>
      {loadError !== null ? <ErrorNote title={t('settings.loadFailed')} error={describeError(loadError, i18n)} onRetry={() => void load()} /> : null}
      {items === null ? null : items.length === 0 ? <p class="muted">{t('settings.none')}</p> : (
        <ul class="settings__list">
          {items.map((item) => (
            <NamedRow
              key={item.id}
              idPrefix={props.idPrefix}
              item={item}
              nameLabel={props.nameLabel}
              rename={props.rename}
              remove={props.remove}
              onRenamed={(next) => { setItems((list) => list?.map((i) => (i.id === item.id ? next : i)) ?? null); setStatus(t('settings.renamed', { name: next.name })); }}
              onRemoved={() => { setItems((list) => list?.filter((i) => i.id !== item.id) ?? null); setStatus(t('settings.deleted', { name: item.name })); }}
            />
          ))}
        </ul>
      )}
      <p class="visually-hidden" role="status">{status}</p>
      <form class="settings__inline-form" noValidate aria-label={t(props.addLabel)} onSubmit={(e) => void add(e)}>
        <TextField id={`${props.idPrefix}-new`} label={t(props.nameLabel)} value={name} onInput={setName} errors={errors} field="body.name" />
        <button type="submit" class="button">{t(props.addLabel)}</button>
      </form>
      <FormError errors={errors} shown={/^body\.name/} special={(error) => (error.status === 409 ? { message: t('settings.nameTaken'), detail: error.problem?.detail ?? null } : null)} />
    </section>
  );
}

function NamedRow(props: {
  idPrefix: string;
  item: Entry;
  nameLabel: MessageKey;
  rename: NamedListProps['rename'];
  remove: NamedListProps['remove'];
  onRenamed: (entry: Entry) => void;
  onRemoved: () => void;
}) {
  const { t } = useI18n();
  const { item } = props;
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(item.name);
  const errors = useFormErrors();
  const [failed, setFailed] = useState<'rename' | 'delete'>('rename');
  const id = `${props.idPrefix}-${item.id}`;

  const save = async (event: Event): Promise<void> => {
    event.preventDefault();
    try {
      const next = await props.rename(item, name);
      errors.clear();
      setEditing(false);
      props.onRenamed(next);
    } catch (failure) {
      setFailed('rename');
      errors.set(failure);
    }
  };
  const remove = async (): Promise<void> => {
    if (!confirm(t('settings.confirmDelete', { name: item.name }))) return;
    try {
      await props.remove(item);
      props.onRemoved();
    } catch (failure) {
      setFailed('delete');
      errors.set(failure);
    }
  };

  return (
    <li class="settings__item">
      {editing ? (
        <form class="settings__inline-form" noValidate aria-label={t('settings.renameLabel', { name: item.name })} onSubmit={(e) => void save(e)}>
          <TextField id={`${id}-name`} label={t(props.nameLabel)} value={name} onInput={setName} errors={errors} field="body.name" />
          <button type="submit" class="button button--small button--primary">{t('settings.save')}</button>
          <button type="button" class="button button--small button--ghost" onClick={() => { setEditing(false); errors.clear(); }}>{t('settings.cancel')}</button>
        </form>
      ) : (
        <>
          <span class="settings__item-name">{item.name}</span>
          {item.detail ? <span class="muted"> {item.detail}</span> : null}
          <button type="button" class="button button--small button--ghost" aria-label={t('settings.renameLabel', { name: item.name })} onClick={() => { setName(item.name); setEditing(true); }}>
            {t('settings.rename')}
          </button>
          <button type="button" class="button button--small button--ghost" aria-label={t('settings.deleteLabel', { name: item.name })} onClick={() => void remove()}>
            {t('settings.delete')}
          </button>
        </>
      )}
      <FormError
        errors={errors}
        shown={/^body\.name/}
        special={(error) => (error.status === 409 ? { message: t(failed === 'delete' ? 'settings.deleteRefused' : 'settings.nameTaken'), detail: error.problem?.detail ?? null } : null)}
      />
    </li>
  );
}

interface Department { departmentId: string; name: string; mailboxIds: string[] }
interface Qualification { qualificationId: string; name: string; description: string | null; version: number }

export function DepartmentsSection(props: { api: ApiClient }) {
  const { api } = props;
  const { t } = useI18n();
  const entry = (d: Department): Entry => ({ id: d.departmentId, name: d.name, detail: d.mailboxIds.length ? t('settings.departments.mailboxes', { list: d.mailboxIds.join(', ') }) : '' });
  const base = '/api/admin/departments';
  return (
    <NamedList
      idPrefix="departments"
      heading="settings.departments.heading"
      nameLabel="settings.departments.name"
      addLabel="settings.departments.add"
      api={api}
      load={async () => (await api.get<{ items: Department[] }>(base)).items.map(entry)}
      create={async (name) => entry(await api.send<Department>('POST', base, { name }))}
      rename={async (item, name) => entry(await api.send<Department>('PATCH', `${base}/${encodeURIComponent(item.id)}`, { name }))}
      remove={(item) => api.send<void>('DELETE', `${base}/${encodeURIComponent(item.id)}`)}
    />
  );
}

export function QualificationsSection(props: { api: ApiClient }) {
  const { api } = props;
  const entry = (q: Qualification): Entry => ({ id: q.qualificationId, name: q.name, version: q.version });
  const base = '/api/qualifications';
  return (
    <NamedList
      idPrefix="qualifications"
      heading="settings.qualifications.heading"
      nameLabel="settings.qualifications.name"
      addLabel="settings.qualifications.add"
      api={api}
      load={async () => (await api.get<{ items: Qualification[] }>(base)).items.map(entry)}
      create={async (name) => entry((await api.send<{ qualification: Qualification }>('POST', base, { name })).qualification)}
      rename={async (item, name) => entry((await api.send<{ qualification: Qualification }>('PATCH', `${base}/${encodeURIComponent(item.id)}`, { name, expectedVersion: item.version })).qualification)}
      remove={(item) => api.send<void>('DELETE', `${base}/${encodeURIComponent(item.id)}`)}
    />
  );
}

/**
 * Business record types (ticket, project, offer…) a conversation can be linked to. The API keeps
 * them as one list (`PUT /api/record-types`), so each change reads the list afresh and writes it
 * back with the one change, rather than writing an old copy over another admin's edit.
 */
export function RecordTypesSection(props: { api: ApiClient }) {
  const { api } = props;
  const base = '/api/record-types';
  const read = async (): Promise<string[]> => (await api.get<{ types: string[] }>(base)).types;
  const write = async (types: string[]): Promise<string[]> => {
    try {
      return (await api.send<{ types: string[] }>('PUT', base, { types })).types;
    } catch (failure) {
      // The API names the list item (`body.types[3]`); the form has one name field.
      if (failure instanceof ApiError && failure.problem?.errors) {
        throw new ApiError(failure.kind, failure.status, failure.path, {
          ...failure.problem, errors: failure.problem.errors.map((e) => ({ ...e, field: e.field.replace(/^body\.types(\[\d+\])?/, 'body.name') })),
        });
      }
      throw failure;
    }
  };
  const entry = (type: string): Entry => ({ id: type, name: type });
  return (
    <NamedList
      idPrefix="record-types"
      heading="settings.recordTypes.heading"
      nameLabel="settings.recordTypes.name"
      addLabel="settings.recordTypes.add"
      api={api}
      load={async () => (await read()).map(entry)}
      create={async (name) => {
        const saved = await write([...(await read()).filter((t) => t !== name.trim().toLowerCase()), name]);
        return entry(saved[saved.length - 1]!);
      }}
      rename={async (item, name) => {
        const saved = await write((await read()).map((t) => (t === item.id ? name : t)));
        return entry(saved.find((t) => t === name.trim().toLowerCase()) ?? name);
      }}
      remove={async (item) => {
        await write((await read()).filter((t) => t !== item.id));
      }}
    />
  );
}
