/**
 * Errors as RFC 9457 problem details (`application/problem+json`). Every failure a caller can
 * cause maps to one of these; validation problems name each offending field.
 */
import type { z } from 'zod';

export interface FieldError {
  /** Where the value came from and its path, e.g. `query.limit` or `body.to[1].address`. */
  field: string;
  message: string;
}

export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
    this.name = 'ProblemError';
  }
}

export const problems = {
  badRequest: (detail: string, errors: FieldError[]) =>
    new ProblemError(400, 'Invalid request', detail, { errors }),
  unauthorized: () => new ProblemError(401, 'Not signed in', 'A valid bearer token is required.'),
  forbidden: (detail: string) => new ProblemError(403, 'Forbidden', detail),
  notFound: (what: string) => new ProblemError(404, 'Not found', `${what} does not exist or you cannot see it.`),
  conflict: (detail: string, current?: unknown) => new ProblemError(409, 'Conflict', detail, current === undefined ? {} : { current }),
  payloadTooLarge: (detail: string) => new ProblemError(413, 'Payload too large', detail),
  unsupportedMediaType: (detail: string) => new ProblemError(415, 'Unsupported media type', detail),
};

/** Zod issues -> field errors, prefixed with the request part they came from. */
export function fieldErrors(part: 'path' | 'query' | 'body' | 'header', error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => {
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    return { field: `${part}${path}`, message: issue.message };
  });
}

export function problemBody(error: ProblemError, instance?: string): Record<string, unknown> {
  return {
    type: `urn:mailroom:problem:${error.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
    title: error.title,
    status: error.status,
    ...(error.detail ? { detail: error.detail } : {}),
    ...(instance ? { instance } : {}),
    ...error.extensions,
  };
}
