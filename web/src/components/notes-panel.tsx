/**
 * Internal notes (the team's discussion on a conversation, never sent to the customer): loading
 * them, showing one among the messages, and the note box with @mention suggestions from the
 * mailbox's members. Notes do not change the conversation's version, so the conversation's own
 * reloads never bring new ones: the notes are polled on their own while the conversation is open.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import type { ConversationNote, MailboxMember, NotePage } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { describeError } from '../lib/errors';
import { activeMention, insertMention, matchMembers, mentionHandle, pickedMentions, splitMentions } from '../lib/mentions';
import { usePolling } from '../lib/polling';
import { ErrorNote } from './error-note';

/** Notes are read again this often while the conversation is open (and the tab visible). */
export const NOTES_POLL_MS = 30_000;
/** Pages of 100 read at most per load: a conversation with more notes shows the first 1,000. */
const MAX_NOTE_PAGES = 10;
/** The API's limit (shared/workflow/notes.ts, MAX_NOTE_LENGTH). */
const MAX_NOTE_LENGTH = 10_000;

/** The members of a mailbox, for names and @mentions; null while loading. */
export function useMembers(api: ApiClient, mailboxId: string): { members: MailboxMember[] | null; error: unknown } {
  const [members, setMembers] = useState<MailboxMember[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const controller = new AbortController();
    setMembers(null);
    setError(null);
    api.get<{ items: MailboxMember[] }>(`/api/mailboxes/${encodeURIComponent(mailboxId)}/members`, { signal: controller.signal }).then(
      (page) => setMembers(page.items),
      (failure: unknown) => {
        if (controller.signal.aborted) return;
        setMembers([]);
        setError(failure);
      },
    );
    return () => controller.abort();
  }, [api, mailboxId]);
  return { members, error };
}

export interface NotesState {
  /** Oldest first; null until the first load. */
  notes: ConversationNote[] | null;
  error: unknown;
  retry: () => void;
  /** A note this page just added: shown at once, without waiting for the next poll. */
  added: (note: ConversationNote) => void;
}

export function useNotes(api: ApiClient, conversationId: string): NotesState {
  const [notes, setNotes] = useState<ConversationNote[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const base = `/api/conversations/${encodeURIComponent(conversationId)}/notes?limit=100`;

  const load = async (signal?: AbortSignal): Promise<void> => {
    try {
      const all: ConversationNote[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < MAX_NOTE_PAGES; page += 1) {
        const loaded: NotePage = await api.get<NotePage>(cursor === null ? base : `${base}&cursor=${encodeURIComponent(cursor)}`, signal ? { signal } : {});
        all.push(...loaded.items);
        cursor = loaded.nextCursor;
        if (cursor === null) break;
      }
      if (signal?.aborted) return;
      setNotes(all);
      setError(null);
    } catch (failure) {
      if (!signal?.aborted) setError(failure);
    }
  };

  useEffect(() => {
    const controller = new AbortController();
    setNotes(null);
    void load(controller.signal);
    return () => controller.abort();
  }, [base, attempt]);
  usePolling(() => load(), NOTES_POLL_MS);

  return {
    notes,
    error,
    retry: () => setAttempt((n) => n + 1),
    added: (note) => setNotes((list) => (list === null || list.some((n) => n.noteId === note.noteId) ? list : [...list, note])),
  };
}

function nameOf(email: string, members: MailboxMember[] | null): string {
  return members?.find((m) => m.email === email)?.name || email;
}

function LockIcon() {
  return (
    <svg aria-hidden="true" viewBox="0 0 24 24" width="14" height="14">
      <path d="M7 11V8a5 5 0 0 1 10 0v3M6 11h12v9H6z" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round" />
    </svg>
  );
}

/** One note, as it sits among the messages: marked internal in words, not by colour alone. */
export function NoteItem(props: { note: ConversationNote; members: MailboxMember[] | null; me: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { note } = props;
  const author = note.author === props.me ? t('conversation.you') : nameOf(note.author, props.members);
  return (
    <article class="note" aria-label={t('notes.noteBy', { author })}>
      <header class="note__head">
        <span class="note__badge"><LockIcon /> {t('notes.internal')}</span>
        <strong>{author}</strong>
        <time class="muted" dateTime={note.createdAt}>{i18n.formatFullDate(note.createdAt)}</time>
      </header>
      <p class="note__body">
        {splitMentions(note.body).map((part, index) => (part.mention ? <span key={index} class="note__mention">{part.text}</span> : part.text))}
      </p>
      {note.mentions.length > 0 ? (
        <p class="note__mentioned muted">{t('notes.mentioned', { names: note.mentions.map((m) => (m === props.me ? t('conversation.you') : nameOf(m, props.members))).join(', ') })}</p>
      ) : null}
    </article>
  );
}

function newKey(): string {
  return typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

/**
 * The note box. Typing `@` suggests the mailbox's members under the field (arrow keys, Enter or
 * Tab to pick, Escape to close; the field keeps the focus, `aria-activedescendant` points at the
 * active option). Each attempt carries one idempotency key, so retrying after a timeout never
 * adds the note twice.
 */
export function NoteForm(props: {
  api: ApiClient;
  conversationId: string;
  members: MailboxMember[] | null;
  membersError: unknown;
  me: string;
  onAdded: (note: ConversationNote) => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const [text, setText] = useState('');
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState(false);
  const [busy, setBusy] = useState(false);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const picked = useRef(new Map<string, string>());
  const key = useRef(newKey());
  const field = useRef<HTMLTextAreaElement>(null);
  const id = `note-${props.conversationId}`;

  const mention = activeMention(text, caret);
  const options = mention && !dismissed && props.members ? matchMembers(props.members, mention.query, props.me) : [];
  const open = options.length > 0;

  useEffect(() => {
    setActive(0);
  }, [mention?.query, mention?.start]);

  const sync = (target: HTMLTextAreaElement): void => {
    setText(target.value);
    setCaret(target.selectionStart ?? target.value.length);
  };

  const pick = (member: MailboxMember): void => {
    if (!mention) return;
    const handle = mentionHandle(member, props.members ?? []);
    const next = insertMention(text, mention.start, caret, handle);
    picked.current.set(handle, member.email);
    setText(next.text);
    setCaret(next.caret);
    setDismissed(false);
    const element = field.current;
    if (element) {
      element.value = next.text;
      element.setSelectionRange(next.caret, next.caret);
      element.focus();
    }
  };

  const submit = async (): Promise<void> => {
    const body = text.trim();
    if (body === '') {
      setFieldError(t('notes.empty'));
      field.current?.focus();
      return;
    }
    if (body.length > MAX_NOTE_LENGTH) {
      setFieldError(t('notes.tooLong', { max: i18n.formatNumber(MAX_NOTE_LENGTH) }));
      field.current?.focus();
      return;
    }
    setBusy(true);
    setFieldError(null);
    setError(null);
    setStatus(t('notes.submitting'));
    try {
      const result = await props.api.send<{ note: ConversationNote; created: boolean }>(
        'POST',
        `/api/conversations/${encodeURIComponent(props.conversationId)}/notes`,
        { body, mentions: pickedMentions(text, picked.current), idempotencyKey: key.current },
      );
      props.onAdded(result.note);
      setText('');
      setCaret(0);
      picked.current.clear();
      key.current = newKey();
      setStatus(t('notes.added'));
    } catch (failure) {
      setStatus('');
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const onKeyDown = (event: KeyboardEvent): void => {
    if (open && (event.key === 'ArrowDown' || event.key === 'ArrowUp')) {
      event.preventDefault();
      setActive((current) => (current + (event.key === 'ArrowDown' ? 1 : -1) + options.length) % options.length);
    } else if (open && (event.key === 'Enter' || event.key === 'Tab') && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      event.preventDefault();
      pick(options[Math.min(active, options.length - 1)]!);
    } else if (open && event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      setDismissed(true);
    } else if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void submit();
    }
  };

  const listId = `${id}-members`;
  const optionId = (index: number): string => `${id}-member-${index}`;
  const describedBy = [`${id}-hint`, fieldError ? `${id}-error` : '', error !== null ? `${id}-failure` : ''].filter(Boolean).join(' ');
  return (
    <form
      class="note-form"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <label for={id} class="note-form__label">{t('notes.field')}</label>
      <p id={`${id}-hint`} class="hint">{t('notes.fieldHint')}</p>
      <div class="note-form__box">
        <textarea
          id={id}
          ref={field}
          rows={3}
          value={text}
          aria-autocomplete="list"
          aria-controls={listId}
          aria-activedescendant={open ? optionId(Math.min(active, options.length - 1)) : undefined}
          aria-describedby={describedBy}
          aria-invalid={fieldError !== null}
          aria-keyshortcuts="Control+Enter"
          onInput={(event) => {
            sync(event.currentTarget);
            setDismissed(false);
            if (fieldError) setFieldError(null);
          }}
          onKeyDown={onKeyDown}
          onKeyUp={(event) => {
            if (event.key.startsWith('Arrow') && !open) setCaret(event.currentTarget.selectionStart ?? 0);
          }}
          onClick={(event) => setCaret(event.currentTarget.selectionStart ?? 0)}
          onBlur={() => setDismissed(true)}
        />
        <ul id={listId} class="suggestions" role="listbox" aria-label={t('notes.suggestions')} hidden={!open}>
          {open
            ? options.map((member, index) => (
                <li
                  key={member.email}
                  id={optionId(index)}
                  role="option"
                  aria-selected={index === active}
                  class={`suggestion${index === active ? ' suggestion--active' : ''}`}
                  onMouseDown={(event) => event.preventDefault()}
                  onClick={() => pick(member)}
                >
                  <span class="suggestion__name">{member.name || member.email}</span>
                  {member.name ? <span class="suggestion__email">{member.email}</span> : null}
                </li>
              ))
            : null}
        </ul>
      </div>
      <p class="visually-hidden" aria-live="polite">{open ? i18n.tp('notes.suggested', options.length) : ''}</p>
      {fieldError ? <p id={`${id}-error`} class="field-error" role="alert">{fieldError}</p> : null}
      {props.membersError !== null ? <p class="hint">{t('notes.membersFailed')}</p> : null}
      {error !== null ? <ErrorNote id={`${id}-failure`} title={t('notes.failed')} error={describeError(error, i18n, 'conversation.notFound')} onRetry={() => void submit()} /> : null}
      <div class="note-form__buttons">
        <button type="submit" class="button button--small button--primary" disabled={busy}>{busy ? t('notes.submitting') : t('notes.submit')}</button>
        <span class="muted" role="status">{status}</span>
      </div>
    </form>
  );
}

/** The discussion's footer under the messages: what notes are, how many, and the note box. */
export function NotesSection(props: {
  api: ApiClient;
  conversationId: string;
  notes: NotesState;
  members: MailboxMember[] | null;
  membersError: unknown;
  me: string;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const { notes } = props;
  return (
    <section class="notes" aria-labelledby="notes-heading">
      <h3 id="notes-heading">
        <LockIcon /> {t('notes.heading')}
        {notes.notes !== null && notes.notes.length > 0 ? <span class="muted notes__count"> · {i18n.tp('notes.count', notes.notes.length)}</span> : null}
      </h3>
      <p class="notes__hint">{t('notes.internalHint')}</p>
      {notes.error !== null ? (
        <ErrorNote title={t('notes.loadFailed')} error={describeError(notes.error, i18n, 'conversation.notFound')} onRetry={notes.retry} />
      ) : null}
      <NoteForm api={props.api} conversationId={props.conversationId} members={props.members} membersError={props.membersError} me={props.me} onAdded={notes.added} />
    </section>
  );
}
