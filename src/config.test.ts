import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

test('defaults: port 3000, embedded SQLite at ./data/tollgate.db', () => {
  const c = loadConfig({});
  assert.equal(c.port, 3000);
  assert.equal(c.sqlDsn, '');
  assert.equal(c.sqlitePath, './data/tollgate.db');
  assert.equal(c.initialRoot, null);
});

test('a bad value stops start-up with one line naming the variable', () => {
  for (const [env, name] of [
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ SQL_DSN: 'oracle://x' }, 'SQL_DSN'],
    [{ REDIS_CONN_STRING: 'localhost:6379' }, 'REDIS_CONN_STRING'],
    [{ SESSION_SECRET: 'short' }, 'SESSION_SECRET'],
    [{ TRUST_PROXY: 'everything' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY'],
    [{ INITIAL_ROOT_USERNAME: 'root' }, 'INITIAL_ROOT_PASSWORD'],
    [{ INITIAL_ROOT_USERNAME: 'root', INITIAL_ROOT_PASSWORD: 'short' }, 'INITIAL_ROOT_PASSWORD'],
  ] as const) {
    assert.throws(
      () => loadConfig(env as Record<string, string>),
      (err: unknown) =>
        err instanceof ConfigError && err.message.includes(name) && !err.message.includes('\n'),
      JSON.stringify(env),
    );
  }
});

test('postgres and mysql DSNs are accepted', () => {
  assert.equal(loadConfig({ SQL_DSN: 'postgres://u@h/db' }).sqlDsn, 'postgres://u@h/db');
  assert.equal(loadConfig({ LOG_SQL_DSN: 'mysql://root@h/db' }).logSqlDsn, 'mysql://root@h/db');
});

test('TRUST_PROXY is a hop count or a list of proxies, never "trust everything" (CONTRACT §10)', () => {
  const tp = (v: string) => loadConfig({ TRUST_PROXY: v }).trustProxy;
  assert.equal(tp(''), false);
  assert.equal(tp('false'), false);
  assert.equal(tp('true'), 1, 'the old boolean means one proxy in front');
  assert.equal(tp('2'), 2);
  assert.deepEqual(tp('127.0.0.1, 10.0.0.0/8,::1'), ['127.0.0.1', '10.0.0.0/8', '::1']);
});
