/**
 * The composer's template and signature pickers. Choosing a template asks the API to fill it for
 * this conversation (contact, organisation, case, the user) and puts the result in the composer
 * without changing the template; merge fields that had no value are listed so the user fills or
 * removes them (the API refuses to send raw braces). The signature is the user's default unless
 * they pick another or none.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import { useI18n } from '../i18n/i18n';
import { describeError, type PlainError } from '../lib/errors';
import { ErrorNote } from './error-note';

interface TemplateItem {
  templateId: string;
  folder: string;
  title: string;
  type: 'email' | 'sms';
  state: 'draft' | 'published';
}

export interface RenderedTemplate {
  subject: string;
  body: string;
  senderName: string | null;
  missing: { field: string; token: string; in: ('subject' | 'body')[] }[];
}

/** `undefined`: the user's default signature; `null`: none. */
export type SignatureChoice = string | null | undefined;

export function TemplatePicker(props: {
  api: ApiClient;
  mailboxId: string;
  conversationId: string | null;
  onApply: (rendered: RenderedTemplate) => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const [templates, setTemplates] = useState<TemplateItem[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<PlainError | null>(null);
  const base = `/api/mailboxes/${encodeURIComponent(props.mailboxId)}/templates`;

  useEffect(() => {
    props.api.get<{ items: TemplateItem[] }>(`${base}?type=email&state=published`).then((page) => setTemplates(page.items), () => setTemplates([]));
  }, [props.mailboxId]);

  if (templates.length === 0) return null;

  const apply = async (templateId: string): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const rendered = await props.api.send<RenderedTemplate>('POST', `${base}/${encodeURIComponent(templateId)}/render`,
        props.conversationId ? { conversationId: props.conversationId } : {});
      props.onApply(rendered);
    } catch (failure) {
      setError(describeError(failure, i18n));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="composer__template">
      <label class="field field--inline">
        <span>{t('composer.template')}</span>
        <select
          value=""
          disabled={busy}
          onChange={(event) => {
            const id = (event.currentTarget as HTMLSelectElement).value;
            if (id) void apply(id);
          }}
        >
          <option value="">{t('composer.chooseTemplate')}</option>
          {templates.map((tpl) => <option key={tpl.templateId} value={tpl.templateId}>{tpl.folder ? `${tpl.folder} › ${tpl.title}` : tpl.title}</option>)}
        </select>
      </label>
      {error ? <ErrorNote title={t('composer.templateFailed')} error={error} /> : null}
    </div>
  );
}

export function SignaturePicker(props: { api: ApiClient; mailboxId: string; value: SignatureChoice; onChange: (choice: SignatureChoice) => void }) {
  const { t } = useI18n();
  const [signatures, setSignatures] = useState<{ signatureId: string; name: string }[]>([]);
  const [defaultId, setDefaultId] = useState<string | null>(null);
  useEffect(() => {
    props.api.get<{ items: { signatureId: string; name: string }[]; defaultSignatureId: string | null }>(
      `/api/mailboxes/${encodeURIComponent(props.mailboxId)}/signatures`,
    ).then((page) => {
      setSignatures(page.items);
      setDefaultId(page.defaultSignatureId);
    }, () => setSignatures([]));
  }, [props.mailboxId]);
  if (signatures.length === 0) return null;
  const value = props.value === undefined ? (defaultId ?? '') : props.value === null ? '' : props.value;
  return (
    <label class="field field--inline">
      <span>{t('composer.signature')}</span>
      <select value={value} onChange={(event) => {
        const id = (event.currentTarget as HTMLSelectElement).value;
        props.onChange(id === '' ? null : id);
      }}>
        <option value="">{t('composer.noSignature')}</option>
        {signatures.map((s) => <option key={s.signatureId} value={s.signatureId}>{s.name}{s.signatureId === defaultId ? ` (${t('composer.defaultSignature')})` : ''}</option>)}
      </select>
    </label>
  );
}
