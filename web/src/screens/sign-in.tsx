/**
 * Sign-in. Locally: an email address (or a demo account) for the local stack's development sign-in.
 * Deployed: one button to the Cognito hosted UI, which asks for the password (and MFA) itself.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { SignInError } from '../auth/cognito-provider';
import { DEMO_USERS } from '../auth/local-provider';
import type { AuthProvider, Session } from '../auth/session';
import { ErrorNote } from '../components/error-note';
import { useI18n } from '../i18n/i18n';
import { describeError, type PlainError } from '../lib/errors';

export interface SignInProps {
  provider: AuthProvider;
  notice: string | null;
  /** App path to return to after signing in. */
  next?: string | null;
  /** Why the last hosted-UI sign-in did not complete. */
  initialError?: unknown;
  onSignedIn: (session: Session) => void;
}

function signInFailure(failure: unknown, i18n: ReturnType<typeof useI18n>): PlainError {
  if (failure instanceof SignInError) return { message: failure.message, detail: failure.detail };
  if (failure instanceof ApiError && failure.status === 404) return { message: i18n.t('error.signInUnknownUser'), detail: failure.problem?.detail ?? null };
  return describeError(failure, i18n);
}

export function SignIn(props: SignInProps) {
  const i18n = useI18n();
  if (!props.provider.asksForEmail) return <HostedSignIn {...props} />;
  return <LocalSignIn {...props} i18n={i18n} />;
}

/** The hosted UI's entry: nothing to type here. */
function HostedSignIn(props: SignInProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<PlainError | null>(() => (props.initialError ? signInFailure(props.initialError, i18n) : null));
  useEffect(() => {
    document.title = t('signIn.title');
  }, []);
  useEffect(() => {
    if (props.initialError) setError(signInFailure(props.initialError, i18n));
  }, [props.initialError]);
  const go = (): void => {
    setBusy(true);
    setError(null);
    props.provider.signIn('', props.next ?? null).catch((failure: unknown) => {
      setError(signInFailure(failure, i18n));
      setBusy(false);
    });
  };
  return (
    <main id="main" class="sign-in" tabIndex={-1}>
      <div class="sign-in__card">
        <h1>{t('signIn.title')}</h1>
        {props.notice ? <p class="notice" role="status">{props.notice}</p> : null}
        <p class="muted">{t('signIn.hostedIntro')}</p>
        {error ? <ErrorNote id="sign-in-error" title={t('signIn.failed')} error={error} /> : null}
        <button type="button" class="button button--primary" disabled={busy} onClick={go}>
          {busy ? t('signIn.submitting') : t('signIn.hostedSubmit')}
        </button>
      </div>
    </main>
  );
}

function LocalSignIn(props: SignInProps & { i18n: ReturnType<typeof useI18n> }) {
  const { i18n } = props;
  const { t } = i18n;
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<PlainError | null>(null);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = `${t('signIn.title')}`;
    input.current?.focus();
  }, []);

  const signIn = async (address: string): Promise<void> => {
    const value = address.trim();
    if (!/^[^\s@]+@[^\s@]+$/.test(value)) {
      setError({ message: t('signIn.emailInvalid'), detail: null });
      input.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      props.onSignedIn(await props.provider.signIn(value));
    } catch (failure) {
      setError(signInFailure(failure, i18n));
      setBusy(false);
      input.current?.focus();
    }
  };

  return (
    <main id="main" class="sign-in" tabIndex={-1}>
      <div class="sign-in__card">
        <h1>{t('signIn.title')}</h1>
        {props.notice ? <p class="notice" role="status">{props.notice}</p> : null}
        <p class="muted">{t('signIn.localIntro')}</p>
        <form
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            void signIn(email);
          }}
        >
          <div class="field">
            <label for="sign-in-email">{t('signIn.email')}</label>
            <input
              ref={input}
              id="sign-in-email"
              type="email"
              name="email"
              autocomplete="username"
              inputMode="email"
              required
              value={email}
              aria-invalid={error !== null}
              aria-describedby={error ? 'sign-in-hint sign-in-error' : 'sign-in-hint'}
              onInput={(event) => setEmail((event.currentTarget as HTMLInputElement).value)}
            />
            <p id="sign-in-hint" class="hint">{t('signIn.emailHint')}</p>
            {error ? <ErrorNote id="sign-in-error" title={t('signIn.failed')} error={error} /> : null}
          </div>
          <button type="submit" class="button button--primary" disabled={busy}>
            {busy ? t('signIn.submitting') : t('signIn.submit')}
          </button>
        </form>
        <section class="demo-users" aria-labelledby="demo-users-heading">
          <h2 id="demo-users-heading">{t('signIn.demoUsers')}</h2>
          <p class="muted">{t('signIn.demoUsersHint')}</p>
          <ul>
            {DEMO_USERS.map((user) => (
              <li key={user.email}>
                <button type="button" class="button demo-user" disabled={busy} onClick={() => void signIn(user.email)}>
                  <span class="demo-user__name">{user.name}</span>
                  <span class="demo-user__email">{user.email}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      </div>
    </main>
  );
}
