import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CallSettlement, sumCalls } from './ledger.ts';

const call = (
  userId: number,
  tokenId: number,
  limited: boolean,
  reserved: number,
  actual: number,
  channelId: number,
  at: number,
  refund = false,
): CallSettlement => ({
  requestId: `r${at}`,
  userId,
  tokenId,
  tokenKey: `k${tokenId}`,
  limited,
  reserved,
  actual,
  channelId,
  at,
  refund,
});

describe('settlement ledger', () => {
  it('sums the differences per user, token and channel', () => {
    const s = sumCalls([
      call(1, 10, true, 100, 130, 5, 1000), // charged 30 more than reserved
      call(1, 10, true, 100, 60, 5, 1002), // 40 back
      call(2, 20, false, 50, 50, 6, 1001), // exact: nothing for the user
    ]);
    assert.deepEqual(s.users.get(1), { quota: -10, used: -10 });
    assert.equal(s.users.has(2), false);
    assert.deepEqual(s.tokens.get(10), { key: 'k10', limited: true, remain: -10, used: -10, accessed: 1002 });
    // unlimited tokens count the whole cost: the reservation did not touch them
    assert.deepEqual(s.tokens.get(20), { key: 'k20', limited: false, remain: 0, used: 50, accessed: 1001 });
    assert.equal(s.channels.get(5), 190);
    assert.equal(s.channels.get(6), 50);
  });

  it('a refund gives the reservation back and uncounts the call', () => {
    const s = sumCalls([call(1, 10, true, 40, 0, 5, 1, true)]);
    assert.deepEqual(s.users.get(1), { quota: -40, used: -40, count: -1 });
    assert.equal(s.tokens.get(10)!.remain, -40);
    assert.equal(s.channels.has(5), false);
  });
});
