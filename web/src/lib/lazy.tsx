/**
 * A component loaded on first use, so screens most people open rarely (composer, outbox) stay
 * out of the initial bundle. Shows `fallback` meanwhile; a failed load offers a retry.
 */
import type { ComponentType, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export function lazyComponent<P extends object>(load: () => Promise<ComponentType<P>>, fallback: (retry: (() => void) | null) => JSX.Element) {
  let loaded: ComponentType<P> | null = null;
  return function Lazy(props: P) {
    const [component, setComponent] = useState<ComponentType<P> | null>(() => loaded);
    const [failed, setFailed] = useState(false);
    const [attempt, setAttempt] = useState(0);
    useEffect(() => {
      if (component !== null) return;
      let live = true;
      load().then(
        (found) => {
          loaded = found;
          if (live) setComponent(() => found);
        },
        () => live && setFailed(true),
      );
      return () => {
        live = false;
      };
    }, [attempt]);
    if (component === null) return fallback(failed ? () => { setFailed(false); setAttempt((n) => n + 1); } : null);
    const Component = component;
    return <Component {...props} />;
  };
}
