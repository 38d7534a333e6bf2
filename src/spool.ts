import { appendFile, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * A local file of JSON lines for what a database could not take at shutdown (log rows, settlements;
 * SPEC §12), written back at the next start.
 */

/** Appends one JSON line per item (mode 0600: rows may carry IPs and user names). */
export async function appendSpool(path: string, items: readonly unknown[]): Promise<void> {
  if (items.length === 0) return;
  await mkdir(dirname(path), { recursive: true });
  await appendFile(path, items.map((x) => `${JSON.stringify(x)}\n`).join(''), { mode: 0o600 });
}

/**
 * Takes the spooled items for replay: the file is renamed first, so a crash during the replay leaves
 * it to be replayed again, never lost; call `done()` once the items are stored to remove it. Null when
 * there is nothing to replay.
 */
export async function takeSpool<T>(path: string): Promise<{ items: T[]; done: () => Promise<void> } | null> {
  const replaying = `${path}.replaying`;
  try {
    await rename(path, replaying);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  let text: string;
  try {
    text = await readFile(replaying, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const items = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
  return { items, done: () => rm(replaying, { force: true }) };
}
