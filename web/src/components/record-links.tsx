/**
 * A conversation's links to records of other systems (a ticket, a project, an offer…): the linked
 * records with an unlink button each, the other conversations linked to the same record, and a
 * form to link one more (type from the organisation's list, GET /api/record-types). Changes send
 * the version shown (`If-Match`), like the other links.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, type ApiClient } from '../api/client';
import { useI18n } from '../i18n/i18n';
import { describeError, type PlainError } from '../lib/errors';
import { mailboxPath, onLinkClick } from '../lib/router';
import { ErrorNote } from './error-note';

export interface RecordLink {
  type: string;
  id: string;
}

/** One conversation of GET /api/records/{type}/{recordId}/conversations. */
interface RecordConversation {
  conversationId: string;
  mailboxId: string;
  at: string;
  subject: string;
}

export interface RecordLinksProps {
  api: ApiClient;
  conversationId: string;
  /** Null while the links load. */
  records: RecordLink[] | null;
  /** The version the links were read at. */
  version: number;
  /** A link was made or removed: the conversation's version changed. */
  onChanged: () => void;
}

/** What the API accepts as a record id (routes-cases.ts). */
const RECORD_ID_SHAPE = /^[^\p{Cc}/#]{1,128}$/u;

type FieldErrors = Partial<Record<'type' | 'id' | 'form', PlainError>>;

const recordKey = (r: RecordLink): string => `${r.type}/${r.id}`;

export function RecordLinks(props: RecordLinksProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const base = `records-${props.conversationId}`;
  const path = `/api/conversations/${encodeURIComponent(props.conversationId)}`;
  const [types, setTypes] = useState<string[] | null>(null);
  const [typesError, setTypesError] = useState<unknown>(null);
  const [typesAttempt, setTypesAttempt] = useState(0);
  const [type, setType] = useState('');
  const [recordId, setRecordId] = useState('');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [notice, setNotice] = useState('');
  /** The record whose other conversations are shown, and what they are. */
  const [shown, setShown] = useState<string | null>(null);
  const [others, setOthers] = useState<{ items: RecordConversation[] | null; error: unknown }>({ items: null, error: null });

  useEffect(() => {
    const controller = new AbortController();
    setTypesError(null);
    props.api.get<{ types: string[] }>('/api/record-types', { signal: controller.signal }).then(
      (loaded) => {
        setTypes(loaded.types);
        setType((current) => (current !== '' && loaded.types.includes(current) ? current : loaded.types[0] ?? ''));
      },
      (failure: unknown) => {
        if (!controller.signal.aborted) setTypesError(failure);
      },
    );
    return () => controller.abort();
  }, [typesAttempt]);

  const showOthers = async (record: RecordLink): Promise<void> => {
    const key = recordKey(record);
    if (shown === key) {
      setShown(null);
      return;
    }
    setShown(key);
    setOthers({ items: null, error: null });
    try {
      const page = await props.api.get<{ items: RecordConversation[] }>(
        `/api/records/${encodeURIComponent(record.type)}/${encodeURIComponent(record.id)}/conversations`,
      );
      setOthers({ items: page.items, error: null });
    } catch (failure) {
      setOthers({ items: null, error: failure });
    }
  };

  const change = async (request: (ifMatch: { headers: Record<string, string> }) => Promise<unknown>, done: string): Promise<boolean> => {
    setBusy(true);
    setErrors({});
    setNotice('');
    try {
      await request({ headers: { 'if-match': `"${props.version}"` } });
      setNotice(done);
      setShown(null);
      props.onChanged();
      return true;
    } catch (failure) {
      const fields = failure instanceof ApiError && failure.status === 400 ? failure.problem?.errors ?? [] : [];
      const detail = failure instanceof ApiError ? failure.problem?.detail ?? null : null;
      const onType = fields.find((f) => f.field === 'body.type' || f.field === 'params.type');
      const onId = fields.find((f) => f.field === 'body.id' || f.field === 'params.recordId');
      if (onType) setErrors({ type: { message: t('records.typeRefused'), detail: onType.message } });
      else if (onId) setErrors({ id: { message: t('records.idInvalid'), detail: onId.message } });
      else if (failure instanceof ApiError && failure.status === 409) {
        setErrors({ form: { message: t('links.conflict'), detail } });
        props.onChanged();
      } else setErrors({ form: describeError(failure, i18n, 'conversation.notFound') });
      return false;
    } finally {
      setBusy(false);
    }
  };

  const link = async (event: Event): Promise<void> => {
    event.preventDefault();
    const wanted = recordId.trim();
    if (type === '') {
      setErrors({ type: { message: t('records.typeMissing'), detail: null } });
      return;
    }
    if (!RECORD_ID_SHAPE.test(wanted)) {
      setErrors({ id: { message: t('records.idInvalid'), detail: null } });
      return;
    }
    if (props.records?.some((r) => r.type === type && r.id === wanted)) {
      setErrors({ id: { message: t('records.already', { type, id: wanted }), detail: null } });
      return;
    }
    const done = await change(
      (ifMatch) => props.api.send('POST', `${path}/records`, { type, id: wanted }, ifMatch),
      t('records.linked', { type, id: wanted }),
    );
    if (done) setRecordId('');
  };

  const unlink = (record: RecordLink): void => {
    void change(
      (ifMatch) => props.api.send('DELETE', `${path}/records/${encodeURIComponent(record.type)}/${encodeURIComponent(record.id)}`, undefined, ifMatch),
      t('records.unlinked', { type: record.type, id: record.id }),
    );
  };

  return (
    <section class="links__part" aria-labelledby={`${base}-title`}>
      <h3 id={`${base}-title`}>{t('records.title')}</h3>
      {props.records === null ? null : props.records.length === 0 ? (
        <p class="muted">{t('records.none')}</p>
      ) : (
        <ul class="records">
          {props.records.map((record) => {
            const key = recordKey(record);
            const name = t('records.name', { type: record.type, id: record.id });
            const listId = `${base}-others-${key.replace(/[^A-Za-z0-9_-]/g, '_')}`;
            return (
              <li key={key} class="records__item">
                <span class="records__name">{name}</span>
                <button
                  type="button"
                  class="button button--small"
                  aria-expanded={shown === key}
                  aria-controls={shown === key ? listId : undefined}
                  aria-label={t('records.othersOf', { name })}
                  onClick={() => void showOthers(record)}
                >
                  {t('records.others')}
                </button>
                <button type="button" class="button button--small button--ghost" disabled={busy} aria-label={t('records.unlinkOf', { name })} onClick={() => unlink(record)}>
                  {t('records.unlink')}
                </button>
                {shown === key ? (
                  <div id={listId} class="records__others">
                    {others.error !== null ? (
                      <ErrorNote title={t('records.othersFailed')} error={describeError(others.error, i18n)} onRetry={() => {
                        setShown(null);
                        void showOthers(record);
                      }} />
                    ) : others.items === null ? (
                      <p class="muted" aria-busy="true">{t('app.loading')}</p>
                    ) : (
                      <RecordConversations items={others.items} current={props.conversationId} name={name} />
                    )}
                  </div>
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
      {typesError !== null ? (
        <ErrorNote title={t('records.typesFailed')} error={describeError(typesError, i18n)} onRetry={() => setTypesAttempt((n) => n + 1)} />
      ) : (
        <form class="links__form records__form" onSubmit={(event) => void link(event)} noValidate aria-label={t('records.linkTitle')}>
          <label class="field field--inline">
            <span>{t('records.type')}</span>
            <select
              value={type}
              disabled={types === null}
              aria-invalid={errors.type !== undefined}
              aria-describedby={errors.type ? `${base}-type-error` : undefined}
              onChange={(event) => setType((event.currentTarget as HTMLSelectElement).value)}
            >
              {(types ?? []).map((name) => <option key={name} value={name}>{name}</option>)}
            </select>
          </label>
          <label class="field field--inline">
            <span>{t('records.id')}</span>
            <input
              type="text"
              value={recordId}
              maxLength={128}
              spellcheck={false}
              placeholder="T-1001"
              aria-invalid={errors.id !== undefined}
              aria-describedby={errors.id ? `${base}-id-error` : undefined}
              onInput={(event) => setRecordId((event.currentTarget as HTMLInputElement).value)}
            />
          </label>
          <button type="submit" class="button button--small" disabled={busy || types === null}>{t('records.link')}</button>
        </form>
      )}
      {errors.type ? <ErrorNote id={`${base}-type-error`} error={errors.type} /> : null}
      {errors.id ? <ErrorNote id={`${base}-id-error`} error={errors.id} /> : null}
      {errors.form ? <ErrorNote title={t('records.failed')} error={errors.form} /> : null}
      <p class="muted" role="status">{notice}</p>
    </section>
  );
}

function RecordConversations(props: { items: RecordConversation[]; current: string; name: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const others = props.items.filter((c) => c.conversationId !== props.current);
  if (others.length === 0) return <p class="muted">{t('records.noOthers', { name: props.name })}</p>;
  return (
    <ul class="records__list" aria-label={t('records.othersOf', { name: props.name })}>
      {others.map((c) => (
        <li key={c.conversationId}>
          <a href={mailboxPath(c.mailboxId, { conversationId: c.conversationId })} onClick={onLinkClick}>
            {c.subject || t('inbox.noSubject')}
          </a>
          {' '}
          <span class="muted">· <time dateTime={c.at} title={i18n.formatFullDate(c.at)}>{t('records.linkedAt', { date: i18n.formatListDate(c.at) })}</time></span>
        </li>
      ))}
    </ul>
  );
}
