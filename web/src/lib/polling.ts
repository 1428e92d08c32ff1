/**
 * Polls while the tab is visible: every `intervalMs`, and at once when the tab becomes visible
 * again after a poll fell due. A hidden tab makes no requests, so a team that keeps Mailroom open
 * all day in a background tab costs nothing.
 */
import { useEffect, useRef } from 'preact/hooks';

export const POLL_INTERVAL_MS = 15_000;

export function usePolling(poll: () => Promise<unknown> | void, intervalMs = POLL_INTERVAL_MS, enabled = true): void {
  const latest = useRef(poll);
  latest.current = poll;
  useEffect(() => {
    if (!enabled) return;
    let timer: number | undefined;
    let lastRun = Date.now();
    let running = false;
    const run = async (): Promise<void> => {
      if (running) return;
      running = true;
      lastRun = Date.now();
      try {
        await latest.current();
      } finally {
        running = false;
      }
    };
    const schedule = (): void => {
      window.clearTimeout(timer);
      if (document.visibilityState !== 'visible') return;
      timer = window.setTimeout(() => {
        void run().finally(schedule);
      }, Math.max(0, lastRun + intervalMs - Date.now()));
    };
    const onVisibility = (): void => {
      if (document.visibilityState === 'visible' && Date.now() - lastRun >= intervalMs) {
        void run().finally(schedule);
      } else {
        schedule();
      }
    };
    document.addEventListener('visibilitychange', onVisibility);
    schedule();
    return () => {
      window.clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [intervalMs, enabled]);
}
