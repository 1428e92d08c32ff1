/**
 * Warns while a message is written that a recipient is on the organisation's suppression list (an
 * earlier permanent bounce or spam complaint), before the author sends to an address that will not
 * get it. One request per batch of new addresses, shortly after typing stops; each address is
 * asked about once per composer. A failed check warns of nothing: the send's own warnings remain.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import { looksLikeAddress } from './addresses';

export interface Suppressed {
  address: string;
  reason: 'bounced' | 'complained';
  diagnostic: string | null;
  at: string;
}

/** Lower-cased addresses not yet asked about, valid and unique, at most `limit` of them. */
export function addressesToCheck(addresses: string[], known: ReadonlySet<string>, limit = 100): string[] {
  const fresh = new Set<string>();
  for (const raw of addresses) {
    const address = raw.trim().toLowerCase();
    if (address !== '' && looksLikeAddress(address) && !known.has(address)) fresh.add(address);
  }
  return [...fresh].slice(0, limit);
}

/** The suppressed recipients among `addresses`, by lower-cased address. */
export function useSuppressedRecipients(api: ApiClient, mailboxId: string, addresses: string[], delayMs = 400): ReadonlyMap<string, Suppressed> {
  const asked = useRef(new Set<string>());
  const [found, setFound] = useState<ReadonlyMap<string, Suppressed>>(new Map());
  const key = addresses.map((a) => a.toLowerCase()).sort().join(',');
  useEffect(() => {
    const fresh = addressesToCheck(addresses, asked.current);
    if (fresh.length === 0) return;
    let live = true;
    const timer = setTimeout(() => {
      for (const address of fresh) asked.current.add(address);
      api.send<{ suppressed: Suppressed[] }>('POST', `/api/mailboxes/${encodeURIComponent(mailboxId)}/recipient-checks`, { addresses: fresh })
        .then((result) => {
          if (!live || result.suppressed.length === 0) return;
          setFound((current) => new Map([...current, ...result.suppressed.map((s) => [s.address.toLowerCase(), s] as const)]));
        })
        .catch(() => {
          // Ask again next time rather than stay silent about them for good.
          for (const address of fresh) asked.current.delete(address);
        });
    }, delayMs);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, mailboxId, key]);
  return found;
}
