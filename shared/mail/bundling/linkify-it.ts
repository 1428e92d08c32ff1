/**
 * linkify-it as the Lambda bundles ship it: a factory whose linkifier is built on first use.
 *
 * mailparser builds its linkifier when it is imported (`linkifyIt().tlds(…).add(…).set(…)`: six
 * compilations of regular expressions over ~1,500 top-level domains, ~10 ms of every cold start) but
 * only uses it to turn plain text into HTML, which Mailroom's `skipTextToHtml` turns off. The object
 * returned here records the configuring calls (`add`, `set`, `tlds`, chainable as in linkify-it) and
 * replays them, in order, on a real linkify-it the first time anything else is asked of it; from then
 * on every access goes to that instance.
 *
 * Bundles only: `infra/constructs/bundling.ts` aliases `linkify-it` to this module and builds the
 * package itself into `lazy/linkify-it.cjs` beside `index.mjs`, where the `require` below finds it
 * (the bundle's `require` resolves from `index.mjs`). See https://github.com/markdown-it/linkify-it
 */

type LinkifyItFactory = (schemas?: object, options?: object) => object;

/** Calls that only configure the linkifier and return it. */
const CONFIGURING = new Set<PropertyKey>(['add', 'set', 'tlds']);

let loaded: LinkifyItFactory | undefined;

function loadLinkifyIt(): LinkifyItFactory {
  loaded ??= (require('./lazy/linkify-it.cjs') as { default: LinkifyItFactory }).default;
  return loaded;
}

export default function linkifyIt(schemas?: object, options?: object): object {
  const pending: [PropertyKey, unknown[]][] = [];
  let instance: Record<PropertyKey, unknown> | undefined;
  const built = (): Record<PropertyKey, unknown> => {
    if (instance === undefined) {
      const real = loadLinkifyIt()(schemas, options) as Record<PropertyKey, unknown>;
      for (const [method, args] of pending) {
        (real[method] as (...a: unknown[]) => unknown).apply(real, args);
      }
      pending.length = 0;
      instance = real;
    }
    return instance;
  };
  const linkifier: object = new Proxy(
    {},
    {
      get: (_target, key) => {
        if (instance === undefined && CONFIGURING.has(key)) {
          return (...args: unknown[]) => {
            pending.push([key, args]);
            return linkifier;
          };
        }
        const real = built();
        const value = real[key];
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(real) : value;
      },
      set: (_target, key, value) => Reflect.set(built(), key, value),
      has: (_target, key) => Reflect.has(built(), key),
      ownKeys: () => Reflect.ownKeys(built()),
      getOwnPropertyDescriptor: (_target, key) => Reflect.getOwnPropertyDescriptor(built(), key),
    },
  );
  return linkifier;
}
