/**
 * Opaque paging cursors. A cursor carries only the sort position; the partition is rebuilt from
 * the validated request, so a forged cursor can never read another mailbox's index partition.
 */
import * as z from 'zod';

const cursorSchema = z.object({ s: z.string().max(200), p: z.string().max(300) });
export type CursorPosition = z.infer<typeof cursorSchema>;

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** A zod field for `cursor` query parameters: invalid ones are a 400 naming `query.cursor`. */
export const cursorParam = z.string().max(1000).transform((value, ctx) => {
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through to the issue below
  }
  ctx.addIssue({ code: 'custom', message: 'not a cursor returned by this API' });
  return z.NEVER;
}).describe('Opaque cursor from a previous page (nextCursor).');
