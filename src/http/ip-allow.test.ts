import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowIpsError, compileAllowIps } from './ip-allow.ts';

describe('token IP allow list', () => {
  it('is off when empty', () => {
    assert.equal(compileAllowIps(''), null);
    assert.equal(compileAllowIps(' \n , '), null);
  });

  it('matches single IPs and CIDRs, v4 and v6, newline or comma separated', () => {
    const allow = compileAllowIps('10.0.0.0/8\n192.168.1.7, 2001:db8::/32\n::1')!;
    assert.equal(allow('10.20.30.40'), true);
    assert.equal(allow('11.0.0.1'), false);
    assert.equal(allow('192.168.1.7'), true);
    assert.equal(allow('192.168.1.8'), false);
    assert.equal(allow('2001:db8::42'), true);
    assert.equal(allow('2001:db9::1'), false);
    assert.equal(allow('::1'), true);
    // IPv4 seen through an IPv6 socket
    assert.equal(allow('::ffff:10.1.2.3'), true);
    assert.equal(allow('not-an-ip'), false);
  });

  it('ignores entries that are not addresses instead of failing', () => {
    const allow = compileAllowIps('garbage\n127.0.0.1')!;
    assert.equal(allow('127.0.0.1'), true);
    assert.equal(allow('127.0.0.2'), false);
  });
});

describe('allowIpsError', () => {
  it('accepts IPs and CIDRs of both families', () => {
    assert.equal(allowIpsError('10.0.0.1\n192.168.0.0/16, 2001:db8::/32\n::1'), null);
    assert.equal(allowIpsError(''), null);
  });

  it('names the bad entry', () => {
    assert.match(allowIpsError('10.0.0.1\nexample.com') ?? '', /example\.com/);
    assert.match(allowIpsError('10.0.0.0/33') ?? '', /prefix length outside 0–32/);
    assert.match(allowIpsError('2001:db8::/129') ?? '', /0–128/);
    assert.match(allowIpsError('10.0.0.0/8/1') ?? '', /not an IP/);
    assert.match(allowIpsError('10.0.0.0/x') ?? '', /prefix length/);
  });
});
