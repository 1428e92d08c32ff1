/**
 * Cases: the organisation's cases (newest first), and one case with its communications (each
 * marked processed or not and attached to a task), its tasks, its documents (imported emails and
 * attachments) and an export. Loaded on first use: most of the day is spent in the inbox.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, type ApiClient } from '../api/client';
import { CaseCommunications, CaseDocuments, CaseTasks } from '../components/case-sections';
import { ErrorNote } from '../components/error-note';
import { useI18n } from '../i18n/i18n';
import { caseApiPath, casePath, type CaseCommunication, type CaseDetail, type CaseDocument, type CaseSummary } from '../lib/cases';
import { describeError, type PlainError } from '../lib/errors';
import { mailboxPath, onLinkClick } from '../lib/router';

export interface CasesScreenProps {
  api: ApiClient;
  caseId: string | null;
}

export function CasesScreen(props: CasesScreenProps) {
  return props.caseId === null ? <CaseList api={props.api} /> : <CaseView key={props.caseId} api={props.api} caseId={props.caseId} />;
}

export function CaseStatusBadge(props: { status: CaseSummary['status'] }) {
  const { t } = useI18n();
  return <span class={`badge badge--case-${props.status}`}>{t(props.status === 'open' ? 'cases.status.open' : 'cases.status.closed')}</span>;
}

function CaseList(props: { api: ApiClient }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [items, setItems] = useState<CaseSummary[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const load = async (after: string | null): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const page = await props.api.get<{ items: CaseSummary[]; nextCursor: string | null }>(`/api/cases?limit=50${after ? `&cursor=${encodeURIComponent(after)}` : ''}`);
      setItems((current) => (after && current ? [...current, ...page.items] : page.items));
      setCursor(page.nextCursor);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => void load(null), []);

  return (
    <div class="cases">
      <section class="cases__page" aria-labelledby="cases-heading">
        <div class="outbox__head">
          <h1 id="cases-heading">{t('cases.heading')}</h1>
          <p class="muted">{t('cases.intro')}</p>
        </div>
        {error !== null ? <ErrorNote title={t('cases.loadFailed')} error={describeError(error, i18n)} onRetry={() => void load(items === null ? null : cursor)} /> : null}
        {items === null ? (
          error === null ? <p class="muted" aria-busy="true">{t('app.loading')}</p> : null
        ) : items.length === 0 ? (
          <p class="muted">{t('cases.empty')}</p>
        ) : (
          <div class="table-scroll">
            <table class="outbox-table cases-table">
              <caption class="visually-hidden">{t('cases.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('cases.col.reference')}</th>
                  <th scope="col">{t('cases.col.title')}</th>
                  <th scope="col">{t('cases.col.status')}</th>
                  <th scope="col">{t('cases.col.created')}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((c) => (
                  <tr key={c.caseId} data-case-id={c.caseId}>
                    <td><a href={casePath(c.caseId)} onClick={onLinkClick} class="cases-table__reference">{c.reference}</a></td>
                    <th scope="row">{c.title}</th>
                    <td><CaseStatusBadge status={c.status} /></td>
                    <td><time dateTime={c.createdAt} title={i18n.formatFullDate(c.createdAt)}>{i18n.formatListDate(c.createdAt)}</time></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {cursor !== null && items !== null ? (
          <button type="button" class="button button--small" disabled={busy} aria-busy={busy} onClick={() => void load(cursor)}>{t('cases.more')}</button>
        ) : null}
      </section>
    </div>
  );
}

function CaseView(props: { api: ApiClient; caseId: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const base = caseApiPath(props.caseId);
  const [detail, setDetail] = useState<CaseDetail | null>(null);
  const [communications, setCommunications] = useState<CaseCommunication[] | null>(null);
  const [documents, setDocuments] = useState<CaseDocument[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    setError(null);
    Promise.all([
      props.api.get<CaseDetail>(base, { signal }),
      props.api.get<{ items: CaseCommunication[] }>(`${base}/communications`, { signal }),
      props.api.get<{ items: CaseDocument[] }>(`${base}/documents`, { signal }),
    ]).then(
      ([loaded, comms, docs]) => {
        setDetail(loaded);
        setCommunications(comms.items);
        setDocuments(docs.items);
      },
      (failure: unknown) => {
        if (!signal.aborted) setError(failure);
      },
    );
    return () => controller.abort();
  }, [base, attempt]);

  useEffect(() => {
    if (detail) document.title = `${detail.reference} · Mailroom`;
  }, [detail?.reference]);

  const back = <a class="button button--small button--ghost" href={casePath()} onClick={onLinkClick}>{t('cases.back')}</a>;
  if (detail === null || communications === null || documents === null) {
    return (
      <div class="cases">
        <section class="cases__page">
          {back}
          {error !== null
            ? <ErrorNote title={t('cases.caseLoadFailed')} error={describeError(error, i18n, 'cases.notFound')} onRetry={error instanceof ApiError && error.status === 404 ? undefined : () => setAttempt((n) => n + 1)} />
            : <p class="muted" aria-busy="true">{t('app.loading')}</p>}
        </section>
      </div>
    );
  }

  return (
    <div class="cases">
      <article class="cases__page case" aria-labelledby="case-heading">
        <div class="outbox__head">
          <div class="list-tools">{back}</div>
          <h1 id="case-heading">
            <span class="case__reference">{detail.reference}</span> {detail.title}
          </h1>
          <dl class="facts">
            <div>
              <dt>{t('cases.col.status')}</dt>
              <dd><CaseStatusBadge status={detail.status} /></dd>
            </div>
            <div>
              <dt>{t('cases.col.created')}</dt>
              <dd><time dateTime={detail.createdAt}>{i18n.formatFullDate(detail.createdAt)}</time> · {detail.createdBy}</dd>
            </div>
            {detail.address ? (
              <div class="facts__wide">
                <dt>{t('cases.address')}</dt>
                <dd><code>{detail.address}</code> <span class="muted">{t('cases.addressHint')}</span></dd>
              </div>
            ) : null}
          </dl>
          <CaseExport api={props.api} detail={detail} />
        </div>
        {error !== null ? <ErrorNote title={t('cases.caseLoadFailed')} error={describeError(error, i18n, 'cases.notFound')} onRetry={() => setAttempt((n) => n + 1)} /> : null}
        <CaseCommunications
          api={props.api}
          caseId={detail.caseId}
          reference={detail.reference}
          items={communications}
          tasks={detail.tasks}
          documents={documents}
          onImported={(updated, added) => {
            setCommunications((list) => (list ?? []).map((c) => (c.messageKey === updated.messageKey ? updated : c)));
            setDocuments((list) => [...(list ?? []).filter((d) => !added.some((a) => a.documentId === d.documentId)), ...added]);
          }}
          onUpdated={(updated) => setCommunications((list) => (list ?? []).map((c) => (c.messageKey === updated.messageKey ? updated : c)))}
        />
        <CaseTasks
          api={props.api}
          caseId={detail.caseId}
          tasks={detail.tasks}
          onTasks={(tasks) => setDetail((d) => (d ? { ...d, tasks } : d))}
          onStale={() => setAttempt((n) => n + 1)}
        />
        <CaseDocuments api={props.api} items={documents} />
        {detail.conversations.length > 0 ? (
          <section class="case__section" aria-labelledby="case-conversations">
            <h2 id="case-conversations">{t('cases.conversations')}</h2>
            <ul class="case__list">
              {detail.conversations.map((c) => (
                <li key={c.conversationId}>
                  <a href={mailboxPath(c.mailboxId, { conversationId: c.conversationId })} onClick={onLinkClick}>{t('cases.openConversation')}</a>
                  <span class="muted"> · {c.mailboxId} · <time dateTime={c.at}>{i18n.formatListDate(c.at)}</time></span>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
      </article>
    </div>
  );
}

/**
 * The export answers the case with a short-lived link per communication and document; the app
 * saves that answer as a JSON file, so it can be archived or handed to another system at once.
 */
function CaseExport(props: { api: ApiClient; detail: CaseDetail }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<PlainError | null>(null);
  const [notice, setNotice] = useState('');
  const run = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    setNotice('');
    try {
      const exported = await props.api.get<unknown>(`${caseApiPath(props.detail.caseId)}/export`);
      const file = `${props.detail.reference}.json`;
      const url = URL.createObjectURL(new Blob([JSON.stringify(exported, null, 2)], { type: 'application/json' }));
      const anchor = document.createElement('a');
      anchor.href = url;
      anchor.download = file;
      anchor.hidden = true;
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      setNotice(t('cases.exported', { file }));
    } catch (failure) {
      setError(describeError(failure, i18n, 'cases.notFound'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="case__export">
      <button type="button" class="button button--small" disabled={busy} aria-busy={busy} onClick={() => void run()}>{t('cases.export')}</button>
      <span class="muted" role="status">{notice}</span>
      {error ? <ErrorNote title={t('cases.exportFailed')} error={error} class="error-note--inline" /> : null}
    </div>
  );
}
