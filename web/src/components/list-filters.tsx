/**
 * The list's search box and advanced filters (assignment, label, qualification, attachment, dates,
 * and the department, which widens the list to all the caller's mailboxes in it). Both edit the
 * URL, which the list follows; the filters are applied together with one button so a half-filled
 * form never fires requests, and the API's 400 (a date range backwards) shows next to the form.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import type { MailboxRole } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { advancedFilterCount, type ListQuery } from '../lib/list-query';

interface Member {
  email: string;
  name: string;
  role: MailboxRole;
}

interface Qualification {
  qualificationId: string;
  name: string;
}

export interface ListFiltersProps {
  api: ApiClient;
  mailboxId: string;
  role: MailboxRole;
  query: ListQuery;
  onChange: (next: ListQuery) => void;
  /** Departments of the caller's mailboxes (names, as the mailboxes list them). */
  departments: string[];
}

/** Every distinct department of these mailboxes, sorted by name. */
export function departmentsOf(mailboxes: { department: string | null }[]): string[] {
  const names = new Set<string>();
  for (const m of mailboxes) if (m.department) names.add(m.department);
  return [...names].sort((a, b) => a.localeCompare(b));
}

export function SearchBox(props: { query: ListQuery; onChange: (next: ListQuery) => void }) {
  const { t } = useI18n();
  const [text, setText] = useState(props.query.q ?? '');
  useEffect(() => setText(props.query.q ?? ''), [props.query.q]);
  return (
    <form
      class="search"
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        const q = text.trim();
        props.onChange({ ...props.query, q: q === '' ? null : q });
      }}
    >
      <label class="visually-hidden" for="list-search">{t('search.label')}</label>
      <input
        id="list-search"
        type="search"
        placeholder={t('search.placeholder')}
        maxLength={200}
        value={text}
        aria-keyshortcuts="/"
        onInput={(event) => setText((event.currentTarget as HTMLInputElement).value)}
      />
      <button type="submit" class="button button--small">{t('search.submit')}</button>
      {props.query.q !== null ? (
        <button type="button" class="button button--small button--ghost" onClick={() => props.onChange({ ...props.query, q: null })}>
          {t('search.clear')}
        </button>
      ) : null}
    </form>
  );
}

export function FilterPanel(props: ListFiltersProps) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState(props.query);
  const [members, setMembers] = useState<Member[] | null>(null);
  const [qualifications, setQualifications] = useState<Qualification[] | null>(null);
  const dispatcher = props.role === 'admin' || props.role === 'dispatcher';
  const active = advancedFilterCount(props.query);

  useEffect(() => setDraft(props.query), [props.query]);
  useEffect(() => {
    if (!open || !dispatcher || members !== null) return;
    props.api.get<{ items: Member[] }>(`/api/mailboxes/${encodeURIComponent(props.mailboxId)}/members`).then(
      (page) => setMembers(page.items),
      () => setMembers([]),
    );
  }, [open, props.mailboxId]);
  useEffect(() => {
    if (!open || qualifications !== null) return;
    props.api.get<{ items: Qualification[] }>('/api/qualifications').then(
      (page) => setQualifications(page.items),
      () => setQualifications([]),
    );
  }, [open]);

  const set = <K extends keyof ListQuery>(key: K, value: ListQuery[K]): void => setDraft((d) => ({ ...d, [key]: value }));
  const text = (value: string): string | null => (value.trim() === '' ? null : value.trim());

  return (
    <div class="filters">
      <button type="button" class="button button--small" aria-expanded={open} aria-controls="filter-panel" onClick={() => setOpen(!open)}>
        {active > 0 ? t('filters.buttonActive', { count: active }) : t('filters.button')}
      </button>
      {open ? (
        <form
          id="filter-panel"
          class="filters__panel"
          aria-label={t('filters.title')}
          onSubmit={(event) => {
            event.preventDefault();
            props.onChange({ ...draft, q: props.query.q, status: props.query.status });
            setOpen(false);
          }}
        >
          <label class="field">
            <span>{t('filters.assignee')}</span>
            <select value={draft.assignee ?? ''} onChange={(event) => set('assignee', text((event.currentTarget as HTMLSelectElement).value))}>
              <option value="">{t('filters.anyone')}</option>
              <option value="me">{t('filters.mine')}</option>
              {dispatcher ? <option value="unassigned">{t('filters.unassigned')}</option> : null}
              {(members ?? []).map((m) => <option key={m.email} value={m.email}>{m.name || m.email}</option>)}
            </select>
          </label>
          <label class="field">
            <span>{t('filters.label')}</span>
            <input type="text" maxLength={40} value={draft.label ?? ''} onInput={(event) => set('label', text((event.currentTarget as HTMLInputElement).value))} />
          </label>
          <label class="field">
            <span>{t('filters.qualification')}</span>
            <select value={draft.qualification ?? ''} onChange={(event) => set('qualification', text((event.currentTarget as HTMLSelectElement).value))}>
              <option value="">{t('filters.qualificationAny')}</option>
              {(qualifications ?? []).map((q) => <option key={q.qualificationId} value={q.qualificationId}>{q.name}</option>)}
              {draft.qualification !== null && qualifications !== null && !qualifications.some((q) => q.qualificationId === draft.qualification) ? (
                <option value={draft.qualification}>{draft.qualification}</option>
              ) : null}
            </select>
          </label>
          {props.departments.length > 0 ? (
            <div class="filters__department">
              <label class="field">
                <span>{t('filters.department')}</span>
                <select
                  value={draft.department ?? ''}
                  aria-describedby="filter-department-hint"
                  onChange={(event) => set('department', text((event.currentTarget as HTMLSelectElement).value))}
                >
                  <option value="">{t('filters.departmentNone')}</option>
                  {props.departments.map((d) => <option key={d} value={d}>{d}</option>)}
                </select>
              </label>
              <p id="filter-department-hint" class="muted filters__hint">{t('filters.departmentHint')}</p>
            </div>
          ) : null}
          <label class="field">
            <span>{t('filters.attachment')}</span>
            <select
              value={draft.hasAttachment ?? ''}
              onChange={(event) => set('hasAttachment', ((event.currentTarget as HTMLSelectElement).value || null) as ListQuery['hasAttachment'])}
            >
              <option value="">{t('filters.attachmentAny')}</option>
              <option value="true">{t('filters.attachmentWith')}</option>
              <option value="false">{t('filters.attachmentWithout')}</option>
            </select>
          </label>
          <div class="filters__dates">
            <label class="field">
              <span>{t('filters.from')}</span>
              <input type="date" value={draft.from ?? ''} onInput={(event) => set('from', text((event.currentTarget as HTMLInputElement).value))} />
            </label>
            <label class="field">
              <span>{t('filters.to')}</span>
              <input type="date" value={draft.to ?? ''} onInput={(event) => set('to', text((event.currentTarget as HTMLInputElement).value))} />
            </label>
          </div>
          <div class="filters__buttons">
            <button type="submit" class="button button--small button--primary">{t('filters.apply')}</button>
            <button
              type="button"
              class="button button--small button--ghost"
              onClick={() => {
                props.onChange({ ...props.query, assignee: null, label: null, qualification: null, hasAttachment: null, from: null, to: null, department: null });
                setOpen(false);
              }}
            >
              {t('filters.reset')}
            </button>
          </div>
        </form>
      ) : null}
    </div>
  );
}
