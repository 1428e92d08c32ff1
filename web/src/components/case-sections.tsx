/**
 * The parts of a case: its communications (processed or not, attached to a task, .eml export),
 * its tasks (add, mark done) and its documents (download). Each change shows its result, or the
 * API's refusal in plain words, on the row it concerns.
 */
import { useState } from 'preact/hooks';
import { ApiError, type ApiClient } from '../api/client';
import { useI18n } from '../i18n/i18n';
import { caseApiPath, type CaseCommunication, type CaseDocument, type CaseTask } from '../lib/cases';
import { describeError, type PlainError } from '../lib/errors';
import { DownloadButton } from './download-button';
import { ErrorNote } from './error-note';

function sender(c: CaseCommunication): string {
  if (!c.from) return '—';
  return c.from.name ? `${c.from.name} <${c.from.address}>` : c.from.address;
}

export function CaseCommunications(props: {
  api: ApiClient;
  caseId: string;
  reference: string;
  items: CaseCommunication[];
  tasks: CaseTask[];
  documents: CaseDocument[];
  onUpdated: (communication: CaseCommunication) => void;
  onImported: (communication: CaseCommunication, documents: CaseDocument[]) => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const [busy, setBusy] = useState<Record<string, boolean>>({});
  const [errors, setErrors] = useState<Record<string, PlainError | undefined>>({});
  const [done, setDone] = useState<Record<string, string | undefined>>({});
  /** What the user just chose, shown until the API answers (then its answer, or back on a refusal). */
  const [pending, setPending] = useState<Record<string, { processed?: boolean; taskId?: string | null } | undefined>>({});

  const act = async (c: CaseCommunication, request: () => Promise<void>): Promise<void> => {
    setBusy((b) => ({ ...b, [c.messageKey]: true }));
    setErrors((e) => ({ ...e, [c.messageKey]: undefined }));
    setDone((d) => ({ ...d, [c.messageKey]: undefined }));
    try {
      await request();
    } catch (failure) {
      setErrors((e) => ({ ...e, [c.messageKey]: describeError(failure, i18n, 'cases.notFound') }));
    } finally {
      setBusy((b) => ({ ...b, [c.messageKey]: false }));
      setPending((p) => ({ ...p, [c.messageKey]: undefined }));
    }
  };
  const update = (c: CaseCommunication, change: { processed?: boolean; taskId?: string | null }) => {
    setPending((p) => ({ ...p, [c.messageKey]: change }));
    return act(c, async () => {
      props.onUpdated(await props.api.send<CaseCommunication>('PATCH', `${caseApiPath(props.caseId)}/communications/${encodeURIComponent(c.messageKey)}`, change));
    });
  };
  const importMessage = (c: CaseCommunication) =>
    act(c, async () => {
      const result = await props.api.send<{ communication: CaseCommunication; documents: CaseDocument[] }>('POST', `${caseApiPath(props.caseId)}/documents/import`, { messageKey: c.messageKey });
      props.onImported(result.communication, result.documents);
      setDone((d) => ({ ...d, [c.messageKey]: t('cases.imported') }));
    });
  const imported = new Set(props.documents.map((d) => d.messageKey));

  return (
    <section class="case__section" aria-labelledby="case-communications">
      <h2 id="case-communications">{t('cases.communications')}</h2>
      {props.items.length === 0 ? (
        <p class="muted">{t('cases.noCommunications')}</p>
      ) : (
        <div class="table-scroll">
          <table class="outbox-table case-table">
            <caption class="visually-hidden">{t('cases.communicationsCaption', { reference: props.reference })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('cases.col.date')}</th>
                <th scope="col">{t('cases.col.from')}</th>
                <th scope="col">{t('cases.col.subject')}</th>
                <th scope="col">{t('cases.col.processed')}</th>
                <th scope="col">{t('cases.col.task')}</th>
                <th scope="col">{t('cases.col.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {props.items.map((c) => {
                const subject = c.subject || t('inbox.noSubject');
                const error = errors[c.messageKey];
                const processed = pending[c.messageKey]?.processed ?? c.processed;
                const taskId = pending[c.messageKey]?.taskId !== undefined ? pending[c.messageKey]!.taskId : c.taskId;
                return (
                  <tr key={c.messageKey} data-message-key={c.messageKey}>
                    <td>
                      <time dateTime={c.date} title={i18n.formatFullDate(c.date)}>{i18n.formatListDate(c.date)}</time>
                      <div class="muted">{t(c.direction === 'inbound' ? 'cases.direction.inbound' : 'cases.direction.outbound')}</div>
                    </td>
                    <td>
                      {sender(c)}
                      {c.forwardedBy ? <div class="muted">{t('cases.forwardedBy', { who: c.forwardedBy.address })}</div> : null}
                    </td>
                    <th scope="row">{subject}</th>
                    <td>
                      <label class="checkbox">
                        <input
                          type="checkbox"
                          checked={processed}
                          disabled={busy[c.messageKey]}
                          aria-label={t('cases.processedLabel', { subject })}
                          onChange={(event) => void update(c, { processed: (event.currentTarget as HTMLInputElement).checked })}
                        />
                        <span aria-hidden="true">{t(processed ? 'cases.processed' : 'cases.unprocessed')}</span>
                      </label>
                    </td>
                    <td>
                      <select
                        aria-label={t('cases.taskLabel', { subject })}
                        value={taskId ?? ''}
                        disabled={busy[c.messageKey]}
                        onChange={(event) => {
                          const value = (event.currentTarget as HTMLSelectElement).value;
                          void update(c, { taskId: value === '' ? null : value });
                        }}
                      >
                        <option value="">{t('cases.noTask')}</option>
                        {props.tasks.map((task) => <option key={task.taskId} value={task.taskId}>{task.title}</option>)}
                      </select>
                    </td>
                    <td>
                      <DownloadButton api={props.api} path={c.emlUrl} label={t('cases.downloadEmlLabel', { subject })}>{t('cases.downloadEml')}</DownloadButton>
                      {imported.has(c.messageKey) ? (
                        <div class="muted">{t('cases.inDocuments')}</div>
                      ) : (
                        <button type="button" class="button button--small" disabled={busy[c.messageKey]} aria-label={t('cases.importLabel', { subject })} onClick={() => void importMessage(c)}>
                          {t('cases.import')}
                        </button>
                      )}
                      {done[c.messageKey] ? <p class="outbox-result" role="status">{done[c.messageKey]}</p> : null}
                      {error ? <ErrorNote title={t('cases.updateFailed')} error={error} class="error-note--inline" /> : null}
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

export function CaseTasks(props: { api: ApiClient; caseId: string; tasks: CaseTask[]; onTasks: (tasks: CaseTask[]) => void; onStale: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [title, setTitle] = useState('');
  const [adding, setAdding] = useState(false);
  const [addError, setAddError] = useState<PlainError | null>(null);
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState<Record<string, boolean>>({});
  const [errors, setErrors] = useState<Record<string, PlainError | undefined>>({});
  const [pending, setPending] = useState<Record<string, boolean | undefined>>({});
  const base = `${caseApiPath(props.caseId)}/tasks`;

  const add = async (event: Event): Promise<void> => {
    event.preventDefault();
    const wanted = title.trim();
    if (wanted === '') {
      setAddError({ message: t('cases.taskEmpty'), detail: null });
      return;
    }
    setAdding(true);
    setAddError(null);
    setNotice('');
    try {
      const task = await props.api.send<CaseTask>('POST', base, { title: wanted });
      props.onTasks([...props.tasks, task]);
      setTitle('');
      setNotice(t('cases.taskAdded', { title: task.title }));
    } catch (failure) {
      setAddError(describeError(failure, i18n, 'cases.notFound'));
    } finally {
      setAdding(false);
    }
  };

  const toggle = async (task: CaseTask, done: boolean): Promise<void> => {
    setBusy((b) => ({ ...b, [task.taskId]: true }));
    setErrors((e) => ({ ...e, [task.taskId]: undefined }));
    setPending((p) => ({ ...p, [task.taskId]: done }));
    try {
      const updated = await props.api.send<CaseTask>('PATCH', `${base}/${encodeURIComponent(task.taskId)}`, { done }, { headers: { 'if-match': `"${task.version}"` } });
      props.onTasks(props.tasks.map((x) => (x.taskId === updated.taskId ? updated : x)));
    } catch (failure) {
      const conflict = failure instanceof ApiError && failure.status === 409;
      setErrors((e) => ({ ...e, [task.taskId]: conflict ? { message: t('cases.taskConflict'), detail: null } : describeError(failure, i18n, 'cases.notFound') }));
      if (conflict) props.onStale();
    } finally {
      setBusy((b) => ({ ...b, [task.taskId]: false }));
      setPending((p) => ({ ...p, [task.taskId]: undefined }));
    }
  };

  return (
    <section class="case__section" aria-labelledby="case-tasks">
      <h2 id="case-tasks">{t('cases.tasks')}</h2>
      {props.tasks.length === 0 ? <p class="muted">{t('cases.noTasks')}</p> : (
        <ul class="case__list case__tasks">
          {props.tasks.map((task) => (
            <li key={task.taskId} data-task-id={task.taskId}>
              <label class="checkbox">
                <input type="checkbox" checked={pending[task.taskId] ?? task.done} disabled={busy[task.taskId]} onChange={(event) => void toggle(task, (event.currentTarget as HTMLInputElement).checked)} />
                <span class={task.done ? 'case__task--done' : undefined}>{task.title}</span>
                <span class="visually-hidden"> · {t(task.done ? 'cases.taskIsDone' : 'cases.taskIsOpen')}</span>
              </label>
              {task.assignee ? <span class="muted"> · {task.assignee}</span> : null}
              {errors[task.taskId] ? <ErrorNote title={t('cases.taskFailed')} error={errors[task.taskId]!} class="error-note--inline" /> : null}
            </li>
          ))}
        </ul>
      )}
      <form class="case__add" onSubmit={(event) => void add(event)} noValidate>
        <label class="field field--inline">
          <span>{t('cases.newTask')}</span>
          <input
            type="text"
            value={title}
            maxLength={300}
            aria-invalid={addError !== null}
            aria-describedby={addError ? 'case-task-error' : undefined}
            onInput={(event) => setTitle((event.currentTarget as HTMLInputElement).value)}
          />
        </label>
        <button type="submit" class="button button--small button--primary" disabled={adding} aria-busy={adding}>{t('cases.addTask')}</button>
        <span class="muted" role="status">{notice}</span>
      </form>
      {addError ? <ErrorNote id="case-task-error" title={t('cases.taskFailed')} error={addError} /> : null}
    </section>
  );
}

export function CaseDocuments(props: { api: ApiClient; items: CaseDocument[] }) {
  const i18n = useI18n();
  const { t } = i18n;
  const kind = (k: CaseDocument['kind']): string => t(k === 'message' ? 'cases.kind.message' : k === 'attachment' ? 'cases.kind.attachment' : 'cases.kind.forwarded');
  return (
    <section class="case__section" aria-labelledby="case-documents">
      <h2 id="case-documents">{t('cases.documents')}</h2>
      {props.items.length === 0 ? <p class="muted">{t('cases.noDocuments')}</p> : (
        <ul class="case__list case__documents">
          {props.items.map((d) => (
            <li key={d.documentId} data-document-id={d.documentId}>
              <DownloadButton api={props.api} path={d.downloadUrl} label={t('cases.downloadLabel', { filename: d.filename })}>{d.filename}</DownloadButton>
              <span class="muted">
                {' · '}{kind(d.kind)}
                {d.size !== null ? ` · ${i18n.formatBytes(d.size)}` : ''}
                {' · '}<time dateTime={d.addedAt}>{i18n.formatListDate(d.addedAt)}</time>
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
