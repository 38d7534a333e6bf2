import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapModel, pickChannel } from './channel-select.ts';

const c = (id: number, priority: number, weight: number) => ({ id, priority, weight });

describe('channel choice', () => {
  it('takes the highest priority and never a channel already tried', () => {
    const list = [c(1, 0, 10), c(2, 5, 1), c(3, 5, 1), c(4, -1, 1)];
    assert.equal(pickChannel(list, new Set([2]))!.id, 3);
    assert.equal(pickChannel(list, new Set([2, 3]))!.id, 1);
    assert.equal(pickChannel(list, new Set([1, 2, 3, 4])), undefined);
  });

  it('splits ties in proportion to weight, weight 0 counting as 1', () => {
    const list = [c(1, 0, 3), c(2, 0, 0)];
    // total weight 4: [0, 3) → channel 1, [3, 4) → channel 2
    assert.equal(pickChannel(list, new Set(), () => 0.74)!.id, 1);
    assert.equal(pickChannel(list, new Set(), () => 0.75)!.id, 2);
    const counts = new Map<number, number>();
    let seed = 1;
    const rand = () => {
      seed = (seed * 16807) % 2147483647;
      return (seed - 1) / 2147483646;
    };
    for (let i = 0; i < 4000; i++) {
      const id = pickChannel(list, new Set(), rand)!.id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    assert.ok(Math.abs(counts.get(1)! / 4000 - 0.75) < 0.05);
  });

  it('maps models through the channel mapping, ignoring bad JSON', () => {
    assert.equal(mapModel('{"gpt-4":"gpt-4o"}', 'gpt-4'), 'gpt-4o');
    assert.equal(mapModel('{"gpt-4":"gpt-4o"}', 'gpt-3.5'), 'gpt-3.5');
    assert.equal(mapModel('not json', 'gpt-4'), 'gpt-4');
    assert.equal(mapModel('', 'gpt-4'), 'gpt-4');
  });
});
