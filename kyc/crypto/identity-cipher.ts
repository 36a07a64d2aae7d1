import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Ciphertext of one record with the id of the key that sealed it. */
export interface SealedBox {
  readonly keyId: string;
  /** 12-byte IV | 16-byte GCM tag | ciphertext. */
  readonly data: Buffer;
}

/**
 * AES-256-GCM with a keyring. New data is sealed with the active key; data sealed with any key of
 * the ring still opens, so rotation is: add the new key, make it active, re-seal at leisure
 * (`scripts/kyc-reencrypt.ts`), then drop the old key. `aad` binds a ciphertext to its row so
 * that swapping ciphertexts between rows fails authentication.
 */
export class IdentityCipher {
  constructor(private readonly keyring: { readonly activeKeyId: string; readonly keys: ReadonlyMap<string, Buffer> }) {
    const active = keyring.keys.get(keyring.activeKeyId);
    if (active?.length !== 32) throw new TypeError('the active encryption key must be 32 bytes');
  }

  get activeKeyId(): string {
    return this.keyring.activeKeyId;
  }

  seal(plaintext: Buffer, aad: string): SealedBox {
    const key = this.keyring.keys.get(this.keyring.activeKeyId)!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { keyId: this.keyring.activeKeyId, data: Buffer.concat([iv, cipher.getAuthTag(), ct]) };
  }

  /** @throws Error when the key id is not in the ring or authentication fails (tampered data, wrong aad). */
  open(box: SealedBox, aad: string): Buffer {
    const key = this.keyring.keys.get(box.keyId);
    if (!key) throw new Error(`encryption key ${box.keyId} is not in the keyring`);
    if (box.data.length < 28) throw new Error('sealed data too short');
    const decipher = createDecipheriv('aes-256-gcm', key, box.data.subarray(0, 12));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(box.data.subarray(12, 28));
    return Buffer.concat([decipher.update(box.data.subarray(28)), decipher.final()]);
  }
}
