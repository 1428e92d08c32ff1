import { isUtf8 } from 'node:buffer';

/**
 * Windows-1252 code points for bytes 0x80-0x9F, where it differs from ISO-8859-1. French mail uses
 * them constantly (’ “ ” – — … € œ). Node's own `TextDecoder('windows-1252')` loses them on
 * Node 20.18+, hence this table (https://encoding.spec.whatwg.org/index-windows-1252.txt).
 */
const WINDOWS_1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

/** Decodes Windows-1252 bytes (ISO-8859-1 plus the 0x80-0x9F punctuation above). */
export function decodeWindows1252(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) {
    out += String.fromCharCode(byte >= 0x80 && byte <= 0x9f ? (WINDOWS_1252_HIGH[byte - 0x80] as number) : byte);
  }
  return out;
}

/**
 * Decodes raw 8-bit header text held as a binary (latin1) string, as mailparser and
 * `readHeaderBlock` keep it. UTF-8 is what RFC 6532 allows; anything else is legacy mail whose
 * charset was never declared, read as Windows-1252 (a superset of ISO-8859-1 in practice).
 */
export function decode8bitHeader(binary: string): { text: string; fallback: boolean } {
  if (!/[\x80-\xff]/u.test(binary)) {
    return { text: binary, fallback: false };
  }
  const bytes = Buffer.from(binary, 'latin1');
  if (isUtf8(bytes)) {
    return { text: bytes.toString('utf8'), fallback: false };
  }
  return { text: decodeWindows1252(bytes), fallback: true };
}

/** Charsets mailparser (libmime/iconv-lite) refuses to decode from and reads as UTF-8 instead. */
const REFUSED = /^(?:(?:cs)?unicode11)?utf7(?:imap)?$|^base64$|^hex$/u;

/** Names iconv-lite knows that are not WHATWG encoding labels. */
const ICONV_ONLY =
  /^(?:cp|ibm|ms|csibm|csisolatin)-?\d{1,5}$|^x-mac-[a-z]+$|^mac[a-z]+$|^win(?:dows)?-?\d{3,4}$|^(?:iso-?8859|latin|l)-?\d{1,2}$|^(?:us-?)?ascii$|^utf-?(?:8|16|32)(?:-?[lb]e)?$|^ucs-?2$|^big5(?:-?hkscs)?$|^(?:euc|shift)[-_]?(?:jp|kr|tw|cn|jis)$|^gb(?:2312|k|18030)$|^koi8-?[rut]$|^tis-?620$|^viscii$|^armscii-?8$|^iso-?2022-?(?:jp|kr|cn)(?:-\d)?$|^ks_c_5601-19(?:87|89)$/u;

/**
 * Whether a declared charset is one the decoder knows. An unknown one is decoded as UTF-8, which is
 * worth telling the user about (flag `charset-fallback`).
 */
export function isKnownCharset(label: string): boolean {
  const name = label.trim().replace(/^["']|["']$/gu, '').toLowerCase();
  if (name === '') {
    return true;
  }
  if (REFUSED.test(name.replace(/[^a-z0-9]/gu, ''))) {
    return false;
  }
  if (ICONV_ONLY.test(name)) {
    return true;
  }
  try {
    new TextDecoder(name);
    return true;
  } catch {
    return false;
  }
}

/** Charsets named by RFC 2047 encoded words in a header value (`=?charset*lang?Q?...?=`). */
export function encodedWordCharsets(value: string): string[] {
  const charsets: string[] = [];
  for (const match of value.matchAll(/=\?([^?*\s]+)(?:\*[^?\s]*)?\?[bBqQ]\?/gu)) {
    charsets.push(match[1] as string);
  }
  return charsets;
}
