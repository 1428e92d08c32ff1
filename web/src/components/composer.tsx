/**
 * The composer: a new message from a mailbox, or a reply, reply to all or forward in a
 * conversation. Loaded on first use (see `composer-panel.tsx`), so the inbox's initial bundle
 * stays small.
 *
 * 1. Everything typed is saved as a draft on this device half a second after the last change, and
 *    to the account a second later (`lib/draft-sync.ts`); it comes back on reload, after an error,
 *    when the composer is opened again or from the Drafts list on another device.
 * 2. Send posts once with an idempotency key kept for the draft, so a retry after a timeout never
 *    queues a second message.
 * 3. A 400 names refused values by path (`body.to[1]`): each is shown next to its chip or field.
 * 4. On success the draft is removed and the parent shows the undo countdown.
 * 5. Files go straight to storage as they are attached (`composer-attachments.tsx`); Send refuses,
 *    saying why, while one is still uploading or has failed, rather than send without it.
 * 6. A recipient that bounced permanently or complained before is flagged next to its chip as it
 *    is typed (`lib/recipient-check.ts`); the message can still be sent.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, type ApiClient } from '../api/client';
import type { ComposeResult, Importance, Mailbox, OutboxItem, ReplyKind } from '../api/types';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';
import { ADDRESS_FIELDS, fieldOfError, type AddressField, type Chip } from '../lib/addresses';
import { loadDraft, type Draft } from '../lib/drafts';
import { DraftSync, mayBeBehindServer, refreshFromServer, type DraftSyncStatus } from '../lib/draft-sync';
import { describeError } from '../lib/errors';
import { useSuppressedRecipients } from '../lib/recipient-check';
import { bodyForSending, inlineImageHtml, inlineKeysShown, inlineSource, isImage, showsUpload, withReadLinks } from '../lib/uploads';
import { AddressChips, makeChip } from './address-chips';
import { ErrorNote } from './error-note';
import { CaseDocumentPicker, ComposerAttachments, readAsDataUrl, useAttachments, type CaseDocumentRef } from './composer-attachments';
import { RichTextEditor } from './rich-text-editor';
import { SignaturePicker, TemplatePicker, type RenderedTemplate, type SignatureChoice } from './template-picker';

export type ComposeContext =
  | { kind: 'new'; mailbox: Mailbox; /** The server draft opened from Drafts. */ draftId?: string }
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
    /** The server draft opened from Drafts. */
    draftId?: string;
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

/**
 * The composer, once this device's copy of a server draft is up to date with what another device
 * saved since (a short read, only when the copy names a fully saved server draft).
 */
export function Composer(props: ComposerProps) {
  const { t } = useI18n();
  const key = draftKeyOf(props.context);
  const [ready, setReady] = useState(() => !mayBeBehindServer(key));
  useEffect(() => {
    if (ready) return;
    let live = true;
    void refreshFromServer(props.api, key).finally(() => {
      if (live) setReady(true);
    });
    return () => {
      live = false;
    };
  }, []);
  if (!ready) {
    return (
      <section class="composer" aria-busy="true">
        <p class="muted">{t('app.loading')}</p>
      </section>
    );
  }
  return <ComposerForm {...props} />;
}

function ComposerForm(props: ComposerProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const { context } = props;
  const draftKey = draftKeyOf(context);
  const idBase = `composer-${context.kind}`;
  const restored = useMemo(() => loadDraft(draftKey), [draftKey]);
  const [syncStatus, setSyncStatus] = useState<DraftSyncStatus>({ state: 'idle' });
  const sync = useMemo(() => new DraftSync({
    api: props.api, key: draftKey, serverId: context.draftId ?? null, onStatus: setSyncStatus,
    target: context.kind === 'new'
      ? { kind: 'new', mailboxId: context.mailbox.mailboxId }
      : { kind: context.kind, conversationId: context.conversationId, messageKey: context.messageKey || null },
  }), [draftKey]);
  useEffect(() => {
    setSyncStatus(sync.status);
    sync.resume();
    return () => sync.dispose();
  }, [sync]);
  const start = restored ?? initialDraft(context);
  const invalid = (text: string): string => t('composer.addressInvalid', { address: text });

  const [chips, setChips] = useState<Record<AddressField, Chip[]>>(() => ({
    to: start.to.map((text) => makeChip(text, invalid)),
    cc: start.cc.map((text) => makeChip(text, invalid)),
    bcc: start.bcc.map((text) => makeChip(text, invalid)),
  }));
  const [pending, setPending] = useState<Record<AddressField, string>>({ to: '', cc: '', bcc: '' });
  const suppressed = useSuppressedRecipients(props.api, context.mailbox.mailboxId, ADDRESS_FIELDS.flatMap((f) => chips[f].map((c) => c.address)));
  const recipientWarnings = useMemo(() => new Map([...suppressed].map(([address, s]) => [address, s.reason === 'complained'
    ? t('composer.suppressed.complained', { address: s.address, date: i18n.formatListDate(s.at) })
    : t('composer.suppressed.bounced', { address: s.address, date: i18n.formatListDate(s.at), diagnostic: s.diagnostic ? ` (${s.diagnostic})` : '' })])), [suppressed, i18n]);
  const [showCopies, setShowCopies] = useState(start.cc.length + start.bcc.length > 0);
  const [subject, setSubject] = useState(start.subject);
  const body = useRef({ html: start.html, text: '' });
  const [importance, setImportance] = useState<Importance>(start.importance);
  const [readReceipt, setReadReceipt] = useState(start.requestReadReceipt);
  const [deliveryReceipt, setDeliveryReceipt] = useState(start.requestDeliveryReceipt === true);
  const attachments = useAttachments(props.api, context.mailbox.mailboxId, start.attachments, () => touch());
  const [caseDocuments, setCaseDocuments] = useState<CaseDocumentRef[]>(start.caseDocuments ?? []);
  /** Why Send refused because of the attachments (still uploading, or failed). */
  const [attachBlocked, setAttachBlocked] = useState<string | null>(null);
  const [dropping, setDropping] = useState(false);
  const [sendAt, setSendAt] = useState(start.sendAt);
  const [signature, setSignature] = useState<SignatureChoice>(undefined);
  const [senderName, setSenderName] = useState<string | null>(null);
  /** Merge fields a template could not fill: shown until the user sends or picks another. */
  const [missing, setMissing] = useState<RenderedTemplate['missing']>([]);
  /** Bumped when a template replaces the body: the editor starts again from it. */
  const [bodyGeneration, setBodyGeneration] = useState(0);
  const [bodyStart, setBodyStart] = useState(start.html);
  // A restored draft names its inline images by their bare upload address, which cannot be read:
  // show them from read links (the body sent keeps the address).
  useEffect(() => {
    const keys = inlineKeysShown(start.html, (start.attachments ?? []).filter((a) => a.inline).map((a) => a.uploadKey));
    if (keys.length === 0) return;
    let live = true;
    props.api.send<{ links: { uploadKey: string; url: string }[] }>('POST', `/api/mailboxes/${encodeURIComponent(context.mailbox.mailboxId)}/uploads/read-links`, { uploadKeys: keys })
      .then(({ links }) => {
        if (!live || links.length === 0) return;
        setBodyStart(withReadLinks(body.current.html, links));
        setBodyGeneration((n) => n + 1);
      })
      .catch(() => {
        // The images stay shown by their alt text; the body sent is unchanged.
      });
    return () => {
      live = false;
    };
  }, []);
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
    requestDeliveryReceipt: deliveryReceipt, attachments: attachments.saved(), caseDocuments,
    savedAt: new Date().toISOString(),
  });

  // Autosave, half a second after the last change (on the server a second later).
  const [revision, setRevision] = useState(0);
  const touch = (): void => {
    setDirty(true);
    setRevision((n) => n + 1);
  };
  useEffect(() => {
    if (!dirty) return;
    const timer = setTimeout(() => {
      const draft = snapshot();
      if (sync.change(draft)) setSavedAt(draft.savedAt);
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
    if (dirty) {
      sync.change(snapshot());
      void sync.saveNow();
    }
    props.onClose();
  };

  const discard = (): void => {
    if (!confirm(t('composer.confirmDiscard'))) return;
    void sync.discard();
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

  /** Uploads and case documents for the API; inline images only while the text still shows them. */
  const outgoingFiles = (html: string) => {
    const files = attachments.saved().filter((a) => !a.inline || showsUpload(html, a.uploadKey))
      .map((a) => ({ uploadKey: a.uploadKey, ...(a.inline ? { inline: true } : {}) }));
    return {
      ...(files.length > 0 ? { attachments: files } : {}),
      ...(caseDocuments.length > 0 ? { caseDocuments: caseDocuments.map(({ caseId, documentId }) => ({ caseId, documentId })) } : {}),
    };
  };

  useEffect(() => {
    if (attachments.uploading === 0 && attachments.failed === 0) setAttachBlocked(null);
  }, [attachments.uploading, attachments.failed]);

  const editorArea = (): HTMLElement | null => root.current?.querySelector<HTMLElement>('.editor__area') ?? null;

  /**
   * Uploads images and puts each in the text where the caret is (or `at`, a drop point), once
   * uploaded; anything that is not an image is attached instead.
   */
  const insertImages = async (files: File[], at: Range | null = null): Promise<void> => {
    const images = files.filter(isImage);
    const others = files.filter((file) => !isImage(file));
    if (others.length > 0) void attachments.add(others);
    const links = await attachments.add(images, true);
    for (const [index, link] of links.entries()) {
      const image = images[index];
      const area = editorArea();
      if (!link || !image || !area) continue;
      const preview = await readAsDataUrl(image);
      area.focus();
      const selection = document.getSelection();
      if (selection && at && area.contains(at.startContainer)) {
        selection.removeAllRanges();
        selection.addRange(at);
      } else if (selection && (selection.rangeCount === 0 || !area.contains(selection.anchorNode))) {
        selection.selectAllChildren(area);
        selection.collapseToEnd();
      }
      // Fires the editor's input event, so the body and the draft follow.
      document.execCommand('insertHTML', false, inlineImageHtml(preview, inlineSource(link.url), image.name));
    }
  };

  const hasFiles = (event: DragEvent): boolean => event.dataTransfer?.types.includes('Files') ?? false;

  const onDragOver = (event: DragEvent): void => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    setDropping(true);
  };

  const onDragLeave = (event: DragEvent): void => {
    if (!root.current?.contains(event.relatedTarget as Node | null)) setDropping(false);
  };

  const onDrop = (event: DragEvent): void => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    setDropping(false);
    const files = [...(event.dataTransfer?.files ?? [])];
    const area = editorArea();
    if (area?.contains(event.target as Node) && files.some(isImage)) {
      void insertImages(files, document.caretRangeFromPoint?.(event.clientX, event.clientY) ?? null);
    } else {
      void attachments.add(files);
    }
  };

  const onPaste = (event: ClipboardEvent): void => {
    const images = [...(event.clipboardData?.files ?? [])].filter(isImage);
    if (images.length === 0 || !editorArea()?.contains(event.target as Node)) return;
    event.preventDefault();
    void insertImages(images);
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
    const blocked = attachments.uploading > 0 ? t('composer.attachWait') : attachments.failed > 0 ? t('composer.attachFix') : null;
    setAttachBlocked(blocked);
    setFieldErrors(errors);
    if (Object.keys(errors).length > 0 || blocked !== null) return;

    const recipients = (list: Chip[]) => list.map((c) => (c.name ? { address: c.address, name: c.name } : c.address));
    const payload = {
      to: recipients(all.to), cc: recipients(all.cc), bcc: recipients(all.bcc),
      subject, html: body.current.html, text: body.current.text,
      importance, requestReadReceipt: readReceipt,
      ...(sendAtIso ? { sendAt: sendAtIso } : {}),
      ...(signature !== undefined ? { signatureId: signature } : {}),
      ...(senderName ? { senderName } : {}),
      ...(deliveryReceipt ? { requestDeliveryReceipt: true } : {}),
      ...outgoingFiles(body.current.html),
      idempotencyKey: idempotencyKey.current,
    };
    const draft = { ...snapshot(), to: all.to.map((c) => c.text), cc: all.cc.map((c) => c.text), bcc: all.bcc.map((c) => c.text) };
    sync.change(draft);
    setSending(true);
    try {
      const result = context.kind === 'new'
        ? await props.api.send<ComposeResult>('POST', `/api/mailboxes/${encodeURIComponent(context.mailbox.mailboxId)}/outbox`, payload)
        : await props.api.send<ComposeResult>('POST', `/api/conversations/${encodeURIComponent(context.conversationId)}/replies`, {
          kind: context.kind, messageKey: context.messageKey, ...payload,
        });
      void sync.sent();
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
    <section
      class={`composer${dropping ? ' composer--dropping' : ''}`}
      ref={root}
      aria-labelledby={`${idBase}-title`}
      onKeyDown={onKeyDown}
      onDragOver={onDragOver}
      onDragLeave={onDragLeave}
      onDrop={onDrop}
      onPaste={onPaste}
    >
      {dropping ? <p class="composer__drop" aria-hidden="true">{t('composer.attachDropHere')}</p> : null}
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
            warnings={recipientWarnings}
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
            body.current = { html: bodyForSending(html), text };
            touch();
          }}
        />
        <ComposerAttachments
          id={`${idBase}-attachments`}
          attachments={attachments}
          blocked={attachBlocked}
          onFiles={(files) => void attachments.add(files)}
          onImages={(files) => void insertImages(files)}
        />
        {context.kind !== 'new' ? (
          <CaseDocumentPicker
            api={props.api}
            conversationId={context.conversationId}
            selected={caseDocuments}
            onChange={(next) => {
              setCaseDocuments(next);
              touch();
            }}
          />
        ) : null}
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
          <label class="checkbox">
            <input
              type="checkbox"
              checked={deliveryReceipt}
              onChange={(event) => {
                setDeliveryReceipt((event.currentTarget as HTMLInputElement).checked);
                touch();
              }}
            />
            {t('composer.attachDeliveryReceipt')}
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
          <button type="button" class="button button--ghost" onClick={() => {
            sync.change(snapshot());
            void sync.saveNow();
          }}>{t('drafts.save')}</button>
          <button type="button" class="button button--ghost" onClick={discard}>{t('composer.discard')}</button>
          <span class={`hint${syncStatus.state === 'local' ? ' drafts-hint--local' : ''}`} aria-live="polite">
            {syncStatus.state === 'saving' ? t('drafts.saving')
              : syncStatus.state === 'saved' ? t('drafts.savedAt', { time: i18n.formatTime(new Date(syncStatus.at)) })
                : syncStatus.state === 'local' ? t(syncStatus.why === 'offline' ? 'drafts.savedLocally' : 'drafts.savedLocallyRefused', { time: i18n.formatTime(new Date(syncStatus.at)) })
                  : savedAt ? t('composer.draftSaved', { time: i18n.formatTime(new Date(savedAt)) }) : t('composer.sendHint')}
          </span>
        </div>
      </form>
    </section>
  );
}
