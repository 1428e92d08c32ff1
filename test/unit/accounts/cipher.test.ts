/**
 * Credential ciphers: the AES-256-GCM adapter of the local stack (key file, binding to the account
 * id, tampering) and the KMS adapter (encryption context, ciphertext format) with aws-sdk-client-mock.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { AesGcmCredentialCipher, CredentialDecryptionError, KmsCredentialCipher } from '../../../shared/accounts/cipher.js';

const secrets = { imapPassword: 'imap-pässword', smtpPassword: null };

describe('AES-256-GCM cipher (local stack)', () => {
  it('round-trips and never stores the password in clear', async () => {
    // Prepare
    const cipher = new AesGcmCredentialCipher(randomBytes(32));

    // Act
    const sealed = await cipher.encrypt(secrets, 'acc1');

    // Assess
    expect(sealed).toMatch(/^gcm1:/);
    expect(Buffer.from(sealed.slice(5), 'base64').toString('latin1')).not.toContain('imap');
    expect(await cipher.decrypt(sealed, 'acc1')).toEqual(secrets);
    expect(await cipher.encrypt(secrets, 'acc1')).not.toBe(sealed);
  });

  it('refuses ciphertext moved to another account, tampered with, or sealed with another key', async () => {
    const cipher = new AesGcmCredentialCipher(randomBytes(32));
    const sealed = await cipher.encrypt(secrets, 'acc1');
    await expect(cipher.decrypt(sealed, 'acc2')).rejects.toBeInstanceOf(CredentialDecryptionError);
    const bytes = Buffer.from(sealed.slice(5), 'base64');
    bytes[bytes.length - 1]! ^= 1;
    await expect(cipher.decrypt(`gcm1:${bytes.toString('base64')}`, 'acc1')).rejects.toBeInstanceOf(CredentialDecryptionError);
    await expect(new AesGcmCredentialCipher(randomBytes(32)).decrypt(sealed, 'acc1')).rejects.toThrow('could not be decrypted');
  });

  it('keeps its key in a 0600 file created on first use, the same key afterwards', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailroom-cipher-'));
    try {
      const file = join(dir, 'nested', 'accounts.key');
      const sealed = await AesGcmCredentialCipher.fromKeyFile(file).encrypt(secrets, 'acc1');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(Buffer.from(readFileSync(file, 'utf8'), 'base64')).toHaveLength(32);
      expect(await AesGcmCredentialCipher.fromKeyFile(file).decrypt(sealed, 'acc1')).toEqual(secrets);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('KMS cipher (AWS)', () => {
  const kms = mockClient(KMSClient);
  afterEach(() => kms.reset());

  it('encrypts with the key and the account id as encryption context, and decrypts with the same context', async () => {
    // Prepare
    kms.on(EncryptCommand).resolves({ CiphertextBlob: Buffer.from('sealed-by-kms') });
    kms.on(DecryptCommand).resolves({ Plaintext: Buffer.from(JSON.stringify(secrets)) });
    const cipher = new KmsCredentialCipher(new KMSClient({ region: 'eu-west-3' }), 'alias/mailroom-accounts');

    // Act
    const sealed = await cipher.encrypt(secrets, 'acc1');
    const opened = await cipher.decrypt(sealed, 'acc1');

    // Assess
    expect(sealed).toBe(`kms1:${Buffer.from('sealed-by-kms').toString('base64')}`);
    expect(opened).toEqual(secrets);
    const encrypt = kms.commandCalls(EncryptCommand)[0]!.args[0].input;
    expect(encrypt.KeyId).toBe('alias/mailroom-accounts');
    expect(encrypt.EncryptionContext).toEqual({ mailroomAccountId: 'acc1' });
    expect(JSON.parse(Buffer.from(encrypt.Plaintext!).toString('utf8'))).toEqual(secrets);
    const decrypt = kms.commandCalls(DecryptCommand)[0]!.args[0].input;
    expect(decrypt.EncryptionContext).toEqual({ mailroomAccountId: 'acc1' });
    expect(Buffer.from(decrypt.CiphertextBlob!).toString()).toBe('sealed-by-kms');
  });

  it('reports a refused decryption (wrong context) without the ciphertext or the cause in its message', async () => {
    kms.on(DecryptCommand).rejects(Object.assign(new Error('InvalidCiphertextException'), { name: 'InvalidCiphertextException' }));
    const cipher = new KmsCredentialCipher(new KMSClient({ region: 'eu-west-3' }), 'key');
    const error = await cipher.decrypt('kms1:AAAA', 'acc2').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialDecryptionError);
    expect((error as Error).message).toBe('The credentials of account acc2 could not be decrypted');
    await expect(cipher.decrypt('gcm1:AAAA', 'acc2')).rejects.toBeInstanceOf(CredentialDecryptionError);
  });
});
