/** API failures in plain words: what went wrong for the user, and the server's own words when useful. */
import { ApiError } from '../api/client';
import type { I18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';

export interface PlainError {
  /** What happened, in the user's language. */
  message: string;
  /** The server's explanation (English), shown as secondary text; null when it adds nothing. */
  detail: string | null;
}

export function describeError(error: unknown, i18n: I18n, notFound: MessageKey = 'error.notFound'): PlainError {
  if (!(error instanceof ApiError)) {
    return { message: i18n.t('error.unknown', { status: '?' }), detail: error instanceof Error ? error.message : null };
  }
  const problem = error.problem;
  const fields = problem?.errors?.map((e) => `${e.field}: ${e.message}`).join('; ');
  const detail = fields ? `${problem?.detail ?? ''} ${fields}`.trim() : problem?.detail ?? null;
  const said = (key: MessageKey, params?: Record<string, string | number>): PlainError => ({ message: i18n.t(key, params), detail });
  if (error.kind === 'network') return { message: i18n.t('error.network'), detail: null };
  if (error.kind === 'timeout') return { message: i18n.t('error.timeout'), detail: null };
  switch (error.status) {
    case 400: return said('error.badRequest');
    case 401: return { message: i18n.t('error.unauthorized'), detail: null };
    case 403: return said('error.forbidden');
    case 404: return said(notFound);
    case 409: return said('error.conflict');
    case 413: return said('error.tooLarge');
    case 429: return said('error.tooMany');
    default:
      return error.status >= 500 ? said('error.server', { status: error.status }) : said('error.unknown', { status: error.status });
  }
}
