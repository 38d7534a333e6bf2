/**
 * `npm run bench -- admin-lists [sqlite|postgres|mysql]`: one user with 10,000 tokens and 1,000 channels
 * (each serving 5 models in 2 groups: 10,000 serving rows), then the list endpoints through the whole app
 * (app.inject: routing, auth, validation, SQL, serialisation; no socket). Prints p50/p95/max per query.
 * PostgreSQL/MariaDB read TEST_PG_URL / TEST_MYSQL_URL and use a fresh database that is dropped after.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createChannelBody } from '../src/modules/channels/channels.schema.ts';
import { createActor, setupRoot, startTestApp } from '../test/support/app.ts';
import type { Engine } from '../test/support/engines.ts';

const name = (process.argv[2] ?? 'sqlite') as Engine['name'];
const url =
  name === 'postgres' ? process.env.TEST_PG_URL : name === 'mysql' ? process.env.TEST_MYSQL_URL : undefined;
if (name !== 'sqlite' && !url)
  throw new Error(`set ${name === 'postgres' ? 'TEST_PG_URL' : 'TEST_MYSQL_URL'}`);
const t = await startTestApp({ name, url });
const root = await setupRoot(t);
const user = await createActor(t, root, 'many');

const TOKENS = 10_000;
const CHANNELS = 1_000;
const now = Math.floor(Date.now() / 1000);
for (let i = 0; i < TOKENS; i += 500) {
  const rows = Array.from({ length: 500 }, (_, j) => ({
    user_id: user.id,
    key: randomBytes(24).toString('hex'),
    name: `token-${i + j}`,
    status: 1,
    created_time: now,
    accessed_time: 0,
    expired_time: -1,
    remain_quota: 0,
    unlimited_quota: 1,
    used_quota: 0,
    model_limits_enabled: 0,
    model_limits: '',
    allow_ips: '',
    group: '',
  }));
  await t.ctx.dbs.main.db.insertInto('tokens').values(rows).execute();
}
for (let i = 0; i < CHANNELS; i++)
  await t.ctx.channels.create(
    createChannelBody.parse({
      name: `channel-${i}`,
      key: `sk-${i}-secret-key`,
      base_url: 'http://127.0.0.1:9',
      models: [0, 1, 2, 3, 4].map((m) => `model-${(i + m) % 50}`).join(','),
      group: 'default,vip',
    }),
  );

async function measure(label: string, path: string, headers: Record<string, string>, n = 200) {
  const ms: number[] = [];
  for (let i = 0; i < n + 20; i++) {
    const t0 = performance.now();
    const res = await t.app.inject({ method: 'GET', url: path, headers });
    if (i >= 20) ms.push(performance.now() - t0);
    if (res.statusCode !== 200) throw new Error(`${path}: ${res.statusCode} ${res.body}`);
  }
  ms.sort((a, b) => a - b);
  const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))].toFixed(2);
  console.log(`| ${label} | \`${path}\` | ${q(0.5)} | ${q(0.95)} | ${ms[ms.length - 1].toFixed(2)} |`);
}

console.log(
  `\n${name}: ${TOKENS} tokens of one user, ${CHANNELS} channels (${CHANNELS * 10} serving rows)\n`,
);
console.log('| query | path | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|');
await measure('tokens, first page', '/api/token/?p=1&page_size=20', user.headers);
await measure('tokens, last page', '/api/token/?p=500&page_size=20', user.headers);
await measure('tokens, 100 per page', '/api/token/?p=50&page_size=100', user.headers);
await measure('token search', '/api/token/search?keyword=token-99', user.headers);
await measure('channels, first page', '/api/channel/?p=1&page_size=20', root.headers);
await measure('channels, last page', '/api/channel/?p=50&page_size=20', root.headers);
await measure('channels by model', '/api/channel/?model=model-7', root.headers);
await measure('channels by group+keyword', '/api/channel/?group=vip&keyword=channel-99', root.headers);
await t.close();
