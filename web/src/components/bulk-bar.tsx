/**
 * Actions on the selected conversations: assign to me, unassign, status, label, archive. Shows
 * progress while the requests run and then, per conversation, what did not go through and why;
 * those stay selected so the user can look at them and try again.
 */
import { useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import { ApiError } from '../api/client';
import type { ConversationStatus, ConversationSummary, MailboxRole } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { runBulk, type BulkAction, type BulkOutcome } from '../lib/bulk';
import { describeError } from '../lib/errors';

const STATUSES: ConversationStatus[] = ['unassigned', 'assigned', 'in_progress', 'todo', 'closed'];

export interface BulkControls {
  run(action: BulkAction): void;
  focusLabel(): void;
}

export interface BulkBarProps {
  api: ApiClient;
  selected: ConversationSummary[];
  role: MailboxRole;
  onDone: (outcomes: BulkOutcome[], action: BulkAction) => void;
  onClear: () => void;
  /** Set by the bar for keyboard shortcuts: run an action, focus the label field. */
  controls: { current: BulkControls | null };
}

export function BulkBar(props: BulkBarProps) {
  const i18n = useI18n();
  const { t, tp } = i18n;
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [failures, setFailures] = useState<BulkOutcome[]>([]);
  const [summary, setSummary] = useState('');
  const [label, setLabel] = useState('');
  const labelInput = useRef<HTMLInputElement>(null);
  const dispatcher = props.role === 'admin' || props.role === 'dispatcher';
  const busy = progress !== null;
  const count = props.selected.length;

  const run = async (action: BulkAction): Promise<void> => {
    if (busy || count === 0) return;
    setFailures([]);
    setSummary('');
    setProgress({ done: 0, total: count });
    const outcomes = await runBulk(props.api, props.selected, action, (done, total) => setProgress({ done, total }));
    setProgress(null);
    const failed = outcomes.filter((o) => o.after === null);
    setFailures(failed);
    setSummary(failed.length === 0 ? tp('bulk.doneAll', outcomes.length) : t('bulk.doneSome', { done: outcomes.length - failed.length, failed: failed.length }));
    props.onDone(outcomes, action);
  };

  props.controls.current = { run: (action) => void run(action), focusLabel: () => labelInput.current?.focus() };

  const reason = (outcome: BulkOutcome): string => {
    if (outcome.error instanceof ApiError && outcome.error.status === 409) return t('bulk.conflict');
    return describeError(outcome.error, i18n, 'conversation.notFound').message;
  };

  return (
    <div class="bulk" role="region" aria-label={t('bulk.region')}>
      <div class="bulk__bar" role="toolbar" aria-label={tp('bulk.selected', count)}>
        <strong class="bulk__count">{tp('bulk.selected', count)}</strong>
        {dispatcher ? (
          <>
            <button type="button" class="button button--small" disabled={busy} aria-keyshortcuts="t" onClick={() => void run({ kind: 'assign', assignee: 'me' })}>
              {t('actions.assignToMe')}
            </button>
            <button type="button" class="button button--small" disabled={busy} onClick={() => void run({ kind: 'assign', assignee: null })}>
              {t('actions.unassign')}
            </button>
          </>
        ) : null}
        <label class="field field--inline">
          <span>{t('bulk.status')}</span>
          <select
            value=""
            disabled={busy}
            onChange={(event) => {
              const next = (event.currentTarget as HTMLSelectElement).value as ConversationStatus;
              if (next) void run({ kind: 'status', status: next });
            }}
          >
            <option value="">{t('bulk.chooseStatus')}</option>
            {STATUSES.map((s) => <option key={s} value={s}>{t(`status.${s}`)}</option>)}
          </select>
        </label>
        <form
          class="bulk__label"
          onSubmit={(event) => {
            event.preventDefault();
            const value = label.trim();
            if (value) void run({ kind: 'label', label: value }).then(() => setLabel(''));
          }}
        >
          <label class="visually-hidden" for="bulk-label">{t('bulk.label')}</label>
          <input
            ref={labelInput}
            id="bulk-label"
            type="text"
            maxLength={40}
            placeholder={t('bulk.label')}
            value={label}
            disabled={busy}
            aria-keyshortcuts="l"
            onInput={(event) => setLabel((event.currentTarget as HTMLInputElement).value)}
          />
          <button type="submit" class="button button--small" disabled={busy || label.trim() === ''}>{t('bulk.addLabel')}</button>
        </form>
        <button type="button" class="button button--small" disabled={busy} aria-keyshortcuts="e" onClick={() => void run({ kind: 'archive' })}>
          {t('bulk.archive')}
        </button>
        <button type="button" class="button button--small button--ghost" disabled={busy} onClick={props.onClear}>{t('bulk.clear')}</button>
      </div>
      {progress ? (
        <p class="bulk__progress">
          <progress max={progress.total} value={progress.done} aria-label={t('bulk.progress', { done: progress.done, total: progress.total })} />
          <span aria-hidden="true"> {t('bulk.progress', { done: progress.done, total: progress.total })}</span>
        </p>
      ) : null}
      <p class="bulk__summary" role="status">{summary}</p>
      {failures.length > 0 ? (
        <ul class="bulk__failures">
          {failures.map((f) => (
            <li key={f.conversation.conversationId}>
              <strong>{f.conversation.subject || t('inbox.noSubject')}</strong> – {reason(f)}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
