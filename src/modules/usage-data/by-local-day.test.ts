import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localDayStart } from './tz.ts';
import { byLocalDay } from './usage-data.service.ts';

test('byLocalDay asks the zone per day yet puts every hour of a year where the per-hour lookup does', () => {
  const from = Date.UTC(2026, 0, 1) / 1000;
  const hours = Array.from({ length: 366 * 24 }, (_, i) => from + i * 3600);
  const rows = hours.flatMap((h) => [
    { model_name: 'a', created_at: h, count: 1, quota: 2, token_used: 3 },
    { model_name: 'b', created_at: h, count: 1, quota: 1, token_used: 1 },
  ]);
  // DST in both hemispheres, half-hour DST (Lord Howe), a :45 offset, a zone without DST
  // and midnight twice (Azores and Havana turn clocks back from 01:00 to 00:00)
  for (const tz of [
    'America/New_York',
    'Australia/Sydney',
    'Australia/Lord_Howe',
    'Asia/Kathmandu',
    'Atlantic/Azores',
    'America/Havana',
    'UTC',
  ]) {
    const expected = new Map<string, number>();
    for (const h of hours) {
      const key = `${localDayStart(tz, h)}/a`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    const got = byLocalDay(rows, tz);
    const a = got.filter((r) => r.model_name === 'a');
    assert.deepEqual(new Map(a.map((r) => [`${r.created_at}/a`, r.count])), expected, tz);
    assert.equal(got.length, 2 * expected.size);
    const lengths = new Set(a.map((r) => r.count));
    assert.ok(lengths.has(24), tz);
  }
});
