/**
 * The web app's draft sync (web/src/lib/draft-sync.ts) against an in-memory drafts API that
 * answers like shared/api/routes-drafts.ts (versions, 409 with the current draft, 404 once
 * discarded) and can be switched offline; localStorage is a Map.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServerDraft } from '../../../web/src/api/types.js';
import { DraftSync, adoptServerDraft, localKeyOf, mayBeBehindServer, refreshFromServer, retryPendingDiscards, serverContent, type DraftApi, type DraftSyncStatus } from '../../../web/src/lib/draft-sync.js';
import { loadDraft, pendingDiscards, saveDraft, type Draft } from '../../../web/src/lib/drafts.js';

class FakeStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

/** What `ApiError` carries, enough for the sync to tell the cases apart. */
function apiError(status: number, problem: Record<string, unknown> | null = null): Error {
  return Object.assign(new Error(`HTTP ${status}`), { kind: status === 0 ? 'network' : 'http', status, problem });
}

class FakeDraftsApi implements DraftApi {
  readonly drafts = new Map<string, ServerDraft>();
  readonly calls: { method: string; path: string; body?: unknown }[] = [];
  offline = false;
  /** Answers the next call with this status, once. */
  failNext: number | null = null;
  /** Leaves `current` out of the next 409 (an older server): the sync must re-read the draft. */
  bare409 = false;
  private ids = 0;
  private clock = 0;

  async get<T>(path: string): Promise<T> {
    this.calls.push({ method: 'GET', path });
    this.check();
    const draft = this.drafts.get(decodeURIComponent(path.split('/').pop()!));
    if (!draft || draft.status === 'discarded') throw apiError(404);
    return { draft: { ...draft } } as T;
  }

  async send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
    this.calls.push({ method, path, body });
    this.check();
    const input = body as Record<string, unknown> & { expectedVersion?: number };
    if (method === 'POST') {
      const at = this.tick();
      this.ids += 1;
      const draft: ServerDraft = {
        draftId: `d${this.ids}`, mailboxId: (input.mailboxId as string) ?? 'support', kind: input.kind as ServerDraft['kind'],
        conversationId: (input.conversationId as string) ?? null, messageKey: (input.messageKey as string) ?? null,
        ...this.content(input), status: 'draft', version: 1, createdAt: at, updatedAt: at,
      };
      this.drafts.set(draft.draftId, draft);
      return { draft: { ...draft } } as T;
    }
    const id = decodeURIComponent(path.split('/').pop()!);
    const current = this.drafts.get(id);
    if (!current || current.status === 'discarded') throw apiError(404);
    if (method === 'DELETE') {
      current.status = 'discarded';
      return undefined as T;
    }
    if (current.status !== 'draft' || input.expectedVersion !== current.version) {
      const bare = this.bare409;
      this.bare409 = false;
      throw apiError(409, bare ? { title: 'Conflict' } : { title: 'Conflict', current: { ...current } });
    }
    Object.assign(current, this.content(input), { version: current.version + 1, updatedAt: this.tick() });
    return { draft: { ...current } } as T;
  }

  /** Someone saved the draft from another device. */
  editElsewhere(id: string, html: string): void {
    const current = this.drafts.get(id)!;
    Object.assign(current, { html, version: current.version + 1, updatedAt: this.tick() });
  }

  count(method: string): number {
    return this.calls.filter((c) => c.method === method).length;
  }

  private check(): void {
    if (this.offline) throw apiError(0);
    if (this.failNext !== null) {
      const status = this.failNext;
      this.failNext = null;
      throw apiError(status);
    }
  }

  private tick(): string {
    this.clock += 1;
    return new Date(Date.UTC(2026, 0, 1, 9, 0, this.clock)).toISOString();
  }

  private content(input: Record<string, unknown>) {
    const address = (a: unknown) => (typeof a === 'string' ? { address: a, name: '' } : { name: '', ...(a as { address: string; name?: string }) });
    return {
      to: (input.to as unknown[]).map(address), cc: (input.cc as unknown[]).map(address), bcc: (input.bcc as unknown[]).map(address),
      subject: input.subject as string, html: input.html as string,
      importance: input.importance as ServerDraft['importance'], requestReadReceipt: input.requestReadReceipt as boolean,
      requestDeliveryReceipt: input.requestDeliveryReceipt as boolean,
      attachments: input.attachments as ServerDraft['attachments'], caseDocuments: input.caseDocuments as ServerDraft['caseDocuments'],
    };
  }
}

function draft(html: string, extra: Partial<Draft> = {}): Draft {
  return {
    to: ['Hélène Dupré <helene@client.example>'], cc: [], bcc: [], subject: 'Votre commande', html,
    importance: 'normal', requestReadReceipt: false, sendAt: '', savedAt: new Date().toISOString(), ...extra,
  };
}

const KEY = 'support.new';
const TARGET = { kind: 'new', mailboxId: 'support' } as const;
let storage: FakeStorage;
let api: FakeDraftsApi;
let statuses: DraftSyncStatus[];

function newSync(): DraftSync {
  return new DraftSync({ api, key: KEY, target: TARGET, debounceMs: 1000, retryMs: [2000, 5000], onStatus: (s) => statuses.push(s) });
}

beforeEach(() => {
  vi.useFakeTimers();
  storage = new FakeStorage();
  vi.stubGlobal('localStorage', storage);
  api = new FakeDraftsApi();
  statuses = [];
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('saving a draft on the server', () => {
  it('creates the server draft after the pause, then saves changes over its version', async () => {
    // Prepare
    const sync = newSync();

    // Act
    sync.change(draft('<p>Bonjour</p>'));
    const keptAtOnce = loadDraft(KEY);
    await vi.advanceTimersByTimeAsync(999);
    const postsBeforePause = api.count('POST');
    await vi.advanceTimersByTimeAsync(1);
    sync.change(draft('<p>Bonjour Hélène</p>'));
    sync.change(draft('<p>Bonjour Hélène,</p>'));
    await vi.advanceTimersByTimeAsync(1000);

    // Assess
    expect(keptAtOnce?.html).toBe('<p>Bonjour</p>');
    expect(postsBeforePause).toBe(0);
    expect(api.count('POST')).toBe(1);
    expect(api.count('PUT')).toBe(1);
    const put = api.calls.find((c) => c.method === 'PUT')!;
    expect(put.path).toBe(`/api/drafts/${sync.draftId}`);
    expect((put.body as { expectedVersion: number }).expectedVersion).toBe(1);
    const server = api.drafts.get(sync.draftId!)!;
    expect(server).toMatchObject({ version: 2, html: '<p>Bonjour Hélène,</p>', to: [{ address: 'helene@client.example', name: 'Hélène Dupré' }] });
    expect(loadDraft(KEY)).toMatchObject({ serverId: sync.draftId, serverVersion: 2, synced: true, html: '<p>Bonjour Hélène,</p>' });
    expect(sync.status.state).toBe('saved');
    expect(statuses.map((s) => s.state)).toEqual(['saving', 'saved', 'saving', 'saved']);
  });

  it('saves at once on demand (Save draft, closing), and a reply names its conversation and message', async () => {
    // Prepare
    const sync = new DraftSync({ api, key: 'c1.reply', target: { kind: 'reply', conversationId: 'c1', messageKey: 'm1' } });

    // Act
    sync.change(draft('<p>Merci</p>'));
    await sync.saveNow();

    // Assess
    expect(api.calls[0]).toMatchObject({ method: 'POST', path: '/api/drafts', body: { kind: 'reply', conversationId: 'c1', messageKey: 'm1', html: '<p>Merci</p>' } });
    expect(sync.status.state).toBe('saved');
  });

  it('keeps what is typed here when another device saved meanwhile (409), and saves it over the new version', async () => {
    // Prepare
    const sync = newSync();
    sync.change(draft('<p>v1</p>'));
    await sync.saveNow();
    api.editElsewhere(sync.draftId!, '<p>from the other device</p>');

    // Act
    sync.change(draft('<p>typed here</p>'));
    await sync.saveNow();

    // Assess
    const puts = api.calls.filter((c) => c.method === 'PUT').map((c) => (c.body as { expectedVersion: number }).expectedVersion);
    expect(puts).toEqual([1, 2]);
    expect(api.drafts.get(sync.draftId!)).toMatchObject({ html: '<p>typed here</p>', version: 3 });
    expect(loadDraft(KEY)).toMatchObject({ serverVersion: 3, synced: true, html: '<p>typed here</p>' });
    expect(sync.status.state).toBe('saved');
  });

  it('re-reads the server draft when a 409 does not carry it', async () => {
    // Prepare
    const sync = newSync();
    sync.change(draft('<p>v1</p>'));
    await sync.saveNow();
    api.editElsewhere(sync.draftId!, '<p>elsewhere</p>');
    api.bare409 = true;

    // Act
    sync.change(draft('<p>mine</p>'));
    await sync.saveNow();

    // Assess
    expect(api.calls.some((c) => c.method === 'GET' && c.path === `/api/drafts/${sync.draftId}`)).toBe(true);
    expect(api.drafts.get(sync.draftId!)?.html).toBe('<p>mine</p>');
  });

  it('creates a new server draft when the one being edited was discarded on another device', async () => {
    // Prepare
    const sync = newSync();
    sync.change(draft('<p>v1</p>'));
    await sync.saveNow();
    const first = sync.draftId!;
    api.drafts.get(first)!.status = 'discarded';

    // Act
    sync.change(draft('<p>still wanted</p>'));
    await sync.saveNow();

    // Assess
    expect(sync.draftId).not.toBe(first);
    expect(api.drafts.get(sync.draftId!)?.html).toBe('<p>still wanted</p>');
  });
});

describe('when the server cannot be reached', () => {
  it('keeps the draft on this device, says so, and saves it once the server answers again', async () => {
    // Prepare
    api.offline = true;
    const sync = newSync();

    // Act
    sync.change(draft('<p>written on the train</p>'));
    await vi.advanceTimersByTimeAsync(1000);
    const offline = sync.status;
    const local = loadDraft(KEY);
    await vi.advanceTimersByTimeAsync(2000);
    const attemptsOffline = api.count('POST');
    api.offline = false;
    await vi.advanceTimersByTimeAsync(5000);

    // Assess
    expect(offline).toMatchObject({ state: 'local', why: 'offline' });
    expect(local).toMatchObject({ html: '<p>written on the train</p>', synced: false });
    expect(local?.serverId).toBeUndefined();
    expect(attemptsOffline).toBe(2);
    expect(api.drafts.size).toBe(1);
    expect(sync.status.state).toBe('saved');
    expect(loadDraft(KEY)?.synced).toBe(true);
  });

  it('treats a 5xx like being offline, and a 400 as refused until the next change', async () => {
    // Prepare
    const sync = newSync();
    api.failNext = 503;

    // Act
    sync.change(draft('<p>a</p>'));
    await sync.saveNow();
    const afterServerError = sync.status;
    await vi.advanceTimersByTimeAsync(2000);
    const afterRetry = sync.status;
    api.failNext = 400;
    sync.change(draft('<p>b</p>'));
    await sync.saveNow();
    const refused = sync.status;
    await vi.advanceTimersByTimeAsync(60_000);
    const putsWhileRefused = api.count('PUT');
    sync.change(draft('<p>c</p>'));
    await sync.saveNow();

    // Assess
    expect(afterServerError).toMatchObject({ state: 'local', why: 'offline' });
    expect(afterRetry.state).toBe('saved');
    expect(refused).toMatchObject({ state: 'local', why: 'refused' });
    expect(putsWhileRefused).toBe(1);
    expect(api.drafts.get(sync.draftId!)?.html).toBe('<p>c</p>');
  });

  it('saves at once a change still waiting when the composer goes away, and stops retrying once it is gone', async () => {
    // Prepare
    const sync = newSync();
    sync.change(draft('<p>left the screen mid-sentence</p>'));

    // Act
    sync.dispose();
    await vi.advanceTimersByTimeAsync(0);
    const saved = [...api.drafts.values()].map((d) => d.html);
    const offline = newSync();
    api.offline = true;
    offline.change(draft('<p>then offline</p>'));
    offline.dispose();
    await vi.advanceTimersByTimeAsync(120_000);

    // Assess
    expect(saved).toEqual(['<p>left the screen mid-sentence</p>']);
    expect(api.calls.filter((c) => c.method === 'PUT')).toHaveLength(1);
    expect(loadDraft(KEY)).toMatchObject({ html: '<p>then offline</p>', synced: false });
  });

  it('saves on the next opening what an earlier one kept on this device only (a reload)', async () => {
    // Prepare
    api.offline = true;
    const before = newSync();
    before.change(draft('<p>before the reload</p>'));
    await before.saveNow();
    before.dispose();
    api.offline = false;

    // Act
    const after = newSync();
    after.resume();
    await vi.advanceTimersByTimeAsync(0);
    await after.saveNow();

    // Assess
    expect(api.drafts.size).toBe(1);
    expect(api.drafts.get(after.draftId!)?.html).toBe('<p>before the reload</p>');
    expect(loadDraft(KEY)?.synced).toBe(true);
  });
});

describe('discarding and sending', () => {
  it('discard deletes the local and the server copy', async () => {
    // Prepare
    const sync = newSync();
    sync.change(draft('<p>to throw away</p>'));
    await sync.saveNow();
    const id = sync.draftId!;

    // Act
    await sync.discard();
    sync.change(draft('<p>ignored once discarded</p>'));
    await vi.advanceTimersByTimeAsync(5000);

    // Assess
    expect(loadDraft(KEY)).toBeNull();
    expect(api.drafts.get(id)?.status).toBe('discarded');
    expect(api.count('POST')).toBe(1);
  });

  it('a discard that cannot reach the server is remembered and done on a later attempt', async () => {
    // Prepare
    const sync = newSync();
    sync.change(draft('<p>x</p>'));
    await sync.saveNow();
    const id = sync.draftId!;
    api.offline = true;
    const announced = vi.fn(() => true);
    vi.stubGlobal('dispatchEvent', announced);

    // Act
    await sync.discard();
    await retryPendingDiscards(api);
    const remembered = pendingDiscards();
    const announcedOffline = announced.mock.calls.length;
    api.offline = false;
    await retryPendingDiscards(api);

    // Assess: nothing announced while nothing changed (listeners reload on it), once when deleted.
    expect(loadDraft(KEY)).toBeNull();
    expect(remembered).toEqual([id]);
    expect(announcedOffline).toBe(0);
    expect(announced).toHaveBeenCalledTimes(1);
    expect(pendingDiscards()).toEqual([]);
    expect(api.drafts.get(id)?.status).toBe('discarded');
  });

  it('after a send, deletes the server draft even when its creation was still under way', async () => {
    // Prepare
    const sync = newSync();
    sync.change(draft('<p>sent at once</p>'));
    const saving = sync.saveNow();

    // Act
    const done = sync.sent();
    await saving;
    await done;

    // Assess
    expect(api.drafts.size).toBe(1);
    expect([...api.drafts.values()][0]?.status).toBe('discarded');
    expect(loadDraft(KEY)).toBeNull();
  });
});

describe('what goes to the server, and what comes back', () => {
  it('maps attachments and case documents, and leaves malformed addresses on this device', () => {
    const content = serverContent(draft('<p>x</p>', {
      to: ['helene@client.example', 'not an address', 'Jean <jean@client.example>'],
      requestDeliveryReceipt: true,
      attachments: [
        { uploadKey: 'uploads/acme/a/k1/devis.pdf', filename: 'devis.pdf', size: 10, contentType: 'application/pdf' },
        { uploadKey: 'uploads/acme/a/k2/logo.png', filename: 'logo.png', size: 5, contentType: 'image/png', inline: true, contentId: 'logo' },
      ],
      caseDocuments: [{ caseId: 'case1', documentId: 'doc1', filename: 'contrat.pdf' }],
    }));
    expect(content.to).toEqual(['helene@client.example', { address: 'jean@client.example', name: 'Jean' }]);
    expect(content.attachments).toEqual([{ uploadKey: 'uploads/acme/a/k1/devis.pdf' }, { uploadKey: 'uploads/acme/a/k2/logo.png', inline: true, contentId: 'logo' }]);
    expect(content.caseDocuments).toEqual([{ caseId: 'case1', documentId: 'doc1' }]);
    expect(content.requestDeliveryReceipt).toBe(true);
  });

  it('opening a server draft takes its text unless this device has newer text for it, or another unsaved draft in the slot', async () => {
    // Prepare
    const sync = newSync();
    sync.change(draft('<p>v1</p>'));
    await sync.saveNow();
    const id = sync.draftId!;
    api.editElsewhere(id, '<p>newer on the server</p>');
    const server = (await api.get<{ draft: ServerDraft }>(`/api/drafts/${id}`)).draft;

    // Act / Assess: the local copy is older, the server's text comes in.
    expect(localKeyOf(server)).toBe(KEY);
    expect(adoptServerDraft(KEY, server)).toBe(true);
    expect(loadDraft(KEY)).toMatchObject({ html: '<p>newer on the server</p>', serverId: id, serverVersion: 2, synced: true });

    // Text typed here and not yet saved wins.
    saveDraft(KEY, { ...draft('<p>typed here</p>'), serverId: id, serverVersion: 2, synced: false });
    expect(adoptServerDraft(KEY, server)).toBe(true);
    expect(loadDraft(KEY)?.html).toBe('<p>typed here</p>');

    // Another draft the server does not have: opening would overwrite it.
    saveDraft(KEY, { ...draft('<p>other, offline</p>'), synced: false });
    expect(adoptServerDraft(KEY, server)).toBe(false);
    expect(loadDraft(KEY)?.html).toBe('<p>other, offline</p>');
  });
});

describe('opening the composer on a draft another device may have changed', () => {
  it('takes the text another device saved since, and keeps this device\'s copy when the server has nothing newer', async () => {
    // Prepare
    const sync = newSync();
    sync.change(draft('<p>v1</p>'));
    await sync.saveNow();
    sync.dispose();
    const id = sync.draftId!;
    expect(mayBeBehindServer(KEY)).toBe(true);

    // Act / Assess: nothing newer, nothing changes.
    expect(await refreshFromServer(api, KEY)).toBe(false);
    expect(loadDraft(KEY)?.html).toBe('<p>v1</p>');

    // Another device saved version 2: its text replaces the stale copy.
    api.editElsewhere(id, '<p>finished on the laptop</p>');
    expect(await refreshFromServer(api, KEY)).toBe(true);
    expect(loadDraft(KEY)).toMatchObject({ html: '<p>finished on the laptop</p>', serverId: id, serverVersion: 2, synced: true });
  });

  it('never replaces text typed here and not saved yet, and asks nothing for a copy the server never had', async () => {
    // Prepare
    const sync = newSync();
    sync.change(draft('<p>v1</p>'));
    await sync.saveNow();
    const id = sync.draftId!;
    api.editElsewhere(id, '<p>other device</p>');
    saveDraft(KEY, { ...draft('<p>typed here, offline</p>'), serverId: id, serverVersion: 1, synced: false });
    const before = api.calls.length;

    // Act / Assess
    expect(mayBeBehindServer(KEY)).toBe(false);
    expect(await refreshFromServer(api, KEY)).toBe(false);
    expect(loadDraft(KEY)?.html).toBe('<p>typed here, offline</p>');
    saveDraft(KEY, draft('<p>never saved to the server</p>'));
    expect(await refreshFromServer(api, KEY)).toBe(false);
    expect(api.calls.length).toBe(before);
  });

  it('drops the copy of a draft discarded elsewhere, and keeps it when the server cannot be reached', async () => {
    // Prepare
    const sync = newSync();
    sync.change(draft('<p>v1</p>'));
    await sync.saveNow();
    const id = sync.draftId!;

    // Offline: the copy stays.
    api.offline = true;
    expect(await refreshFromServer(api, KEY)).toBe(false);
    expect(loadDraft(KEY)?.html).toBe('<p>v1</p>');

    // Discarded on another device: gone here too.
    api.offline = false;
    await api.send('DELETE', `/api/drafts/${id}`);
    expect(await refreshFromServer(api, KEY)).toBe(true);
    expect(loadDraft(KEY)).toBeNull();
  });
});
