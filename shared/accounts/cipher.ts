/**
 * Credential encryption. Account passwords are stored on the account item only as ciphertext
 * bound to the account id (KMS encryption context, or GCM additional data), so a blob copied onto
 * another account does not decrypt. The plaintext is JSON `{ imapPassword, smtpPassword }`.
 *
 * - AWS: {@link KmsCredentialCipher}, a customer-managed KMS key; every decryption is in CloudTrail
 *   with the account id. See https://docs.aws.amazon.com/kms/latest/developerguide/encrypt_context.html
 * - Local stack: {@link AesGcmCredentialCipher}, a 256-bit key in a file of the data directory.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DecryptCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { AccountSecrets } from './model.js';

export interface CredentialCipher {
  encrypt(secrets: AccountSecrets, accountId: string): Promise<string>;
  decrypt(ciphertext: string, accountId: string): Promise<AccountSecrets>;
}

export class CredentialDecryptionError extends Error {
  constructor(accountId: string, options?: { cause?: unknown }) {
    super(`The credentials of account ${accountId} could not be decrypted`, options);
    this.name = 'CredentialDecryptionError';
  }
}

function serialise(secrets: AccountSecrets): Buffer {
  return Buffer.from(JSON.stringify({ imapPassword: secrets.imapPassword, smtpPassword: secrets.smtpPassword }), 'utf8');
}

function deserialise(plain: Buffer): AccountSecrets {
  const parsed = JSON.parse(plain.toString('utf8')) as Partial<AccountSecrets>;
  return {
    imapPassword: typeof parsed.imapPassword === 'string' ? parsed.imapPassword : null,
    smtpPassword: typeof parsed.smtpPassword === 'string' ? parsed.smtpPassword : null,
  };
}

const KMS_PREFIX = 'kms1:';
const GCM_PREFIX = 'gcm1:';

/** KMS Encrypt/Decrypt with the encryption context `{ mailroomAccountId }` (the plaintext is far under KMS's 4 KB limit). */
export class KmsCredentialCipher implements CredentialCipher {
  constructor(private readonly kms: KMSClient, private readonly keyId: string) {}

  async encrypt(secrets: AccountSecrets, accountId: string): Promise<string> {
    const out = await this.kms.send(new EncryptCommand({
      KeyId: this.keyId, Plaintext: serialise(secrets), EncryptionContext: { mailroomAccountId: accountId },
    }));
    if (!out.CiphertextBlob) throw new Error('KMS returned no ciphertext');
    return KMS_PREFIX + Buffer.from(out.CiphertextBlob).toString('base64');
  }

  async decrypt(ciphertext: string, accountId: string): Promise<AccountSecrets> {
    if (!ciphertext.startsWith(KMS_PREFIX)) throw new CredentialDecryptionError(accountId);
    try {
      const out = await this.kms.send(new DecryptCommand({
        KeyId: this.keyId, CiphertextBlob: Buffer.from(ciphertext.slice(KMS_PREFIX.length), 'base64'),
        EncryptionContext: { mailroomAccountId: accountId },
      }));
      if (!out.Plaintext) throw new Error('KMS returned no plaintext');
      return deserialise(Buffer.from(out.Plaintext));
    } catch (error) {
      throw new CredentialDecryptionError(accountId, { cause: error });
    }
  }
}

/** AES-256-GCM with a random 96-bit IV per encryption and the account id as additional authenticated data. */
export class AesGcmCredentialCipher implements CredentialCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('An AES-256-GCM key is 32 bytes');
  }

  /** The key in `file`, created (mode 0600) on first use. */
  static fromKeyFile(file: string): AesGcmCredentialCipher {
    if (!existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    }
    return new AesGcmCredentialCipher(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'));
  }

  async encrypt(secrets: AccountSecrets, accountId: string): Promise<string> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(accountId, 'utf8'));
    const body = Buffer.concat([cipher.update(serialise(secrets)), cipher.final()]);
    return GCM_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  async decrypt(ciphertext: string, accountId: string): Promise<AccountSecrets> {
    if (!ciphertext.startsWith(GCM_PREFIX)) throw new CredentialDecryptionError(accountId);
    try {
      const raw = Buffer.from(ciphertext.slice(GCM_PREFIX.length), 'base64');
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(accountId, 'utf8'));
      decipher.setAuthTag(raw.subarray(12, 28));
      return deserialise(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]));
    } catch (error) {
      throw new CredentialDecryptionError(accountId, { cause: error });
    }
  }
}
