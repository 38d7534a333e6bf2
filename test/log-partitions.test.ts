/**
 * PostgreSQL's week partitions of `logs` (issue 20): weeks made ahead, stragglers moved out of the default
 * partition, deletes that drop whole weeks and delete row by row only in the week the cutoff falls in, and
 * the move of a table from before partitioning (`npm run logs:partition`) while rows keep their ids.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openDatabases } from '../src/db/connect.ts';
import {
  AHEAD_WEEKS,
  DEFAULT_PARTITION,
  isPartitioned,
  LOG_INDEXES,
  LogPartitions,
  listPartitions,
  partitionExisting,
  weekName,
  weekStart,
} from '../src/db/log-partitions.ts';
import * as logs001 from '../src/db/migrations/logs-001-init.ts';
import * as logs002 from '../src/db/migrations/logs-002-filter-indexes.ts';
import { LogType } from '../src/modules/logs/log-types.ts';
import { type Actor, setupRoot, startTestApp, type TestApp } from './support/app.ts';
import { engines } from './support/engines.ts';

const DAY = 86_400;
const pg = engines().find((e) => e.name === 'postgres');
const WEEK = 7 * DAY;
const now = Math.floor(Date.now() / 1000);
const week = weekStart(now);
/** the partition a time falls in */
const part = (t: number) => weekName(weekStart(t));

describe('log partitions (postgres)', { skip: pg ? false : 'TEST_PG_URL is not set' }, () => {
  let t: TestApp;
  let root: Actor;
  const db = () => t.ctx.dbs.logs.db;
  const write = async (rows: Array<{ created_at: number; content: string }>) => {
    for (const r of rows)
      t.ctx.logWriter.write({
        type: LogType.Consume,
        user_id: 1,
        username: 'u',
        model_name: 'm',
        quota: 1,
        ...r,
      });
    await t.ctx.logWriter.flush();
  };
  const contents = async () =>
    (await db().selectFrom('logs').select('content').orderBy('id').execute()).map((r) => r.content);
  const placeOf = async (content: string) =>
    (
      await sql<{
        p: string;
      }>`SELECT tableoid::regclass::text AS p FROM logs WHERE content = ${content}`.execute(db())
    ).rows[0]?.p;

  before(async () => {
    t = await startTestApp(pg!);
    root = await setupRoot(t);
  });
  after(() => t.close());

  it('a new database is partitioned: last week to two weeks ahead made at start, and a default', async () => {
    assert.equal(await isPartitioned(db()), true);
    assert.equal(new Date(week * 1000).getUTCDay(), 1, 'weeks start on Monday');
    assert.ok(week <= now && now < week + WEEK);
    const parts = await listPartitions(db());
    assert.deepEqual(
      parts.map((p) => p.name),
      [
        ...Array.from({ length: AHEAD_WEEKS + 2 }, (_, i) => weekName(week + (i - 1) * WEEK)),
        DEFAULT_PARTITION,
      ],
    );
    assert.deepEqual([parts[1]?.from, parts[1]?.to], [week, week + WEEK]);
    await write([{ created_at: now, content: 'now' }]);
    assert.equal(await placeOf('now'), part(now));
  });

  it('a straggler waits in the default partition until the upkeep gives its week a partition', async () => {
    const old = now - 400 * DAY;
    await write([
      { created_at: old, content: 'old-1' },
      { created_at: old + 60, content: 'old-2' },
    ]);
    assert.equal(await placeOf('old-1'), DEFAULT_PARTITION);
    const made = await new LogPartitions(t.ctx.dbs.logs).maintain();
    assert.deepEqual(made, [part(old)]);
    assert.equal(await placeOf('old-1'), part(old));
    assert.equal(await placeOf('old-2'), part(old));
    const left = await sql<{ n: number }>`SELECT count(*)::int AS n FROM logs_default`.execute(db());
    assert.equal(left.rows[0]?.n, 0, 'the default partition drained');
    assert.deepEqual(
      await new LogPartitions(t.ctx.dbs.logs).maintain(),
      [],
      'a second run has nothing to do',
    );
  });

  it('a delete drops the weeks wholly before the cutoff and deletes row by row only in its own week', async () => {
    // rows every 12 hours over the five weeks before this one
    const rows: Array<{ created_at: number; content: string }> = [];
    for (let t = week - 5 * WEEK; t < week; t += 12 * 3600)
      rows.push({ created_at: t + 60, content: `r${t}` });
    await write(rows);
    await new LogPartitions(t.ctx.dbs.logs).maintain();
    const beforeRows = await contents();
    const cutoff = week - 3 * WEEK + 2 * DAY + 3600; // inside the week three weeks back
    const at = (c: string) => (c.startsWith('r') ? Number(c.slice(1)) + 60 : c.startsWith('old-') ? 0 : now);
    const gone = beforeRows.filter((c) => at(c) < cutoff);
    assert.ok(gone.length > 20);
    const deleted = await t.ctx.logs.deleteBefore(cutoff);
    assert.equal(deleted, gone.length, 'the count covers dropped weeks and deleted rows');
    assert.deepEqual(
      await contents(),
      beforeRows.filter((c) => !gone.includes(c)),
    );
    const names = (await listPartitions(db())).map((p) => p.name);
    for (const w of [week - 5 * WEEK, week - 4 * WEEK, weekStart(now - 400 * DAY)])
      assert.ok(!names.includes(weekName(w)), `${weekName(w)} dropped`);
    assert.ok(names.includes(part(cutoff)), 'the cutoff week stays, emptied up to the cutoff');
    const tables = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM pg_class WHERE relname = ${weekName(week - 4 * WEEK)}`.execute(db());
    assert.equal(tables.rows[0]?.n, 0, 'the dropped week is gone, not merely detached');
    // the API's delete takes the same path
    const to = week - 2 * WEEK;
    const expected = (await contents()).filter((c) => at(c) < to).length;
    const res = await t.call({
      method: 'DELETE',
      url: `/api/log/?target_timestamp=${to}`,
      headers: root.headers,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.data, expected);
    assert.ok(
      !(await listPartitions(db())).some((p) => p.name === part(cutoff)),
      'that week dropped whole now',
    );
  });

  it('two instances at once: the same weeks made and dropped once, neither fails', async () => {
    const later = () => now + 30 * WEEK;
    // separate pools, as two servers have
    const name = (await sql<{ d: string }>`SELECT current_database() AS d`.execute(db())).rows[0]!.d;
    const dsn = new URL(pg!.url!);
    dsn.pathname = `/${name}`;
    const other = openDatabases({ sqlDsn: dsn.toString(), sqlitePath: '', logSqlDsn: '' });
    try {
      const made = await Promise.all([
        new LogPartitions(t.ctx.dbs.logs, { now: later }).maintain(),
        new LogPartitions(other.logs, { now: later }).maintain(),
      ]);
      const want = [0, 1, 2, 3].map((i) => weekName(weekStart(later()) + (i - 1) * WEEK));
      assert.deepEqual([...made[0], ...made[1]].sort(), want, 'each week made by one of them');
      // two retention runs over the same old weeks (no Redis lock between them)
      const old = weekStart(now - 300 * WEEK);
      await new LogPartitions(t.ctx.dbs.logs).ensureWeeks([old, old + WEEK]);
      await write([
        { created_at: old + 10, content: 'race-1' },
        { created_at: old + WEEK + 10, content: 'race-2' },
      ]);
      const dropped = await Promise.all([
        new LogPartitions(t.ctx.dbs.logs).dropBefore(old + 2 * WEEK),
        new LogPartitions(other.logs).dropBefore(old + 2 * WEEK),
      ]);
      assert.equal(dropped[0] + dropped[1] >= 2, true, 'both rows counted (by one run or the other)');
      assert.equal(await placeOf('race-1'), undefined);
      const names = (await listPartitions(db())).map((p) => p.name);
      assert.ok(!names.includes(weekName(old)) && !names.includes(weekName(old + WEEK)));
    } finally {
      await other.close();
    }
  });

  it('an existing table moves into partitions: every row with its id, the sequence going on, the indexes', async () => {
    // the layout of a database from before this release: logs-001 and -002 on an empty database
    await sql`DROP TABLE logs CASCADE`.execute(db());
    await logs001.up(db(), t.ctx.dbs.logs.dialect);
    await logs002.up(db(), t.ctx.dbs.logs.dialect);
    assert.equal(await isPartitioned(db()), false);
    const rows: Array<{ created_at: number; content: string }> = [];
    for (let i = 0; i < 50; i++)
      rows.push({ created_at: now - (i % 9) * 5 * DAY - i * 60, content: `m${i}` });
    rows.push({ created_at: now - 4000 * DAY, content: 'ancient' });
    await write(rows);
    const was = await db().selectFrom('logs').select(['id', 'created_at', 'content']).orderBy('id').execute();
    const seen: number[] = [];
    const out = await partitionExisting(t.ctx.dbs.logs, { batch: 7, onProgress: (p) => seen.push(p.copied) });
    assert.notEqual(out, 'already');
    assert.equal((out as { copied: number }).copied, was.length);
    assert.ok(seen.length >= 8, 'progress after every batch');
    assert.equal(await isPartitioned(db()), true);
    assert.deepEqual(
      await db().selectFrom('logs').select(['id', 'created_at', 'content']).orderBy('id').execute(),
      was,
    );
    assert.equal(await placeOf('m0'), part(now));
    assert.equal(await placeOf('m8'), part(now - 40 * DAY - 8 * 60));
    assert.equal(
      await placeOf('ancient'),
      DEFAULT_PARTITION,
      'beyond five years: the default, drained by the upkeep',
    );
    const idx = await sql<{
      name: string;
    }>`SELECT indexname AS name FROM pg_indexes WHERE tablename = 'logs'`.execute(db());
    for (const [name] of LOG_INDEXES)
      assert.ok(
        idx.rows.some((r) => r.name === name),
        name,
      );
    await write([{ created_at: now, content: 'after' }]);
    const last = await db()
      .selectFrom('logs')
      .select('id')
      .where('content', '=', 'after')
      .executeTakeFirstOrThrow();
    assert.ok(last.id > Math.max(...was.map((r) => r.id)), 'the id sequence continues');
    assert.equal(await partitionExisting(t.ctx.dbs.logs), 'already');
    // the upkeep finds the ancient row a day of its own
    await new LogPartitions(t.ctx.dbs.logs).maintain();
    assert.equal(await placeOf('ancient'), part(now - 4000 * DAY));
  });
});
