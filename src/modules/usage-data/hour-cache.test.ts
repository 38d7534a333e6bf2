import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SettledHours } from './hour-cache.ts';
import type { UsageRow } from './usage-data.repo.ts';

const H = 3600;
const row = (h: number, model = 'm'): UsageRow => ({
  model_name: model,
  created_at: h,
  count: 1,
  quota: h,
  token_used: 1,
});

test('settled hours are read once; the current and previous hour every time', async () => {
  const now = 1_000 * H + 1234; // inside hour 1000
  const cache = new SettledHours(() => now * 1000);
  const reads: Array<[number, number]> = [];
  const read = async (a: number, b: number) => {
    reads.push([a / H, b / H]);
    const out: UsageRow[] = [];
    for (let h = a; h <= b; h += H) out.push(row(h, 'a'), row(h, 'b'));
    return out.filter((r) => r.created_at <= b);
  };
  const first = await cache.get(990 * H - 5, now, read);
  assert.deepEqual(reads, [
    [990, 998],
    [999, now / H],
  ]);
  assert.deepEqual(
    first.map((r) => r.created_at / H),
    [
      990, 990, 991, 991, 992, 992, 993, 993, 994, 994, 995, 995, 996, 996, 997, 997, 998, 998, 999, 999,
      1000, 1000,
    ],
  );
  reads.length = 0;
  const again = await cache.get(990 * H - 5, now, read);
  assert.deepEqual(reads, [[999, now / H]], 'only the unsettled hours are read again');
  assert.deepEqual(again, first);
  reads.length = 0;
  await cache.get(985 * H, 992 * H, read);
  assert.deepEqual(reads, [[985, 989]], 'only the missing settled hours');
});

test('json: the same rows as get, the settled span sent from one buffer kept between calls', async () => {
  let now = 1_000 * H + 1234;
  const cache = new SettledHours(() => now * 1000);
  const read = async (a: number, b: number) => {
    const out: UsageRow[] = [];
    for (let h = Math.ceil(a / H) * H; h <= b; h += H) out.push(row(h, 'a"b'), row(h, 'c'));
    return out;
  };
  const text = (chunks: Buffer[]) => `[${Buffer.concat(chunks).toString()}]`;
  const first = await cache.json(990 * H, now, read);
  assert.deepEqual(JSON.parse(text(first)), await cache.get(990 * H, now, read));
  const again = await cache.json(990 * H, now, read);
  assert.equal(again[0], first[0], 'the joined settled span is the same buffer');
  assert.notEqual(again.at(-1), first.at(-1), 'the recent hours are read each time');
  // an hour later one more hour has settled: a new span, still equal to get
  now += H;
  const later = await cache.json(990 * H, now, read);
  assert.notEqual(later[0], first[0]);
  assert.deepEqual(JSON.parse(text(later)), await cache.get(990 * H, now, read));
  assert.deepEqual(await cache.json(5 * H, 4 * H, read), [], 'an empty range is no chunk at all');
});

test('clear wins over a request that read before it: nothing it read is kept', async () => {
  const now = 1_000 * H + 1234;
  const cache = new SettledHours(() => now * 1000);
  const rowsOf = (model: string) => async (a: number, b: number) => {
    const out: UsageRow[] = [];
    for (let h = Math.ceil(a / H) * H; h <= b; h += H) out.push(row(h, model));
    return out;
  };
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const old = rowsOf('old');
  // the first request reads the settled hours, then waits in its read of the recent ones
  const first = cache.json(990 * H, now, async (a, b) => {
    if (b === now) await gate;
    return old(a, b);
  });
  await new Promise((r) => setImmediate(r));
  cache.clear(); // e.g. after a rollup rebuild
  // a by-day view reads the hours again (and keeps them) while the first request still waits
  const second = await cache.get(990 * H, now, rowsOf('new'));
  assert.ok(second.every((r) => r.model_name === 'new'));
  release();
  await first;
  const third = await cache.json(990 * H, now, rowsOf('new'));
  assert.ok(
    JSON.parse(`[${Buffer.concat(third)}]`).every((r: UsageRow) => r.model_name === 'new'),
    'only what was read after the clear',
  );
});

test('a range older than what the cache holds is answered whole: the hours just read are not the ones evicted', async () => {
  const now = 40_000 * H + 1234;
  const cache = new SettledHours(() => now * 1000);
  const read = async (a: number, b: number) => {
    const out: UsageRow[] = [];
    for (let h = Math.ceil(a / H) * H; h <= b; h += H) out.push(row(h));
    return out;
  };
  // the last 400 days fill the cache (9,600 hours)
  await cache.get(now - 400 * 24 * H, now, read);
  // then 30 days two years back, by both paths
  const from = now - 2 * 365 * 24 * H;
  const to = from + 30 * 24 * H - 1;
  const hours = (rows: UsageRow[]) => new Set(rows.map((r) => r.created_at)).size;
  assert.equal(hours(await cache.get(from, to, read)), 30 * 24);
  const text = `[${Buffer.concat(await cache.json(from - 7 * 24 * H, to, read)).toString()}]`;
  assert.equal(hours(JSON.parse(text)), 37 * 24);
  // and a range longer than the cache itself: the hours starting in it, 28,001 to 39,976
  assert.equal(hours(await cache.get(now - 500 * 24 * H, now - 24 * H, read)), 39_976 - 28_001 + 1);
});

test("a request's cached hours stay its own while it reads the rest: another request's trim meanwhile leaves no gap", async () => {
  const now = 40_000 * H + 1234;
  const cache = new SettledHours(() => now * 1000);
  let release = () => {};
  const held = new Promise<void>((r) => {
    release = r;
  });
  let holdFrom = -1;
  const read = async (a: number, b: number) => {
    if (a === holdFrom) await held;
    const out: UsageRow[] = [];
    for (let h = Math.ceil(a / H) * H; h <= b; h += H) out.push(row(h));
    return out;
  };
  const day = 24 * H;
  await cache.get(now - 400 * day, now, read); // the cache is full: its oldest hours are 400 days back
  // A: 10 days not cached, then 5 days that are (the oldest in the cache); its read is held
  const aFrom = Math.ceil((now - 410 * day) / H) * H;
  holdFrom = aFrom;
  const a = cache.get(aFrom, now - 395 * day, read);
  await new Promise((r) => setImmediate(r));
  // B, meanwhile: 10 days two years back; storing them trims the oldest hours outside B, A's cached ones
  await cache.get(now - 800 * day, now - 790 * day, read);
  release();
  const rows = await a;
  const hours = rows.map((r) => r.created_at);
  assert.equal(new Set(hours).size, hours.length);
  assert.equal(
    hours.length,
    (Math.floor((now - 395 * day) / H) * H - aFrom) / H + 1,
    'every hour of A, no gap',
  );
});
