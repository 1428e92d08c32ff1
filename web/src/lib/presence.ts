/**
 * Who else has the conversation open: a heartbeat while it is shown (viewing, or replying while
 * the composer is open on it) that answers with the other members there. Leaving says so at once
 * rather than waiting for the heartbeat to lapse.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';

export interface Presence {
  email: string;
  activity: 'viewing' | 'replying';
  at: string;
}

const DEFAULT_HEARTBEAT_SECONDS = 20;

export function usePresence(api: ApiClient, conversationId: string, activity: 'viewing' | 'replying'): Presence[] {
  const [others, setOthers] = useState<Presence[]>([]);
  useEffect(() => {
    let timer = 0;
    let stopped = false;
    const path = `/api/conversations/${encodeURIComponent(conversationId)}/presence`;
    const beat = async (): Promise<void> => {
      let next = DEFAULT_HEARTBEAT_SECONDS;
      try {
        const answer = await api.send<{ others: Presence[]; heartbeatSeconds: number }>('POST', path, { activity });
        if (stopped) return;
        setOthers(answer.others);
        next = answer.heartbeatSeconds;
      } catch {
        // Presence is a hint: a failed heartbeat only means the next one tries again.
      }
      if (!stopped) timer = window.setTimeout(() => void beat(), next * 1000);
    };
    void beat();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      void api.send('DELETE', path).catch(() => undefined);
    };
  }, [api, conversationId, activity]);
  return others;
}
