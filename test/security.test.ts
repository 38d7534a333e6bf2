/**
 * SPEC §10, issue 12: each finding of the attacker's run, played again against the whole app.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../src/config.ts';
import { openDatabases } from '../src/db/connect.ts';
import { migrate } from '../src/db/migrate.ts';
import { OptionsRepo } from '../src/modules/options/options.repo.ts';
import { resolveSecret, secretFilePath } from '../src/secret.ts';
import { type Actor, createActor, loginActor, setupRoot, startTestApp, type TestApp } from './support/app.ts';
import { engines } from './support/engines.ts';
import {
  client,
  logRows,
  type RelayWorld,
  relayWorld,
  seedChannel,
  seedToken,
  setPricing,
  settled,
} from './support/relay-fixtures.ts';

/** Logs in and returns the raw session cookie (no access token). */
async function sessionOf(t: TestApp, username: string, password: string) {
  const res = await t.app.inject({ method: 'POST', url: '/api/user/login', payload: { username, password } });
  assert.equal(res.statusCode, 200, res.body);
  const cookie = res.cookies.find((c) => c.name === 'session')!.value;
  const id = res.json().data.id as number;
  return {
    id,
    get: () =>
      t.call({
        method: 'GET',
        url: '/api/user/self',
        cookies: { session: cookie },
        headers: { 'New-Api-User': String(id) },
      }),
    cookie,
  };
}

for (const engine of engines()) {
  describe(`accounts hold against their own users (${engine.name})`, () => {
    let t: TestApp;
    let root: Actor;

    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    it('ten concurrent setups create exactly one root', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          t.call({
            method: 'POST',
            url: '/api/setup',
            payload: {
              username: `root${i}`,
              password: 'root-password-1',
              confirmPassword: 'root-password-1',
            },
          }),
        ),
      );
      const ok = results.filter((r) => r.status === 200);
      assert.equal(ok.length, 1, JSON.stringify(results.map((r) => r.status)));
      for (const r of results) if (r.status !== 200) assert.equal(r.status, 409);
      assert.equal(await t.ctx.usersRepo.countRoots(), 1);
      const winner = results.findIndex((r) => r.status === 200);
      root = await loginActor(t, `root${winner}`, 'root-password-1');
    });

    it('logout, a password change, demotion, disabling and deletion end every session at once', async () => {
      await createActor(t, root, 'sessions', { role: 10 });
      const a = await sessionOf(t, 'sessions', 'sessions-password');
      const b = await sessionOf(t, 'sessions', 'sessions-password');
      assert.equal((await a.get()).status, 200);
      // logging out with one cookie ends the other too
      await t.app.inject({ method: 'GET', url: '/api/user/logout', cookies: { session: a.cookie } });
      assert.equal((await a.get()).status, 401);
      assert.equal((await b.get()).status, 401);

      const c = await sessionOf(t, 'sessions', 'sessions-password');
      const change = await t.call({
        method: 'PUT',
        url: '/api/user/self',
        cookies: { session: c.cookie },
        headers: { 'New-Api-User': String(c.id) },
        payload: { password: 'a-new-password-1', original_password: 'sessions-password' },
      });
      assert.equal(change.status, 200);
      assert.equal((await c.get()).status, 401, 'the old cookie died with the old password');

      const manage = (action: string) =>
        t.call({
          method: 'POST',
          url: '/api/user/manage',
          headers: root.headers,
          payload: { id: c.id, action },
        });
      const d = await sessionOf(t, 'sessions', 'a-new-password-1');
      assert.equal((await manage('demote')).status, 200);
      assert.equal((await d.get()).status, 401, 'demotion');
      const e = await sessionOf(t, 'sessions', 'a-new-password-1');
      assert.equal((await manage('disable')).status, 200);
      await manage('enable');
      assert.equal((await e.get()).status, 401, 'disabling (even once re-enabled)');
      const f = await sessionOf(t, 'sessions', 'a-new-password-1');
      assert.equal((await manage('delete')).status, 200);
      assert.equal((await f.get()).status, 401, 'deletion');
    });

    it('usernames are unique regardless of case', async () => {
      const user = await createActor(t, root, 'casey');
      const rename = await t.call({
        method: 'PUT',
        url: '/api/user/self',
        headers: user.headers,
        payload: { username: 'CASEY' },
      });
      assert.equal(rename.status, 200, 'changing only the case of one own name is fine');
      const taken = await t.call({
        method: 'PUT',
        url: '/api/user/self',
        headers: user.headers,
        payload: { username: root.username.toUpperCase() },
      });
      assert.equal(taken.status, 409);
      const dup = await t.call({
        method: 'POST',
        url: '/api/user/',
        headers: root.headers,
        payload: { username: 'Casey', password: 'casey-password' },
      });
      assert.equal(dup.status, 409);
    });
  });
}

describe('login costs the same for an unknown user as for a wrong password', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ name: 'sqlite' });
    await setupRoot(t);
  });
  after(() => t.close());

  it('both run bcrypt (unknown users were answered in 4 ms, wrong passwords in 110 ms)', async () => {
    const time = async (username: string) => {
      const t0 = performance.now();
      const res = await t.call({
        method: 'POST',
        url: '/api/user/login',
        payload: { username, password: 'wrong-password' },
      });
      assert.equal(res.status, 401);
      assert.equal(res.body.message, 'invalid username or password');
      return performance.now() - t0;
    };
    await time('nobody-at-all'); // the first call makes the stand-in hash
    const unknown = [await time('nobody-1'), await time('nobody-2'), await time('nobody-3')].sort()[1];
    const wrong = [await time('root'), await time('root'), await time('root')].sort()[1];
    assert.ok(
      unknown > wrong * 0.5,
      `unknown ${unknown.toFixed(1)} ms vs wrong password ${wrong.toFixed(1)} ms`,
    );
  });
});

describe('a copy of the database file grants nothing (sqlite)', () => {
  it('keeps the secret in a 0600 file beside the database, never in it (token keys: tokens.test.ts)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-secret-'));
    const sqlitePath = join(dir, 'tollgate.db');
    const dbs = openDatabases({ sqlDsn: '', sqlitePath, logSqlDsn: '' });
    await migrate(dbs);
    const repo = new OptionsRepo(dbs.main);
    // an older release kept its generated secret in the options table: it moves to the file
    await repo.set('SessionSecret', 'legacy-secret-0123456789abcdef');
    const secret = await resolveSecret({ sessionSecret: '', sqlDsn: '', sqlitePath }, repo);
    assert.equal(secret, 'legacy-secret-0123456789abcdef', 'existing sessions and keys keep working');
    assert.equal((await repo.all()).has('SessionSecret'), false);
    const file = secretFilePath(sqlitePath);
    assert.equal(readFileSync(file, 'utf8').trim(), secret);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(
      await resolveSecret({ sessionSecret: '', sqlDsn: '', sqlitePath }, repo),
      secret,
      'read again',
    );
    await dbs.close();

    // a fresh install generates one; nothing in the database holds it
    const dir2 = mkdtempSync(join(tmpdir(), 'tollgate-secret-'));
    const path2 = join(dir2, 'tollgate.db');
    const dbs2 = openDatabases({ sqlDsn: '', sqlitePath: path2, logSqlDsn: '' });
    await migrate(dbs2);
    const generated = await resolveSecret(
      { sessionSecret: '', sqlDsn: '', sqlitePath: path2 },
      new OptionsRepo(dbs2.main),
    );
    assert.ok(generated.length >= 32);
    await dbs2.close();
    assert.ok(
      !readFileSync(path2).includes(Buffer.from(generated)),
      'the database file does not contain the secret',
    );
  });

  it('an external database without SESSION_SECRET refuses to start, naming the variable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-secret-'));
    const dbs = openDatabases({ sqlDsn: '', sqlitePath: join(dir, 'x.db'), logSqlDsn: '' });
    await migrate(dbs);
    await assert.rejects(
      resolveSecret(
        { sessionSecret: '', sqlDsn: 'postgres://x@127.0.0.1/x', sqlitePath: '' },
        new OptionsRepo(dbs.main),
      ),
      (e: Error) => e instanceof ConfigError && /SESSION_SECRET is required/.test(e.message),
    );
    await dbs.close();
  });
});

describe('option switches are read when a call is made (sqlite)', () => {
  let w: RelayWorld;
  before(async () => {
    w = await relayWorld({ name: 'sqlite' }, { username: 'switch', quota: 10_000_000 });
    await setPricing(w.t, { ModelRatio: { 'gpt-4o-mini': 0.075 } });
    await seedChannel(w.t, { base_url: w.up.url, models: ['gpt-4o-mini'] });
  });
  after(() => w.close());

  it('a call made with LogConsumeEnabled / DataExportEnabled off follows them though they are back on before its log is written', async () => {
    const { t } = w;
    const tok = await seedToken(t, { user_id: w.user.id });
    const c = client(w.base, tok.key);
    const rollupCount = async () =>
      Number(
        (
          await t.ctx.dbs.logs.db
            .selectFrom('quota_data')
            .select((eb) => eb.fn.sum<number>('count').as('n'))
            .where('user_id', '=', w.user.id)
            .executeTakeFirst()
        )?.n ?? 0,
      );
    for (const key of ['LogConsumeEnabled', 'DataExportEnabled']) {
      const logsBefore = (await logRows(t, 2)).length;
      const rollupBefore = await rollupCount();
      await t.ctx.options.set(key, 'false');
      await c.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      await t.ctx.options.set(key, 'true'); // before the settlement (which runs after the answer) is written
      await settled(t);
      const logged = (await logRows(t, 2)).length - logsBefore;
      const counted = (await rollupCount()) - rollupBefore;
      if (key === 'LogConsumeEnabled') assert.deepEqual([logged, counted], [0, 1], key);
      else assert.deepEqual([logged, counted], [1, 0], key);
    }
  });
});
