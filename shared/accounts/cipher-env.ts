/** The credential cipher of the deployment: KMS in AWS, a local key file in the local stack. */
import { KMSClient } from '@aws-sdk/client-kms';
import { AesGcmCredentialCipher, KmsCredentialCipher, type CredentialCipher } from './cipher.js';
import { ACCOUNTS_ENV, accountsEnv } from './env.js';

export function cipherFromEnv(): CredentialCipher {
  const keyId = accountsEnv(ACCOUNTS_ENV.kmsKeyId);
  if (keyId !== undefined) return new KmsCredentialCipher(new KMSClient({}), keyId);
  const keyFile = accountsEnv(ACCOUNTS_ENV.keyFile);
  if (keyFile !== undefined) return AesGcmCredentialCipher.fromKeyFile(keyFile);
  throw new Error(`Set ${ACCOUNTS_ENV.kmsKeyId} (AWS) or ${ACCOUNTS_ENV.keyFile} (local stack) to store account credentials`);
}
