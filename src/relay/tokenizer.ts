/**
 * Token counting for estimates (reservations, stream budgets, and billing when an upstream reports no
 * usage) with a real BPE tokenizer: o200k_base for the gpt-4o / gpt-4.1 / gpt-5 / o-series family,
 * cl100k_base otherwise. Rank files ship inside js-tiktoken (nothing is fetched).
 *
 * The counting runs on a worker thread (tokenizer-worker.ts) with bounded work per call (token-count.ts):
 * BPE on one client's text cannot hold the event loop. Message overhead follows OpenAI's cookbook:
 * 3 tokens per message, 1 per name, 3 to prime the reply.
 */
import { Worker } from 'node:worker_threads';
import type { Endpoint } from './providers/types.ts';
import { budgetSlice, estimateTokens } from './token-count.ts';

type EncodingName = 'o200k_base' | 'cl100k_base';

export function encodingFor(model: string): EncodingName {
  return /^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o\d)/.test(model) ? 'o200k_base' : 'cl100k_base';
}

export interface CounterOptions {
  /** an answer slower than this (a long queue) is replaced by the bytes / 4 estimate */
  timeoutMs?: number;
  /** characters queued on the worker beyond which new calls get the estimate at once */
  maxQueuedChars?: number;
}

/**
 * A worker thread on a TypeScript file. Node 20 does not hand the parent's `--import tsx` loader to
 * workers, so the thread registers tsx itself before importing the file.
 */
function startWorker(file: URL): Worker {
  if (!file.pathname.endsWith('.ts')) return new Worker(file);
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => m.register()).then(() => import(${JSON.stringify(file.href)}))`;
  return new Worker(boot, { eval: true });
}

/** prompts up to this many characters are reserved by estimate (see `quick`) */
const QUICK_CHARS = 4096;

interface Waiting {
  resolve: (n: number) => void;
  chars: number;
  fallback: number;
  encoding: EncodingName;
  timer: NodeJS.Timeout;
}

/** One per process: a lazily started worker thread and the calls waiting on it. */
export class TokenCounter {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private queuedChars = 0;
  private readonly loaded = new Set<EncodingName>();
  private readonly warming = new Set<EncodingName>();
  private readonly timeoutMs: number;
  private readonly maxQueuedChars: number;

  constructor(opts: CounterOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 5000;
    // ~8 calls' exact budgets: at most ~4 s of CJK text ahead of anyone (English: ~50 ms)
    this.maxQueuedChars = opts.maxQueuedChars ?? 262_144;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = startWorker(new URL('./tokenizer-worker.ts', import.meta.url));
    w.unref();
    w.on('message', (m: { id?: number; tokens?: number }) => {
      if (m.id === undefined) return;
      const entry = this.waiting.get(m.id);
      if (!entry) return;
      if (typeof m.tokens === 'number') this.loaded.add(entry.encoding);
      this.settle(m.id, entry, typeof m.tokens === 'number' ? m.tokens : entry.fallback);
    });
    const fail = () => {
      // a dead worker answers nobody: every waiting call gets its estimate; the next call starts a new one
      this.worker = null;
      this.loaded.clear();
      for (const [id, entry] of this.waiting) this.settle(id, entry, entry.fallback);
    };
    w.on('error', fail);
    w.on('exit', fail);
    this.worker = w;
    return w;
  }

  private settle(id: number, entry: Waiting, tokens: number): void {
    clearTimeout(entry.timer);
    this.waiting.delete(id);
    this.queuedChars -= entry.chars;
    entry.resolve(tokens);
  }

  /** Tokens of `texts` together, counted on the worker (bounded work; bytes / 4 if it is swamped). */
  count(model: string, texts: readonly string[]): Promise<number> {
    let chars = 0;
    let fallback = 0;
    for (const t of texts) {
      chars += t.length;
      fallback += estimateTokens(t);
    }
    if (chars === 0) return Promise.resolve(0);
    // only what is counted exactly crosses to the thread; the rest is extrapolated from its length
    const sent = budgetSlice(texts);
    chars -= sent.rest;
    if (this.queuedChars + chars > this.maxQueuedChars) return Promise.resolve(fallback);
    const encoding = encodingFor(model);
    const id = this.nextId++;
    const w = this.start();
    this.queuedChars += chars;
    return new Promise<number>((resolve) => {
      const timer = setTimeout(() => {
        const entry = this.waiting.get(id);
        if (entry) this.settle(id, entry, fallback);
      }, this.timeoutMs);
      timer.unref();
      this.waiting.set(id, { resolve, chars, fallback, encoding, timer });
      w.postMessage({ id, encoding, texts: sent.texts, rest: sent.rest });
    });
  }

  /**
   * For the reservation. Prompts up to QUICK_CHARS are estimated at bytes / 4 on the spot: a worker round
   * trip costs ~0.3 ms of latency per call, more than the estimate's error is worth next to the
   * completion the reservation also covers (settlement bills the real usage). Longer prompts get the
   * real count once the model's encoder has answered once; before that (the first calls after a start,
   * while the rank file loads, about a second) the estimate, without waiting.
   */
  quick(model: string, texts: readonly string[]): Promise<number> {
    let chars = 0;
    for (const t of texts) chars += t.length;
    const encoding = encodingFor(model);
    if (chars > QUICK_CHARS && this.loaded.has(encoding)) return this.count(model, texts);
    // the first call of an encoding loads it on the worker, so that streams and settlements do not wait
    if (!this.loaded.has(encoding) && !this.warming.has(encoding)) {
      this.warming.add(encoding);
      void this.count(model, ['warm up']).finally(() => this.warming.delete(encoding));
    }
    return Promise.resolve(texts.reduce((n, t) => n + estimateTokens(t), 0));
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const p of content) if (p && typeof p.text === 'string') out += p.text;
  return out;
}

function inputTexts(input: unknown): string[] {
  if (typeof input === 'string') return [input];
  if (Array.isArray(input)) return input.filter((x): x is string => typeof x === 'string');
  return [];
}

/** The texts of a request body to count, and the fixed per-message overhead in tokens. */
export function promptParts(
  endpoint: Endpoint,
  body: Record<string, any>,
): { texts: string[]; overhead: number } {
  if (endpoint === 'completions') return { texts: inputTexts(body.prompt), overhead: 0 };
  if (endpoint === 'images') return { texts: inputTexts(body.prompt), overhead: 0 };
  if (endpoint === 'moderations') return { texts: inputTexts(body.input), overhead: 0 };
  if (endpoint === 'speech') return { texts: inputTexts(body.input), overhead: 0 };
  if (endpoint === 'rerank') {
    const docs = Array.isArray(body.documents) ? body.documents : [];
    const texts = docs.map((d: unknown) => (typeof d === 'string' ? d : contentText([d])));
    return { texts: [String(body.query ?? ''), ...texts], overhead: 0 };
  }
  if (endpoint === 'embeddings') return { texts: inputTexts(body.input), overhead: 0 };
  const texts: string[] = [];
  let overhead = 3;
  for (const m of (body.messages as any[]) ?? []) {
    overhead += 3;
    texts.push(contentText(m?.content));
    if (typeof m?.name === 'string') {
      overhead += 1;
      texts.push(m.name);
    }
    if (Array.isArray(m?.tool_calls)) texts.push(JSON.stringify(m.tool_calls));
  }
  return { texts, overhead };
}

/**
 * Prompt tokens of a request body, estimated the way OpenAI counts them; `quick` for the reservation
 * (short prompts by estimate, no wait for an encoder that is still loading: see TokenCounter.quick).
 */
export async function countPrompt(
  counter: TokenCounter,
  endpoint: Endpoint,
  body: Record<string, any>,
  model: string,
  quick = false,
): Promise<number> {
  const { texts, overhead } = promptParts(endpoint, body);
  return overhead + (await (quick ? counter.quick(model, texts) : counter.count(model, texts)));
}
