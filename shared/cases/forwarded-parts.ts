/**
 * Recovers the attachments of a forwarded original (an attached `message/rfc822` part): parses the
 * stored part and stores each attachment beside it, under keys derived from the part's key, so a
 * redelivery writes the same objects. Kept apart from the case use cases so the API function,
 * which never parses mail, does not bundle the parser.
 */
import { parseMail } from '../mail/parse.js';
import type { BlobStore } from '../ports/index.js';

export interface ExtractedPart {
  index: number;
  filename: string;
  contentType: string;
  disposition: 'attachment' | 'inline';
  storageKey: string;
  size: number;
}

export type ForwardedPartExtractor = (storageKey: string) => Promise<ExtractedPart[]>;

export function forwardedPartExtractor(blobs: BlobStore): ForwardedPartExtractor {
  return async (storageKey) => {
    const parts: ExtractedPart[] = [];
    await parseMail(await blobs.get(storageKey), {
      sink: async (meta, content) => {
        const key = `${storageKey}/parts/${meta.index}`;
        await blobs.put(key, content, meta.contentType || 'application/octet-stream');
        parts.push({ index: meta.index, filename: meta.filename, contentType: meta.contentType, disposition: meta.disposition, storageKey: key, size: content.length });
        return { storageKey: key };
      },
    });
    return parts;
  };
}
