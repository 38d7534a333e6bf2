/**
 * `npm run bench -- pricing`: /api/pricing with 500 models served by 200 channels in 3 groups (SQLite),
 * through the whole app (app.inject: auth, routing, serialisation; no socket). Measures answers from the
 * cache (anonymous, and signed in with an access token) and cold answers (cache dropped before each call).
 */
import { performance } from 'node:perf_hooks';
import { createChannelBody } from '../src/modules/channels/channels.schema.ts';
import { createActor, setupRoot, startTestApp } from '../test/support/app.ts';

const MODELS = 500;
const CHANNELS = 200;
const t = await startTestApp({ name: 'sqlite' });
const root = await setupRoot(t);
const user = await createActor(t, root, 'viewer', { group: 'vip' });
const models = Array.from({ length: MODELS }, (_, i) => `model-${String(i).padStart(3, '0')}`);
const groups = ['default', 'vip', 'svip'];
for (let c = 0; c < CHANNELS; c++)
  await t.ctx.channels.create(
    createChannelBody.parse({
      name: `channel-${c}`,
      key: `sk-${c}-0123456789`,
      base_url: 'http://127.0.0.1:9',
      // each channel serves 25 models, so every model is served by ~10 channels
      models: Array.from({ length: 25 }, (_, k) => models[(c * 25 + k * 7) % MODELS]).join(','),
      group: groups.slice(0, 1 + (c % 3)).join(','),
    }),
  );
await t.ctx.options.set(
  'ModelRatio',
  JSON.stringify(Object.fromEntries(models.map((m, i) => [m, 0.1 + i / 100]))),
);
await t.ctx.options.set(
  'ModelPrice',
  JSON.stringify(Object.fromEntries(models.slice(0, 50).map((m) => [m, 0.01]))),
);

async function measure(label: string, headers: Record<string, string>, before?: () => void, n = 300) {
  const ms: number[] = [];
  let bytes = 0;
  for (let i = 0; i < n + 30; i++) {
    before?.();
    const t0 = performance.now();
    const res = await t.app.inject({ method: 'GET', url: '/api/pricing', headers });
    const dt = performance.now() - t0;
    if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${res.body}`);
    bytes = res.body.length;
    if (i >= 30) ms.push(dt);
  }
  ms.sort((a, b) => a - b);
  const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))].toFixed(3);
  console.log(`| ${label} | ${q(0.5)} | ${q(0.95)} | ${q(0.99)} | ${(bytes / 1024).toFixed(0)} kB |`);
}

const items = JSON.parse((await t.app.inject({ method: 'GET', url: '/api/pricing' })).body).data.length;
console.log(`\n/api/pricing: ${MODELS} models, ${CHANNELS} channels, ${items} items answered anonymously\n`);
console.log('| call | p50 ms | p95 ms | p99 ms | body |\n|---|---|---|---|---|');
await measure('from cache, anonymous', {});
await measure('from cache, signed in (access token)', user.headers);
await measure('cold (cache dropped before each call)', {}, () => t.ctx.pricing.invalidate(), 100);
await t.close();
