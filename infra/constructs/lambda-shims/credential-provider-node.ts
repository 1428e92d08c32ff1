/**
 * Lambda-only stand-in for `@aws-sdk/credential-provider-node`, swapped in by the bundle build
 * (`ESBUILD_ALIASES`). In Lambda the runtime always gives the execution role's credentials as
 * environment variables (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
 * so the SDK's full chain (SSO, shared ini files, credential_process, IMDS, web identity) is code
 * that never runs: about 60 KB of every bundle. Code run with tsx (local stack, tests, scripts)
 * keeps the real chain.
 */
import { fromEnv, type FromEnvInit } from '@aws-sdk/credential-provider-env';
import type { AwsCredentialIdentity } from '@smithy/types';

export const defaultProvider = (init: FromEnvInit = {}) => fromEnv(init);

export const credentialsWillNeedRefresh = (credentials?: AwsCredentialIdentity): boolean => credentials?.expiration !== undefined;

export const credentialsTreatedAsExpired = (credentials?: AwsCredentialIdentity): boolean =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000;
