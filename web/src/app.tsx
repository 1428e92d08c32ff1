/** The app shell: session, account (`/api/me`), language, routes. */
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { createApiClient } from './api/client';
import type { Me } from './api/types';
import type { CognitoProvider } from './auth/cognito-provider';
import { clearSession, loadSession, saveSession, type AuthProvider, type Session } from './auth/session';
import { ErrorNote } from './components/error-note';
import { HelpDialog } from './components/help-dialog';
import { MailboxNav } from './components/mailbox-nav';
import { TopBar } from './components/top-bar';
import { I18nProvider, languageOf, pickLanguage, storeLanguage, storedLanguage, useI18n, type Language } from './i18n/i18n';
import type { MessageKey } from './i18n/messages';
import { describeError } from './lib/errors';
import { mailboxPath, navigate, parseRoute, useLocation, type Route } from './lib/router';
import { lazyComponent } from './lib/lazy';
import { registerContactsApi } from './lib/contacts';
import { useShortcuts } from './lib/shortcuts';
import { ME_CHANGED_EVENT } from './lib/me-changed';
import { Inbox } from './screens/inbox';
import { SignIn } from './screens/sign-in';

/** Where sign-in may send the user back to: an app path, never another site. */
function safeNext(next: string | null): string {
  return next !== null && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/sign-in') ? next : '/';
}

export function App(props: { provider: AuthProvider }) {
  const { provider } = props;
  const location = useLocation();
  const route = parseRoute(location.pathname, location.search);
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const sessionRef = useRef(session);
  sessionRef.current = session;
  const [notice, setNotice] = useState<MessageKey | null>(null);
  const [me, setMe] = useState<Me | null>(null);
  const [meError, setMeError] = useState<unknown>(null);
  const [meAttempt, setMeAttempt] = useState(0);
  const [language, setLanguage] = useState<Language>(() => pickLanguage(null));
  const [helpOpen, setHelpOpen] = useState(false);
  const [callbackError, setCallbackError] = useState<unknown>(null);

  const expire = useCallback(() => {
    clearSession();
    setSession(null);
    setMe(null);
    setNotice('signIn.expired');
  }, []);
  const api = useMemo(() => createApiClient({ getToken: () => sessionRef.current?.token ?? null, onUnauthorized: expire }), [expire]);
  registerContactsApi(session === null ? null : api);

  useEffect(() => {
    if (session === null && route.name !== 'sign-in' && route.name !== 'auth-callback') {
      const here = location.pathname + location.search;
      navigate(here === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(here)}`, { replace: true });
    } else if (session !== null && route.name === 'sign-in') {
      navigate(safeNext(route.next), { replace: true });
    }
  }, [session, route.name]);

  // Back from the hosted UI: trade the code for a session once, then go where the user was going.
  useEffect(() => {
    if (route.name !== 'auth-callback' || !('complete' in provider)) return;
    (provider as CognitoProvider).complete(route.search).then(
      ({ session: next, next: path }) => {
        signedIn(next);
        navigate(safeNext(path), { replace: true });
      },
      (error: unknown) => setCallbackError(error),
    );
  }, [route.name]);

  useEffect(() => {
    if (session === null) return;
    const controller = new AbortController();
    setMeError(null);
    api.get<Me>('/api/me', { signal: controller.signal }).then(
      (loaded) => {
        setMe(loaded);
        if (storedLanguage() === null) setLanguage(languageOf(loaded.locale) ?? pickLanguage(null));
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setMeError(error);
      },
    );
    return () => controller.abort();
  }, [session, meAttempt, api]);

  useEffect(() => {
    if (me === null || route.name !== 'home') return;
    const first = me.mailboxes[0];
    if (first) navigate(mailboxPath(first.mailboxId), { replace: true });
  }, [me, route.name]);

  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);

  // The settings screen says when the user's mailboxes changed (one created or renamed): reload them.
  useEffect(() => {
    const reload = (): void => setMeAttempt((n) => n + 1);
    addEventListener(ME_CHANGED_EVENT, reload);
    return () => removeEventListener(ME_CHANGED_EVENT, reload);
  }, []);

  useShortcuts({ '?': () => setHelpOpen((open) => !open) }, me !== null);

  const changeLanguage = (next: Language): void => {
    storeLanguage(next);
    setLanguage(next);
  };
  const signOut = (): void => {
    clearSession();
    setSession(null);
    setMe(null);
    setNotice(null);
    const away = provider.signOutUrl();
    if (away !== null) window.location.assign(away);
    else navigate('/sign-in');
  };
  const signedIn = (next: Session): void => {
    saveSession(next);
    setNotice(null);
    setSession(next);
  };

  return (
    <I18nProvider language={language} accountLocale={me?.locale ?? null}>
      {session === null ? (
        <>
          <TopBar userName={null} onLanguage={changeLanguage} />
          <SignInWithNotice
            provider={provider}
            notice={notice}
            next={route.name === 'sign-in' ? route.next : null}
            callbackError={callbackError}
            onSignedIn={signedIn}
          />
        </>
      ) : (
        <>
          <TopBar
            userName={me?.name ?? session.email}
            onLanguage={changeLanguage}
            onHelp={me ? () => setHelpOpen(true) : undefined}
            onSignOut={signOut}
            api={me ? api : undefined}
            settings={me && (me.orgAdmin || me.mailboxes.some((m) => m.role === 'admin')) ? route.name === 'settings' : undefined}
          />
          {me === null ? (
            <main id="main" class="page-message" tabIndex={-1}>
              {meError !== null ? <MeError error={meError} onRetry={() => setMeAttempt((n) => n + 1)} /> : <Loading />}
            </main>
          ) : (
            <Shell me={me} route={route} api={api} helpOpen={helpOpen} />
          )}
          <HelpDialog open={helpOpen} onClose={() => setHelpOpen(false)} />
        </>
      )}
    </I18nProvider>
  );
}

/** The cases screen, loaded when first opened. */
const LazyCases = lazyComponent(
  () => import('./screens/cases').then((module) => module.CasesScreen),
  (retry) => (retry ? <LoadFailed onRetry={retry} /> : <Loading />),
);

/** The drafts list, loaded when first opened. */
const LazyDrafts = lazyComponent(
  () => import('./screens/drafts').then((module) => module.DraftsScreen),
  (retry) => (retry ? <LoadFailed onRetry={retry} /> : <Loading />),
);

/** The outbox screen, loaded when first opened. */
const LazyOutbox = lazyComponent(
  () => import('./screens/outbox').then((module) => module.OutboxScreen),
  (retry) => (retry ? <LoadFailed onRetry={retry} /> : <Loading />),
);

/** The settings area (admins), loaded when first opened. */
const LazySettings = lazyComponent(
  () => import('./screens/settings').then((module) => module.SettingsScreen),
  (retry) => (retry ? <LoadFailed onRetry={retry} /> : <Loading />),
);

function SignInWithNotice(props: {
  provider: AuthProvider;
  notice: MessageKey | null;
  next: string | null;
  callbackError: unknown;
  onSignedIn: (session: Session) => void;
}) {
  const { t } = useI18n();
  return (
    <SignIn
      provider={props.provider}
      notice={props.notice ? t(props.notice) : null}
      next={props.next}
      initialError={props.callbackError}
      onSignedIn={props.onSignedIn}
    />
  );
}

function Loading() {
  const { t } = useI18n();
  return <p class="muted" aria-busy="true">{t('app.loading')}</p>;
}

function LoadFailed(props: { onRetry: () => void }) {
  const { t } = useI18n();
  return <div class="page-message"><ErrorNote error={{ message: t('app.loadFailed'), detail: null }} onRetry={props.onRetry} /></div>;
}

function MeError(props: { error: unknown; onRetry: () => void }) {
  const i18n = useI18n();
  return <ErrorNote title={i18n.t('me.failed')} error={describeError(props.error, i18n)} onRetry={props.onRetry} />;
}

function Shell(props: { me: Me; route: Route; api: ReturnType<typeof createApiClient>; helpOpen: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { me, route } = props;
  const currentId = route.name === 'mailbox' || route.name === 'outbox' ? route.mailboxId : null;
  const mailbox = currentId === null ? undefined : me.mailboxes.find((m) => m.mailboxId === currentId);

  let content;
  if (me.mailboxes.length === 0) {
    content = <p class="page-message">{t('me.noMailbox')}</p>;
  } else if (route.name === 'mailbox' && mailbox) {
    content = (
      <Inbox
        key={mailbox.mailboxId}
        api={props.api}
        mailbox={mailbox}
        mailboxes={me.mailboxes}
        me={me.email}
        conversationId={route.conversationId}
        query={route.query}
        paused={props.helpOpen}
      />
    );
  } else if (route.name === 'outbox' && mailbox) {
    content = <LazyOutbox key={mailbox.mailboxId} api={props.api} mailbox={mailbox} />;
  } else if (route.name === 'mailbox' || route.name === 'outbox') {
    content = <div class="page-message"><ErrorNote error={{ message: t('mailbox.notMember'), detail: null }} /></div>;
  } else if (route.name === 'settings') {
    content = <LazySettings api={props.api} me={me} section={route.section} />;
  } else if (route.name === 'drafts') {
    content = <LazyDrafts api={props.api} mailboxes={me.mailboxes} />;
  } else if (route.name === 'cases') {
    content = <LazyCases api={props.api} caseId={route.caseId} />;
  } else if (route.name === 'not-found') {
    content = <div class="page-message"><ErrorNote error={{ message: t('error.notFound'), detail: null }} /></div>;
  } else {
    content = <Loading />;
  }

  return (
    <div class="shell">
      <MailboxNav mailboxes={me.mailboxes} currentId={currentId} outbox={route.name === 'outbox'} cases={route.name === 'cases'} drafts={route.name === 'drafts'} api={props.api} />
      <main id="main" class="shell__main" tabIndex={-1}>
        {content}
      </main>
    </div>
  );
}
