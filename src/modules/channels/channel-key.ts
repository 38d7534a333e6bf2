import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const PREFIX = 'enc:v1:';

/**
 * Channel keys at rest: AES-256-GCM with a key derived (HKDF-SHA256) from CHANNEL_KEY_SECRET, or from
 * the session secret when that is unset. Stored as `enc:v1:<base64 iv|tag|ciphertext>`. A value without
 * the prefix is read as plaintext (rows imported from New API, which stores keys in clear) and is
 * encrypted on the next save. Changing the secret makes stored keys unreadable: set CHANNEL_KEY_SECRET
 * once and keep it (README, configuration).
 */
export class ChannelKeyCipher {
  private readonly key: Buffer;

  /** `purpose` separates keys derived from one secret (channel keys, token keys). */
  constructor(secret: string, purpose = 'channel-key-v1') {
    if (!secret) throw new Error('channel key secret is empty');
    this.key = Buffer.from(hkdfSync('sha256', secret, 'tollgate', purpose, 32));
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** Throws when the value was encrypted with another secret (or altered). */
  decrypt(stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    const raw = Buffer.from(stored.slice(PREFIX.length), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}
