/**
 * iconv-lite as the Lambda bundles ship it: the package itself, except that `getCodec` hands out a
 * double-byte (DBCS: GBK, Big5, Shift_JIS, EUC-JP, EUC-KR…) codec that has not been built yet as a
 * stand-in that builds it on first real use.
 *
 * libmime reads `iconv.getCodec('gbk').decoder` when it is imported, only to recognise iconv-lite's
 * shared DBCS decoder class later. Building the GBK codec there (reading two tables and filling its
 * decode and encode tries) cost ~20 ms of every cold start, for mail that is almost never GBK.
 * The stand-in answers `decoder` and `encoder` with the DBCS codec class's prototype members, the
 * very values the built codec would return, and forwards anything else to the codec built by
 * iconv-lite's own `getCodec`. Decoding (`decode`, `getDecoder`, streams) is untouched: iconv-lite
 * calls its own `getCodec` internally.
 *
 * Bundles only: `infra/constructs/bundling.ts` aliases `iconv-lite` to this module (the relative
 * import below escapes that alias). Tests and the local stack run the package as published.
 * See https://github.com/pillarjs/iconv-lite/blob/master/lib/index.js for the lookup mirrored here.
 */
import iconvLite from '../../../node_modules/iconv-lite/lib/index.js';

/** A codec definition in `iconv.encodings`: an alias, an alias with options, or a codec class. */
type CodecDefinition = string | { type: string } | (new (options: object, iconv: object) => object);

/** iconv-lite members used here that its typings leave out (stable since 0.4). */
interface IconvInternals {
  encodings: Record<string, CodecDefinition | undefined> | null;
  _codecDataCache: Record<string, object | undefined>;
  _canonicalizeEncoding(encoding: string): string;
  getCodec(encoding: string): object;
}

interface DbcsCodecClass {
  new (options: object, iconv: object): object;
  readonly prototype: { readonly decoder: unknown; readonly encoder: unknown };
}

const iconv = iconvLite as unknown as IconvInternals;

function encodings(): Record<string, CodecDefinition | undefined> {
  if (iconv.encodings === null) {
    // iconv-lite loads its definitions on the first lookup; utf8 is a table-free codec.
    iconv.getCodec('utf8');
  }
  return iconv.encodings as Record<string, CodecDefinition | undefined>;
}

/**
 * Walks the aliases of `encoding` the way iconv-lite's `getCodec` does, without building anything.
 * True when they lead to the DBCS codec class and no codec on the way is built yet.
 */
function isUnbuiltDbcs(encoding: string): boolean {
  const definitions = encodings();
  let name = iconv._canonicalizeEncoding(encoding);
  for (;;) {
    if (iconv._codecDataCache[name] !== undefined) {
      return false;
    }
    const definition = definitions[name];
    if (typeof definition === 'string') {
      name = definition;
    } else if (typeof definition === 'object' && definition !== null) {
      name = definition.type;
    } else {
      // A codec class, or an unknown name (iconv-lite's getCodec throws its own error for it).
      return typeof definition === 'function' && definition === definitions._dbcs;
    }
  }
}

function lazyDbcsCodec(encoding: string): object {
  const DbcsCodec = encodings()._dbcs as unknown as DbcsCodecClass;
  let codec: object | undefined;
  const built = (): object => (codec ??= iconv.getCodec(encoding));
  // The target only gives the stand-in the codec's prototype (instanceof, method lookup); every
  // other trap reads or writes the built codec.
  return new Proxy(Object.create(DbcsCodec.prototype) as object, {
    get: (_target, key) =>
      codec === undefined && (key === 'decoder' || key === 'encoder') ? DbcsCodec.prototype[key] : Reflect.get(built(), key),
    set: (_target, key, value) => Reflect.set(built(), key, value),
    has: (_target, key) => Reflect.has(built(), key),
    ownKeys: () => Reflect.ownKeys(built()),
    getOwnPropertyDescriptor: (_target, key) => Reflect.getOwnPropertyDescriptor(built(), key),
    defineProperty: (_target, key, descriptor) => Reflect.defineProperty(built(), key, descriptor),
    deleteProperty: (_target, key) => Reflect.deleteProperty(built(), key),
  });
}

/** One stand-in per name, so lookups before the codec is built return the same object; afterwards iconv-lite returns the codec itself. */
const standIns = new Map<string, object>();

function getCodec(encoding: string): object {
  if (!isUnbuiltDbcs(encoding)) {
    return iconv.getCodec(encoding);
  }
  const key = iconv._canonicalizeEncoding(encoding);
  let standIn = standIns.get(key);
  if (standIn === undefined) {
    standIn = lazyDbcsCodec(encoding);
    standIns.set(key, standIn);
  }
  return standIn;
}

/**
 * Inherits everything else from the real module object, so members iconv-lite assigns later (its
 * `encodings`, loaded on first use) are seen through it.
 */
const wrapped = Object.create(iconvLite, {
  getCodec: { value: getCodec, enumerable: true, writable: true, configurable: true },
}) as typeof iconvLite;

export default wrapped;
