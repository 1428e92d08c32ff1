/**
 * What a conversation is linked to, and the links a person makes by hand: the case (open it, or
 * link the conversation to an existing case by its reference), business records (record-links.tsx:
 * link, unlink, the record's other conversations), and the sender's contact (pick one from the
 * address book, or create it from the sender). Every change sends the
 * version shown (`If-Match`), like the other conversation actions; it bumps that version, so the
 * view reloads the conversation afterwards.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, type ApiClient } from '../api/client';
import type { ConversationSummary } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { CASE_REFERENCE_SHAPE, casePath, type ConversationLinks as Links } from '../lib/cases';
import type { Contact } from '../lib/contacts';
import { describeError, type PlainError } from '../lib/errors';
import { onLinkClick } from '../lib/router';
import { useContactCombobox } from './contact-combobox';
import { ErrorNote } from './error-note';
import { RecordLinks } from './record-links';

export interface ConversationLinksProps {
  api: ApiClient;
  conversation: ConversationSummary;
  /** A link was made: the conversation's version changed. */
  onChanged: () => void;
}

type Area = 'case' | 'contact';

export function ConversationLinks(props: ConversationLinksProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const { conversation } = props;
  const path = `/api/conversations/${encodeURIComponent(conversation.conversationId)}`;
  const [links, setLinks] = useState<Links | null>(null);
  const [contact, setContact] = useState<Contact | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [reload, setReload] = useState(0);
  const [reference, setReference] = useState('');
  const [search, setSearch] = useState('');
  const [newName, setNewName] = useState(conversation.from?.name ?? '');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Partial<Record<Area, PlainError>>>({});
  const [notice, setNotice] = useState('');

  useEffect(() => {
    const controller = new AbortController();
    setLoadError(null);
    props.api.get<Links>(`${path}/links`, { signal: controller.signal }).then(
      async (loaded) => {
        setLinks(loaded);
        if (loaded.contactId === null) {
          setContact(null);
        } else if (loaded.contactId !== contact?.contactId) {
          const found = await props.api.get<Contact>(`/api/contacts/${encodeURIComponent(loaded.contactId)}`, { signal: controller.signal }).catch(() => null);
          if (!controller.signal.aborted) setContact(found);
        }
      },
      (failure: unknown) => {
        if (!controller.signal.aborted) setLoadError(failure);
      },
    );
    return () => controller.abort();
  }, [path, conversation.version, reload]);

  const run = async (area: Area, request: (ifMatch: { headers: Record<string, string> }) => Promise<string>): Promise<boolean> => {
    setBusy(true);
    setErrors({});
    setNotice('');
    try {
      const version = links?.version ?? conversation.version;
      setNotice(await request({ headers: { 'if-match': `"${version}"` } }));
      setReload((n) => n + 1);
      props.onChanged();
      return true;
    } catch (failure) {
      let error: PlainError;
      const current = failure instanceof ApiError ? (failure.problem as { current?: { caseId?: unknown } } | null)?.current : undefined;
      if (area === 'case' && failure instanceof ApiError && failure.status === 409 && typeof current?.caseId === 'string') {
        error = { message: t('links.alreadyInCase'), detail: failure.problem?.detail ?? null };
        setReload((n) => n + 1);
      } else if (failure instanceof ApiError && failure.status === 409) {
        error = { message: t('links.conflict'), detail: failure.problem?.detail ?? null };
        setReload((n) => n + 1);
        props.onChanged();
      } else if (area === 'case' && failure instanceof ApiError && failure.status === 400 && failure.problem?.errors?.some((e) => e.field === 'body.reference')) {
        error = { message: t('links.caseNotFound'), detail: failure.problem.detail ?? null };
      } else {
        error = describeError(failure, i18n, 'conversation.notFound');
      }
      setErrors({ [area]: error });
      return false;
    } finally {
      setBusy(false);
    }
  };

  const linkCase = async (event: Event): Promise<void> => {
    event.preventDefault();
    const wanted = reference.trim().toUpperCase();
    if (!CASE_REFERENCE_SHAPE.test(wanted)) {
      setErrors({ case: { message: t('links.referenceInvalid'), detail: null } });
      return;
    }
    const done = await run('case', async (ifMatch) => {
      const linked = await props.api.send<{ case: { reference: string } }>('POST', `${path}/case-link`, { reference: wanted }, ifMatch);
      return t('links.linked', { reference: linked.case.reference });
    });
    if (done) setReference('');
  };

  const identify = (body: Record<string, unknown>, message: (contact: Contact | null) => string) =>
    run('contact', async (ifMatch) => {
      const result = await props.api.send<{ contact: Contact | null }>('POST', `${path}/contact`, body, ifMatch);
      setContact(result.contact);
      return message(result.contact);
    });

  const finder = useContactCombobox({
    id: `contact-search-${conversation.conversationId}`,
    api: props.api,
    query: search,
    label: t('links.suggestions'),
    onPick: (picked) => {
      setSearch('');
      void identify({ contactId: picked.contactId }, (c) => t('links.identified', { name: c?.fullName || picked.fullName || picked.email }));
    },
  });

  const sender = conversation.from?.address ?? null;
  return (
    <div class="links">
      {links?.case ? (
        <a class="badge badge--case-open links__case" href={casePath(links.case.caseId)} onClick={onLinkClick} title={links.case.title}>
          {t('links.caseBadge', { reference: links.case.reference })}
        </a>
      ) : null}
      {links && links.records.length > 0 ? (
        <p class="links__records">
          <span class="visually-hidden">{t('records.title')}: </span>
          {links.records.map((r) => <span key={`${r.type}/${r.id}`} class="badge badge--record">{t('records.name', { type: r.type, id: r.id })}</span>)}
        </p>
      ) : null}
      <details class="more" onToggle={(event) => (event.currentTarget as HTMLDetailsElement).open && setReload((n) => n + 1)}>
        <summary class="button button--small">{t('links.title')}</summary>
        <div class="more__body links__body">
          {loadError !== null ? <ErrorNote title={t('links.loadFailed')} error={describeError(loadError, i18n, 'conversation.notFound')} onRetry={() => setReload((n) => n + 1)} /> : null}
          <section class="links__part" aria-labelledby={`links-case-${conversation.conversationId}`}>
            <h3 id={`links-case-${conversation.conversationId}`}>{t('links.case')}</h3>
            {links?.case ? (
              <p>
                <a href={casePath(links.case.caseId)} onClick={onLinkClick}>{t('links.openCase', { reference: links.case.reference, title: links.case.title })}</a>
              </p>
            ) : links ? <p class="muted">{t('links.noCase')}</p> : null}
            <form class="links__form" onSubmit={(event) => void linkCase(event)} noValidate>
              <label class="field field--inline">
                <span>{t('links.reference')}</span>
                <input
                  type="text"
                  value={reference}
                  placeholder="C-2026-0042"
                  spellcheck={false}
                  aria-invalid={errors.case !== undefined}
                  aria-describedby={errors.case ? `links-case-error-${conversation.conversationId}` : undefined}
                  onInput={(event) => setReference((event.currentTarget as HTMLInputElement).value)}
                />
              </label>
              <button type="submit" class="button button--small" disabled={busy}>{t('links.linkCase')}</button>
            </form>
            {errors.case ? <ErrorNote id={`links-case-error-${conversation.conversationId}`} title={t('links.failed')} error={errors.case} /> : null}
          </section>
          <RecordLinks
            api={props.api}
            conversationId={conversation.conversationId}
            records={links?.records ?? null}
            version={links?.version ?? conversation.version}
            onChanged={() => {
              setReload((n) => n + 1);
              props.onChanged();
            }}
          />
          <section class="links__part" aria-labelledby={`links-contact-${conversation.conversationId}`}>
            <h3 id={`links-contact-${conversation.conversationId}`}>{t('links.contact')}</h3>
            {links?.contactId ? (
              <p data-contact-id={links.contactId}>
                {contact ? `${contact.fullName || contact.emails[0]}${contact.emails.length > 0 ? ` · ${contact.emails.join(', ')}` : ''}` : links.contactId}
              </p>
            ) : links ? <p class="muted">{t('links.noContact')}</p> : null}
            <div class="links__combo">
              <label class="field field--inline" for={`contact-search-${conversation.conversationId}`}>
                <span>{t('links.findContact')}</span>
              </label>
              <div class="links__combo-box">
                <input
                  id={`contact-search-${conversation.conversationId}`}
                  type="text"
                  value={search}
                  disabled={busy}
                  spellcheck={false}
                  autoComplete="off"
                  aria-describedby={`contact-search-hint-${conversation.conversationId}`}
                  {...finder.inputProps}
                  onInput={(event) => setSearch((event.currentTarget as HTMLInputElement).value)}
                  onKeyDown={(event) => void finder.onKeyDown(event)}
                  onBlur={() => finder.close()}
                />
                {finder.listbox}
              </div>
              <span id={`contact-search-hint-${conversation.conversationId}`} class="visually-hidden">{t('links.findContactHint')}</span>
            </div>
            {sender ? (
              <form
                class="links__form"
                onSubmit={(event) => {
                  event.preventDefault();
                  void identify({ createFromSender: true, ...(newName.trim() ? { fullName: newName.trim() } : {}) }, (c) => t('links.created', { name: c?.fullName || sender }));
                }}
              >
                <label class="field field--inline">
                  <span>{t('links.createName')}</span>
                  <input type="text" value={newName} maxLength={200} onInput={(event) => setNewName((event.currentTarget as HTMLInputElement).value)} />
                </label>
                <button type="submit" class="button button--small" disabled={busy}>{t('links.createFromSender', { address: sender })}</button>
              </form>
            ) : null}
            {errors.contact ? <ErrorNote title={t('links.failed')} error={errors.contact} /> : null}
          </section>
          <p class="muted" role="status">{notice}</p>
        </div>
      </details>
    </div>
  );
}
