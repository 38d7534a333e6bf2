import { appendFile, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * A local file of JSON lines for what a database could not take at shutdown (log rows, settlements;
 * CONTRACT §12), written back at the next start.
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
export async function takeSpool<T>(
  path: string,
): Promise<{ items: T[]; skipped: number; done: () => Promise<void> } | null> {
  const replaying = `${path}.replaying`;
  const fresh = await readOrNull(path);
  if (fresh !== null) {
    // a replay that did not finish left `.replaying`: add to it rather than overwrite it
    if ((await readOrNull(replaying)) === null) await rename(path, replaying);
    else {
      await appendFile(replaying, `\n${fresh}`, { mode: 0o600 }); // after a possibly cut last line
      await rm(path, { force: true });
    }
  }
  const text = await readOrNull(replaying);
  if (text === null) return null;
  const items: T[] = [];
  let skipped = 0; // a line cut short by a crash while it was appended
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      items.push(JSON.parse(line) as T);
    } catch {
      skipped += 1;
    }
  }
  return { items, skipped, done: () => rm(replaying, { force: true }) };
}

async function readOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
