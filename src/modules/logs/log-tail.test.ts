import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NewLog } from '../../db/schema.ts';
import { LogTail, likeMatcher, TAIL_QUEUE } from './log-tail.ts';

const row = (over: Partial<NewLog>): NewLog =>
  ({
    user_id: 1,
    username: 'u',
    type: 2,
    content: 'API call succeeded',
    model_name: 'gpt-4o',
    token_name: 't',
    group: 'default',
    channel_id: 3,
    other: '{"admin_info":{"attempts":[]},"model_ratio":1}',
    is_stream: 0,
    created_at: 1,
    ...over,
  }) as NewLog;

/** A sink that takes `room` writes, then reports a full buffer until drained (then takes everything). */
function sink(room = Number.POSITIVE_INFINITY) {
  const got: string[] = [];
  let drain = () => {};
  let ended = false;
  return {
    got,
    drain: () => {
      room = Number.POSITIVE_INFINITY;
      drain();
    },
    get ended() {
      return ended;
    },
    s: {
      write(c: string) {
        got.push(c);
        return got.length < room;
      },
      onDrain(l: () => void) {
        drain = l;
      },
      end() {
        ended = true;
      },
    },
  };
}

/** The events written, one per SSE block (a write may carry several). */
const blocks = (got: string[]) => got.flatMap((c) => c.split('\n\n').filter(Boolean));
const logs = (got: string[]) =>
  blocks(got)
    .filter((c) => c.startsWith('event: log'))
    .map((c) => JSON.parse(c.split('data: ')[1]));

describe('live log tail', () => {
  it('filters rows as the list does; user views lose the channel and admin_info', () => {
    const tail = new LogTail();
    const admin = sink();
    const mine = sink();
    tail.open({
      view: 'admin',
      filter: { modelName: 'GPT%' },
      userId: 9,
      stillValid: async () => true,
      sink: admin.s,
    });
    tail.open({ view: 'user', filter: { userId: 2 }, userId: 2, stillValid: async () => true, sink: mine.s });
    tail.publish([
      row({ model_name: 'gpt-4o' }),
      row({ model_name: 'claude' }),
      row({ user_id: 2, model_name: 'x' }),
    ]);
    assert.deepEqual(
      logs(admin.got).map((r) => r.model_name),
      ['gpt-4o'],
    );
    const [own] = logs(mine.got);
    assert.equal(own.user_id, 2);
    assert.ok(!('channel_id' in own) && !('channel' in own));
    assert.equal(JSON.parse(own.other).admin_info, undefined);
    assert.equal(own.is_stream, false);
  });

  it('admins see channel names (one lookup per batch, none while only users watch), rows in commit order', async () => {
    const asked: number[][] = [];
    let slowFirst = true;
    const tail = new LogTail(async (ids) => {
      asked.push(ids);
      // the first batch's lookup is the slow one: its rows must still come first
      if (slowFirst) {
        slowFirst = false;
        await new Promise((r) => setTimeout(r, 30));
      }
      return new Map(ids.map((id) => [id, `channel ${id}`]));
    });
    const mine = sink();
    tail.open({ view: 'user', filter: { userId: 1 }, userId: 1, stillValid: async () => true, sink: mine.s });
    tail.publish([row({ channel_id: 3 })]);
    assert.equal(logs(mine.got).length, 1, 'delivered at once while no admin watches');
    assert.deepEqual(asked, [], 'no lookup for users');
    const admin = sink();
    tail.open({ view: 'admin', filter: {}, userId: 9, stillValid: async () => true, sink: admin.s });
    tail.publish([row({ channel_id: 3, model_name: 'a' }), row({ channel_id: 5, model_name: 'b' })]);
    tail.publish([row({ channel_id: 5, model_name: 'c' }), row({ channel_id: 0, model_name: 'd' })]);
    await tail.delivered();
    assert.deepEqual(asked, [[3, 5], [5]]);
    assert.deepEqual(
      logs(admin.got).map((r) => [r.model_name, r.channel_name]),
      [
        ['a', 'channel 3'],
        ['b', 'channel 5'],
        ['c', 'channel 5'],
        ['d', ''],
      ],
    );
    assert.deepEqual(
      logs(mine.got).map((r) => r.model_name),
      ['gpt-4o', 'a', 'b', 'c', 'd'],
    );
    assert.ok(logs(mine.got).every((r) => !('channel_name' in r)));
  });

  it('% patterns match as LIKE does (ASCII case ignored), in linear time whatever the pattern', () => {
    const cases: Array<[string, string, boolean]> = [
      ['gpt%', 'gpt-4o', true],
      ['GPT%', 'gpt-4o', true],
      ['%4o', 'gpt-4o', true],
      ['%4o%', 'gpt-4o-mini', true],
      ['g%t%4%o', 'gpt-4o', true],
      ['gpt%x', 'gpt-4o', false],
      ['a%a', 'a', false],
      ['a%a', 'aa', true],
      ['ab%bc', 'abc', false],
      ['%', '', true],
      ['x%', 'y', false],
      ['claude_3%', 'claude_3-opus', true],
      ['claude_3%', 'claudex3', false],
    ];
    for (const [pattern, name, want] of cases)
      assert.equal(likeMatcher(pattern)(name), want, `${pattern} ~ ${name}`);
    // a regular expression of .* pieces backtracks on this (each row written would hold the loop)
    const evil = likeMatcher(`${'%a'.repeat(90)}%b`);
    for (let i = 0; i < 1000; i++) assert.equal(evil('a'.repeat(191)), false);
  });

  it('a reader that does not keep up loses its oldest rows, told how many, and holds no more than the queue', () => {
    const tail = new LogTail();
    const slow = sink(2); // the retry line and one write fit, then the buffer is full
    tail.open({ view: 'admin', filter: {}, userId: 1, stillValid: async () => true, sink: slow.s });
    tail.publish([row({ request_id: 'first' })]);
    // batches while blocked: queued, the oldest dropped past the bound
    for (let b = 0; b < 11; b++)
      tail.publish(Array.from({ length: 50 }, (_, i) => row({ request_id: `r${b * 50 + i}` })));
    assert.equal(slow.got.length, 2, 'nothing written while the buffer is full');
    slow.drain();
    const skipped = blocks(slow.got).find((c) => c.startsWith('event: skipped'))!;
    assert.deepEqual(JSON.parse(skipped.split('data: ')[1]), { skipped: 550 - TAIL_QUEUE });
    const ids = logs(slow.got).map((r) => r.request_id);
    assert.equal(ids[0], 'first');
    assert.equal(ids[1], `r${550 - TAIL_QUEUE}`, 'the oldest queued rows went');
    assert.equal(ids.at(-1), 'r549');
    assert.equal(ids.length, 1 + TAIL_QUEUE);
  });

  it('a user change closes the viewers whose access no longer stands, and only those', async () => {
    const tail = new LogTail();
    const a = sink();
    const b = sink();
    let valid = true;
    tail.open({ view: 'user', filter: {}, userId: 5, stillValid: async () => valid, sink: a.s });
    tail.open({ view: 'user', filter: {}, userId: 6, stillValid: async () => false, sink: b.s });
    await tail.recheck(5);
    assert.equal(a.ended, false);
    valid = false;
    await tail.recheck(5);
    assert.equal(a.ended, true);
    assert.equal(b.ended, false, 'another user is not touched');
    assert.equal(tail.size, 1);
  });
});
