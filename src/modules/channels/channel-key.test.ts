import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChannelKeyCipher } from './channel-key.ts';

test('a channel key round-trips and is not stored in clear', () => {
  const c = new ChannelKeyCipher('secret-0123456789abcdef');
  const stored = c.encrypt('sk-upstream-key-42');
  assert.ok(stored.startsWith('enc:v1:'));
  assert.ok(!stored.includes('upstream-key'));
  assert.notEqual(stored, c.encrypt('sk-upstream-key-42'), 'a fresh IV per encryption');
  assert.equal(c.decrypt(stored), 'sk-upstream-key-42');
});

test('plaintext rows (New API imports) read as they are', () => {
  assert.equal(new ChannelKeyCipher('secret-0123456789abcdef').decrypt('sk-plain'), 'sk-plain');
});

test('another secret, or a changed byte, cannot decrypt', () => {
  const stored = new ChannelKeyCipher('secret-0123456789abcdef').encrypt('k');
  assert.throws(() => new ChannelKeyCipher('other-secret-0123456789').decrypt(stored));
  const raw = Buffer.from(stored.slice(7), 'base64');
  raw[raw.length - 1] ^= 1;
  assert.throws(() =>
    new ChannelKeyCipher('secret-0123456789abcdef').decrypt(`enc:v1:${raw.toString('base64')}`),
  );
});
