/**
 * The tokenizer thread: counts with js-tiktoken off the main thread, so no prompt can hold the event
 * loop. Messages: `{id, encoding, texts}` in, `{id, tokens}` out; encoders load on first use (~1 s each).
 */
import { parentPort } from 'node:worker_threads';
import { Tiktoken } from 'js-tiktoken/lite';
import { countBounded } from './token-count.ts';

type EncodingName = 'o200k_base' | 'cl100k_base';
const encoders = new Map<EncodingName, Tiktoken>();

async function encoder(name: EncodingName): Promise<Tiktoken> {
  let enc = encoders.get(name);
  if (!enc) {
    const ranks =
      name === 'o200k_base'
        ? (await import('js-tiktoken/ranks/o200k_base')).default
        : (await import('js-tiktoken/ranks/cl100k_base')).default;
    enc = new Tiktoken(ranks);
    encoders.set(name, enc);
  }
  return enc;
}

// One message at a time, in order: the work is CPU-bound, so there is nothing to gain from interleaving.
let queue: Promise<void> = Promise.resolve();
parentPort!.on('message', (m: { id: number; encoding: EncodingName; texts: string[]; rest: number }) => {
  queue = queue.then(async () => {
    try {
      const enc = await encoder(m.encoding);
      const tokens = countBounded((s) => enc.encode(s, 'all').length, m.texts, m.rest);
      parentPort!.postMessage({ id: m.id, tokens });
    } catch (err) {
      parentPort!.postMessage({ id: m.id, error: String((err as Error)?.message ?? err) });
    }
  });
});
parentPort!.postMessage({ ready: true });
