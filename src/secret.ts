import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Config, ConfigError } from './config.ts';
import type { OptionsRepo } from './modules/options/options.repo.ts';

/** Where an embedded (SQLite) install keeps its generated secret: beside the database, mode 0600. */
export function secretFilePath(sqlitePath: string): string {
  return join(dirname(sqlitePath), 'tollgate.secret');
}

/** Releases before this one kept a generated secret in the options table; it is moved out at start. */
const LEGACY_OPTION = 'SessionSecret';

/**
 * CONTRACT §10: the secret that signs sessions and encrypts keys is never in the database, so a copy of the
 * database file grants nothing. SESSION_SECRET, else (SQLite) a file generated once beside the database;
 * with an external database and no SESSION_SECRET, start-up refuses. A secret an older release stored in
 * the options table is moved to the file (SQLite) or must be set as SESSION_SECRET (external database).
 */
export async function resolveSecret(
  config: Pick<Config, 'sessionSecret' | 'sqlDsn' | 'sqlitePath'>,
  options: OptionsRepo,
  log: (line: string) => void = () => {},
): Promise<string> {
  const legacy = (await options.all()).get(LEGACY_OPTION);
  if (config.sessionSecret) {
    if (legacy !== undefined) await options.remove(LEGACY_OPTION);
    return config.sessionSecret;
  }
  if (config.sqlDsn !== '') {
    throw new ConfigError(
      legacy === undefined
        ? 'SESSION_SECRET is required with an external SQL_DSN (at least 16 characters, the same on every instance)'
        : `SESSION_SECRET is required with an external SQL_DSN: set it to the value of option "${LEGACY_OPTION}" in the options table (it keeps existing sessions and channel keys), then that row is removed`,
    );
  }
  const file = secretFilePath(config.sqlitePath);
  let secret = readSecretFile(file);
  if (secret === null) {
    secret = legacy ?? randomBytes(32).toString('hex');
    mkdirSync(dirname(file), { recursive: true });
    try {
      writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
      log(
        `${legacy ? 'moved the stored secret to' : 'generated a secret in'} ${file} (keep it with the database)`,
      );
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      secret = readSecretFile(file) ?? secret; // another process wrote it first
    }
  }
  if (legacy !== undefined) await options.remove(LEGACY_OPTION);
  return secret;
}

function readSecretFile(file: string): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if (text.length < 16) throw new ConfigError(`${file} holds no usable secret (at least 16 characters)`);
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return text;
}
