import { performance } from 'node:perf_hooks';
import { LogType, type LogWriter } from '../src/modules/logs/log-types.ts';

/**
 * Runs `work` while a writer adds 100 rows every 100 ms (1,000 rows/s) through the app's log writer, and
 * times each of its flushes: how long a delete (or anything else) makes log writes wait.
 */
export async function whileWriting<T>(
  writer: LogWriter,
  work: () => Promise<T>,
): Promise<{ result: T; secs: number; flushes: number[] }> {
  const flushes: number[] = [];
  let writing = true;
  const loop = (async () => {
    let i = 0;
    while (writing) {
      const tick = performance.now();
      for (let k = 0; k < 100; k++)
        writer.write({ type: LogType.Error, user_id: 1, username: 'root', content: `concurrent ${i++}` });
      const t0 = performance.now();
      await writer.flush();
      flushes.push(performance.now() - t0);
      const left = 100 - (performance.now() - tick);
      if (left > 0) await new Promise((r) => setTimeout(r, left));
    }
  })();
  const t0 = performance.now();
  try {
    const result = await work();
    return { result, secs: (performance.now() - t0) / 1000, flushes };
  } finally {
    writing = false;
    await loop;
  }
}

/** p-th fraction of `xs` (nearest rank). */
export const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;
