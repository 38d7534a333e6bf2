import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ledger } from './ledger.ts';

const r = (userId: number, tokenId: number, limitedToken: boolean, amount: number) => ({
  userId,
  tokenId,
  limitedToken,
  amount,
});

describe('settlement ledger', () => {
  it('sums the differences per user, token and channel', () => {
    const l = new Ledger();
    l.add(r(1, 10, true, 100), 'k10', 130, 5, 1000); // charged 30 more than reserved
    l.add(r(1, 10, true, 100), 'k10', 60, 5, 1002); // 40 back
    l.add(r(2, 20, false, 50), 'k20', 50, 6, 1001); // exact: nothing for the user
    const b = l.take()!;
    assert.deepEqual(b.users.get(1), { quota: -10, used: -10 });
    assert.equal(b.users.has(2), false);
    assert.deepEqual(b.tokens.get(10), { key: 'k10', limited: true, remain: -10, used: -10, accessed: 1002 });
    // unlimited tokens count the whole cost: the reservation did not touch them
    assert.deepEqual(b.tokens.get(20), { key: 'k20', limited: false, remain: 0, used: 50, accessed: 1001 });
    assert.equal(b.channels.get(5), 190);
    assert.equal(b.channels.get(6), 50);
    assert.equal(l.take(), null);
  });

  it('a refund gives the reservation back and uncounts the call', () => {
    const l = new Ledger();
    l.add(r(1, 10, true, 40), 'k', 0, 5, 1, true);
    const b = l.take()!;
    assert.deepEqual(b.users.get(1), { quota: -40, used: -40, count: -1 });
    assert.equal(b.tokens.get(10)!.remain, -40);
    assert.equal(b.channels.has(5), false);
  });
});
