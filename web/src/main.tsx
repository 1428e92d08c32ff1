import { render } from 'preact';
import { setApiBaseUrl } from './api/client';
import { App } from './app';
import { createCognitoProvider } from './auth/cognito-provider';
import { localProvider } from './auth/local-provider';
import { loadRuntimeConfig } from './runtime-config';
import './styles.css';

const root = document.getElementById('app')!;

loadRuntimeConfig().then(
  (config) => {
    setApiBaseUrl(config.apiBaseUrl);
    const provider = config.auth.kind === 'cognito' ? createCognitoProvider(config.auth) : localProvider;
    render(<App provider={provider} />, root);
  },
  (error: unknown) => {
    // No UI text is loaded yet: a bilingual line, like the <noscript> one.
    root.textContent = `Mailroom cannot start: ${error instanceof Error ? error.message : String(error)}. / Mailroom ne peut pas démarrer.`;
  },
);
