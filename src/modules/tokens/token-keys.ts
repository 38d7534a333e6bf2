import { createHmac, hkdfSync } from 'node:crypto';
import { ChannelKeyCipher } from '../channels/channel-key.ts';

/** `sk-abcd****wxyz`: enough to tell keys apart, never enough to use one. */
export function maskKey(key: string): string {
  return key.length <= 8 ? 'sk-****' : `sk-${key.slice(0, 4)}****${key.slice(-4)}`;
}

/** The stored form of a token key. */
export interface SealedKey {
  /** HMAC-SHA256 hex: what the relay looks a key up by */
  key: string;
  key_enc: string;
  key_hint: string;
}

/**
 * Token keys at rest (CONTRACT §10): a keyed hash for lookup and an AES-256-GCM copy for showing the key
 * again, both from keys derived (HKDF) from the server secret. A database file alone yields neither a
 * usable key nor a way to test guesses offline.
 */
export class TokenKeys {
  private readonly mac: Buffer;
  private readonly cipher: ChannelKeyCipher;

  constructor(secret: string) {
    this.mac = Buffer.from(hkdfSync('sha256', secret, 'tollgate', 'token-key-hash-v1', 32));
    this.cipher = new ChannelKeyCipher(secret, 'token-key-v1');
  }

  /** The lookup hash of a key given without "sk-". */
  hash(key: string): string {
    return createHmac('sha256', this.mac).update(key).digest('hex');
  }

  seal(key: string): SealedKey {
    return { key: this.hash(key), key_enc: this.cipher.encrypt(key), key_hint: maskKey(key) };
  }

  reveal(keyEnc: string): string {
    return this.cipher.decrypt(keyEnc);
  }
}
