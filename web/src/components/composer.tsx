/**
 * The composer: a new message from a mailbox, or a reply, reply to all or forward in a
 * conversation. Loaded on first use (see `composer-panel.tsx`), so the inbox's initial bundle
 * stays small.
 *
 * 1. Everything typed is saved as a draft (localStorage) half a second after the last change, and
 *    comes back on reload, after an error or when the composer is opened again.
 * 2. Send posts once with an idempotency key kept for the draft, so a retry after a timeout never
 *    queues a second message.
 * 3. A 400 names refused values by path (`body.to[1]`): each is shown next to its chip or field.
 * 4. On success the draft is removed and the parent shows the undo countdown.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, type ApiClient } from '../api/client';
import type { ComposeResult, Importance, Mailbox, OutboxItem, ReplyKind } from '../api/types';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';
import { ADDRESS_FIELDS, fieldOfError, type AddressField, type Chip } from '../lib/addresses';
import { deleteDraft, loadDraft, saveDraft, type Draft } from '../lib/drafts';
import { describeError } from '../lib/errors';
import { AddressChips, makeChip } from './address-chips';
import { ErrorNote } from './error-note';
import { RichTextEditor } from './rich-text-editor';
import { SignaturePicker, TemplatePicker, type RenderedTemplate, type SignatureChoice } from './template-picker';

export type ComposeContext =
  | { kind: 'new'; mailbox: Mailbox }
  | {
    kind: ReplyKind;
    mailbox: Mailbox;
    conversationId: string;
    /** The message answered or forwarded. */
    messageKey: string;
    subject: string;
    /** Suggested recipients (the sender, and the others for reply-all). */
    to: string[];
    cc: string[];
  };

export function draftKeyOf(context: ComposeContext): string {
  return context.kind === 'new' ? `${context.mailbox.mailboxId}.new` : `${context.conversationId}.${context.kind}`;
}

export interface ComposerProps {
  api: ApiClient;
  context: ComposeContext;
  onClose: () => void;
  /** Queued: the parent shows the undo countdown; `draft` is what to restore on undo. */
  onSent: (message: OutboxItem, draft: Draft) => void;
}

const SUBJECT_PREFIX: Record<ReplyKind, string> = { reply: 'Re: ', 'reply-all': 'Re: ', forward: 'Fwd: ' };

function prefixed(kind: ReplyKind, subject: string): string {
  const already = kind === 'forward' ? /^(fwd?|tr)\s*:/i : /^(re|réf?)\s*:/i;
  return already.test(subject) ? subject : SUBJECT_PREFIX[kind] + subject;
}

function initialDraft(context: ComposeContext): Draft {
  return {
    to: context.kind === 'new' ? [] : context.to,
    cc: context.kind === 'new' ? [] : context.cc,
    bcc: [],
    subject: context.kind === 'new' ? '' : prefixed(context.kind, context.subject),
    html: '',
    importance: 'normal',
    requestReadReceipt: false,
    sendAt: '',
    savedAt: new Date().toISOString(),
  };
}

function newKey(): string {
  return typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

type FieldErrors = Partial<Record<'subject' | 'body' | 'sendAt' | AddressField, string>>;

export function Composer(props: ComposerProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const { context } = props;
  const draftKey = draftKeyOf(context);
  const idBase = `composer-${context.kind}`;
  const restored = useMemo(() => loadDraft(draftKey), [draftKey]);
  const start = restored ?? initialDraft(context);
  const invalid = (text: string): string => t('composer.addressInvalid', { address: text });

  const [chips, setChips] = useState<Record<AddressField, Chip[]>>(() => ({
    to: start.to.map((text) => makeChip(text, invalid)),
    cc: start.cc.map((text) => makeChip(text, invalid)),
    bcc: start.bcc.map((text) => makeChip(text, invalid)),
  }));
  const [pending, setPending] = useState<Record<AddressField, string>>({ to: '', cc: '', bcc: '' });
  const [showCopies, setShowCopies] = useState(start.cc.length + start.bcc.length > 0);
  const [subject, setSubject] = useState(start.subject);
  const body = useRef({ html: start.html, text: '' });
  const [importance, setImportance] = useState<Importance>(start.importance);
  const [readReceipt, setReadReceipt] = useState(start.requestReadReceipt);
  const [sendAt, setSendAt] = useState(start.sendAt);
  const [signature, setSignature] = useState<SignatureChoice>(undefined);
  const [senderName, setSenderName] = useState<string | null>(null);
  /** Merge fields a template could not fill: shown until the user sends or picks another. */
  const [missing, setMissing] = useState<RenderedTemplate['missing']>([]);
  /** Bumped when a template replaces the body: the editor starts again from it. */
  const [bodyGeneration, setBodyGeneration] = useState(0);
  const [bodyStart, setBodyStart] = useState(start.html);
  const [dirty, setDirty] = useState(false);
  const [savedAt, setSavedAt] = useState<string | null>(restored ? restored.savedAt : null);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const idempotencyKey = useRef(newKey());
  const root = useRef<HTMLElement>(null);

  const snapshot = (): Draft => ({
    to: [...chips.to.map((c) => c.text), ...(pending.to.trim() ? [pending.to.trim()] : [])],
    cc: [...chips.cc.map((c) => c.text), ...(pending.cc.trim() ? [pending.cc.trim()] : [])],
    bcc: [...chips.bcc.map((c) => c.text), ...(pending.bcc.trim() ? [pending.bcc.trim()] : [])],
    subject, html: body.current.html, importance, requestReadReceipt: readReceipt, sendAt,
    savedAt: new Date().toISOString(),
  });

  // Autosave, half a second after the last change.
  const [revision, setRevision] = useState(0);
  const touch = (): void => {
    setDirty(true);
    setRevision((n) => n + 1);
  };
  useEffect(() => {
    if (!dirty) return;
    const timer = setTimeout(() => {
      const draft = snapshot();
      if (saveDraft(draftKey, draft)) setSavedAt(draft.savedAt);
    }, 500);
    return () => clearTimeout(timer);
  }, [revision]);

  useEffect(() => {
    const first = root.current?.querySelector<HTMLElement>(context.kind === 'reply' || context.kind === 'reply-all' ? '.editor__area' : '.chips-field__input');
    first?.focus();
  }, []);

  const setField = (field: AddressField, next: Chip[]): void => {
    setChips((c) => ({ ...c, [field]: next }));
    setFieldErrors((e) => ({ ...e, [field]: undefined }));
    touch();
  };

  const close = (): void => {
    if (dirty && !confirm(t('composer.confirmClose'))) return;
    if (dirty) saveDraft(draftKey, snapshot());
    props.onClose();
  };

  const discard = (): void => {
    if (!confirm(t('composer.confirmDiscard'))) return;
    deleteDraft(draftKey);
    props.onClose();
  };

  /** Maps the API's `errors[].field` back onto chips and fields; true when all found a place. */
  const placeErrors = (problemErrors: { field: string; message: string }[], current: Record<AddressField, Chip[]>): boolean => {
    const nextChips = { to: [...current.to], cc: [...current.cc], bcc: [...current.bcc] };
    const nextFields: FieldErrors = {};
    let placed = true;
    for (const { field, message } of problemErrors) {
      const where = fieldOfError(field);
      if (where && (ADDRESS_FIELDS as string[]).includes(where.field)) {
        const list = nextChips[where.field as AddressField];
        const chip = where.index !== null ? list[where.index] : undefined;
        if (chip) list[where.index!] = { ...chip, error: t('composer.addressRefused', { address: chip.text, reason: message }) };
        else nextFields[where.field as AddressField] = message;
      } else if (where?.field === 'subject') nextFields.subject = message;
      else if (where?.field === 'sendAt') nextFields.sendAt = message;
      else if (where?.field === 'html' || where?.field === 'text') nextFields.body = message;
      else placed = false;
    }
    setChips(nextChips);
    setFieldErrors(nextFields);
    return placed;
  };

  const send = async (): Promise<void> => {
    if (sending) return;
    // Take in what was typed but not yet turned into a chip.
    const all: Record<AddressField, Chip[]> = { to: [...chips.to], cc: [...chips.cc], bcc: [...chips.bcc] };
    for (const field of ADDRESS_FIELDS) {
      if (pending[field].trim() !== '') all[field].push(makeChip(pending[field], invalid));
    }
    setChips(all);
    setPending({ to: '', cc: '', bcc: '' });
    setError(null);
    const errors: FieldErrors = {};
    if (context.kind !== 'reply' && context.kind !== 'reply-all' && all.to.length + all.cc.length + all.bcc.length === 0) errors.to = t('composer.noRecipient');
    if (ADDRESS_FIELDS.some((f) => all[f].some((c) => c.error !== null))) errors.to = errors.to ?? t('composer.fixAddresses');
    let sendAtIso: string | undefined;
    if (sendAt !== '') {
      const when = new Date(sendAt);
      if (Number.isNaN(when.getTime()) || when.getTime() < Date.now()) errors.sendAt = t('composer.sendAtPast');
      else sendAtIso = when.toISOString();
    }
    setFieldErrors(errors);
    if (Object.keys(errors).length > 0) return;

    const recipients = (list: Chip[]) => list.map((c) => (c.name ? { address: c.address, name: c.name } : c.address));
    const payload = {
      to: recipients(all.to), cc: recipients(all.cc), bcc: recipients(all.bcc),
      subject, html: body.current.html, text: body.current.text,
      importance, requestReadReceipt: readReceipt,
      ...(sendAtIso ? { sendAt: sendAtIso } : {}),
      ...(signature !== undefined ? { signatureId: signature } : {}),
      ...(senderName ? { senderName } : {}),
      idempotencyKey: idempotencyKey.current,
    };
    const draft = { ...snapshot(), to: all.to.map((c) => c.text), cc: all.cc.map((c) => c.text), bcc: all.bcc.map((c) => c.text) };
    saveDraft(draftKey, draft);
    setSending(true);
    try {
      const result = context.kind === 'new'
        ? await props.api.send<ComposeResult>('POST', `/api/mailboxes/${encodeURIComponent(context.mailbox.mailboxId)}/outbox`, payload)
        : await props.api.send<ComposeResult>('POST', `/api/conversations/${encodeURIComponent(context.conversationId)}/replies`, {
          kind: context.kind, messageKey: context.messageKey, ...payload,
        });
      deleteDraft(draftKey);
      idempotencyKey.current = newKey();
      props.onSent(result.message, draft);
    } catch (failure) {
      setSending(false);
      if (failure instanceof ApiError && failure.status === 400 && failure.problem?.errors?.length) {
        if (placeErrors(failure.problem.errors, all)) {
          setError(new ApiError('http', 400, failure.path, { ...failure.problem, errors: [] }));
          return;
        }
      }
      setError(failure);
    }
  };

  const onKeyDown = (event: KeyboardEvent): void => {
    // The inbox's single-key shortcuts must not act while the composer has focus.
    event.stopPropagation();
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void send();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      close();
    }
  };

  const headingKey: Record<ComposeContext['kind'], MessageKey> = {
    new: 'composer.newTitle', reply: 'composer.replyTitle', 'reply-all': 'composer.replyAllTitle', forward: 'composer.forwardTitle',
  };
  const fieldLabel: Record<AddressField, MessageKey> = { to: 'composer.to', cc: 'composer.cc', bcc: 'composer.bcc' };
  const from = context.mailbox.addresses[0] ?? context.mailbox.name;

  return (
    <section class="composer" ref={root} aria-labelledby={`${idBase}-title`} onKeyDown={onKeyDown}>
      <div class="composer__head">
        <h2 id={`${idBase}-title`}>{t(headingKey[context.kind])}</h2>
        <button type="button" class="button button--ghost button--small" onClick={close} aria-keyshortcuts="Escape">
          {t('app.close')}
        </button>
      </div>
      <form
        class="composer__form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void send();
        }}
      >
        <div class="composer__row">
          <span class="composer__label">{t('composer.from')}</span>
          <span class="composer__from">{context.mailbox.name} &lt;{from}&gt;</span>
        </div>
        {ADDRESS_FIELDS.filter((f) => f === 'to' || showCopies).map((field) => (
          <AddressChips
            key={field}
            id={`${idBase}-${field}`}
            label={t(fieldLabel[field])}
            chips={chips[field]}
            onChange={(next) => setField(field, next)}
            fieldError={fieldErrors[field] ?? null}
            pending={pending[field]}
            onPending={(text) => {
              setPending((p) => ({ ...p, [field]: text }));
              touch();
            }}
          />
        ))}
        {showCopies ? null : (
          <button type="button" class="button button--link composer__copies" onClick={() => setShowCopies(true)}>
            {t('composer.addCopies')}
          </button>
        )}
        <label class="field composer__subject">
          <span>{t('composer.subject')}</span>
          <input
            type="text"
            value={subject}
            maxLength={998}
            aria-invalid={fieldErrors.subject ? true : undefined}
            onInput={(event) => {
              setSubject((event.currentTarget as HTMLInputElement).value);
              touch();
            }}
          />
          {fieldErrors.subject ? <span class="field-error" role="alert">{fieldErrors.subject}</span> : null}
        </label>
        <TemplatePicker
          api={props.api}
          mailboxId={context.mailbox.mailboxId}
          conversationId={context.kind === 'new' ? null : context.conversationId}
          onApply={(rendered) => {
            if (rendered.subject && (context.kind === 'new' || subject.trim() === '')) setSubject(rendered.subject);
            body.current = { html: rendered.body, text: '' };
            setBodyStart(rendered.body);
            setBodyGeneration((n) => n + 1);
            setSenderName(rendered.senderName);
            setMissing(rendered.missing);
            touch();
          }}
        />
        {missing.length > 0 ? (
          <p class="composer__missing" role="alert">
            {t('composer.missingFields', { fields: missing.map((m) => m.token).join(', ') })}
          </p>
        ) : null}
        <RichTextEditor
          key={bodyGeneration}
          id={`${idBase}-body`}
          label={t('composer.body')}
          initialHtml={bodyStart}
          error={fieldErrors.body ?? null}
          onChange={(html, text) => {
            body.current = { html, text };
            touch();
          }}
        />
        <fieldset class="composer__options">
          <legend class="visually-hidden">{t('composer.options')}</legend>
          <label class="field field--inline">
            <span>{t('composer.importance')}</span>
            <select
              value={importance}
              onChange={(event) => {
                setImportance((event.currentTarget as HTMLSelectElement).value as Importance);
                touch();
              }}
            >
              <option value="normal">{t('composer.importance.normal')}</option>
              <option value="high">{t('composer.importance.high')}</option>
              <option value="low">{t('composer.importance.low')}</option>
            </select>
          </label>
          <SignaturePicker api={props.api} mailboxId={context.mailbox.mailboxId} value={signature} onChange={(choice) => {
            setSignature(choice);
            touch();
          }} />
          <label class="checkbox">
            <input
              type="checkbox"
              checked={readReceipt}
              onChange={(event) => {
                setReadReceipt((event.currentTarget as HTMLInputElement).checked);
                touch();
              }}
            />
            {t('composer.readReceipt')}
          </label>
          <label class="field field--inline">
            <span>{t('composer.sendAt')}</span>
            <input
              type="datetime-local"
              value={sendAt}
              aria-invalid={fieldErrors.sendAt ? true : undefined}
              aria-describedby={`${idBase}-sendat-hint`}
              onInput={(event) => {
                setSendAt((event.currentTarget as HTMLInputElement).value);
                touch();
              }}
            />
          </label>
          <span id={`${idBase}-sendat-hint`} class="hint">{t('composer.sendAtHint')}</span>
          {fieldErrors.sendAt ? <p class="field-error" role="alert">{fieldErrors.sendAt}</p> : null}
        </fieldset>
        {error !== null ? <ErrorNote title={t('composer.sendFailed')} error={describeError(error, i18n)} /> : null}
        <div class="composer__foot">
          <button type="submit" class="button button--primary" disabled={sending} aria-keyshortcuts="Control+Enter Meta+Enter">
            {sending ? t('composer.sending') : sendAt ? t('composer.schedule') : t('composer.send')}
          </button>
          <button type="button" class="button button--ghost" onClick={discard}>{t('composer.discard')}</button>
          <span class="hint" aria-live="polite">
            {savedAt ? t('composer.draftSaved', { time: i18n.formatTime(new Date(savedAt)) }) : t('composer.sendHint')}
          </span>
        </div>
      </form>
    </section>
  );
}
