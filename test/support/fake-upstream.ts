/**
 * A fake LLM upstream on 127.0.0.1 (random port) for tests and benchmarks: OpenAI chat completions
 * (stream and not; usage in a final chunk when `stream_options.include_usage`), completions,
 * embeddings, models, and Anthropic `/v1/messages` (stream and not) — all at once, by path.
 *
 *   const up = await startFakeUpstream();            // up.url = 'http://127.0.0.1:PORT'
 *   up.setBehavior({ status: 503 });                  // every call fails with 503 (OpenAI error body)
 *   up.setBehavior({ reset: true });                  // connections are dropped without an answer
 *   up.setBehavior({ omitUsage: true, chunkDelayMs: 20, words: ['a', 'b'] });
 *   up.requests[0].body.model                         // what the gateway sent (record: false to skip)
 *   await up.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeBehavior {
  /** answer every call with this HTTP status and an OpenAI-style error body */
  status?: number;
  /** the error body's message (default "fake upstream failure <status>") */
  errorMessage?: string;
  /** ms before anything is answered (a hung upstream); the wait ends early if the caller leaves */
  hangMs?: number;
  /** drop the connection without answering */
  reset?: boolean;
  /** no usage: neither in non-stream bodies nor as the final stream chunk */
  omitUsage?: boolean;
  /** a stream's response ends cleanly after the words, without its closing events (a cut connection) */
  endEarly?: boolean;
  /** ms between stream chunks (0: written back to back) */
  chunkDelayMs?: number;
  /** the answer, one stream chunk per word (default: "Hello from the fake upstream") */
  words?: string[];
  /** usage reported (default: 12 prompt tokens, one completion token per word) */
  usage?: { prompt_tokens: number; completion_tokens: number };
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
  /** the client went away before the answer was complete (set when it happens) */
  aborted: boolean;
  /** resolves when the exchange is over (answered or aborted) */
  closed: Promise<void>;
}

export interface FakeUpstream {
  url: string;
  requests: RecordedRequest[];
  setBehavior(b: FakeBehavior): void;
  close(): Promise<void>;
}

const DEFAULT_WORDS = ['Hello', ' from', ' the', ' fake', ' upstream'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startFakeUpstream(
  opts: FakeBehavior & { record?: boolean } = {},
): Promise<FakeUpstream> {
  const { record = true, ...initial } = opts;
  let behavior: FakeBehavior = initial;
  const requests: RecordedRequest[] = [];

  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => {
      let body: any = null;
      try {
        body = parts.length ? JSON.parse(Buffer.concat(parts).toString('utf8')) : null;
      } catch {
        body = null;
      }
      let onClose = () => {};
      const closed = new Promise<void>((r) => {
        onClose = r;
      });
      const rec: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        aborted: false,
        closed,
      };
      if (record) requests.push(rec);
      res.on('close', () => {
        if (!res.writableEnded) rec.aborted = true;
        onClose();
      });
      void answer(req, res, body, behavior).catch(() => res.destroy());
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setBehavior(b) {
      behavior = b;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function answer(req: IncomingMessage, res: ServerResponse, body: any, b: FakeBehavior): Promise<void> {
  if (b.hangMs) {
    await Promise.race([sleep(b.hangMs), new Promise((r) => res.once('close', r))]);
    if (res.destroyed) return;
  }
  if (b.reset) {
    req.socket.destroy();
    return;
  }
  if (b.status && b.status >= 400) {
    json(res, b.status, {
      error: {
        message: b.errorMessage ?? `fake upstream failure ${b.status}`,
        type: 'upstream_error',
        code: null,
      },
    });
    return;
  }
  const path = (req.url ?? '').split('?')[0];
  const words = b.words ?? DEFAULT_WORDS;
  const usage = b.usage ?? { prompt_tokens: 12, completion_tokens: words.length };
  const model = body?.model ?? 'fake-model';
  if (req.method === 'GET' && path === '/v1/models') {
    json(res, 200, {
      object: 'list',
      data: [{ id: 'fake-model', object: 'model', created: 0, owned_by: 'fake' }],
    });
    return;
  }
  if (path === '/v1/embeddings') {
    const inputs = Array.isArray(body?.input) ? body.input : [body?.input];
    json(res, 200, {
      object: 'list',
      model,
      data: inputs.map((_: unknown, index: number) => ({
        object: 'embedding',
        index,
        embedding: [0.1, 0.2, 0.3],
      })),
      ...(b.omitUsage
        ? {}
        : { usage: { prompt_tokens: usage.prompt_tokens, total_tokens: usage.prompt_tokens } }),
    });
    return;
  }
  if (path === '/v1/messages') return anthropic(res, body, b, words, usage);
  if (path !== '/v1/chat/completions' && path !== '/v1/completions') {
    json(res, 404, { error: { message: `no route ${path}`, type: 'invalid_request_error', code: null } });
    return;
  }
  const chat = path === '/v1/chat/completions';
  const total = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
  const id = chat ? 'chatcmpl-fake' : 'cmpl-fake';
  const created = Math.floor(Date.now() / 1000);
  if (!body?.stream) {
    const text = words.join('');
    const choice = chat
      ? { index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }
      : { index: 0, text, finish_reason: 'stop' };
    json(res, 200, {
      id,
      object: chat ? 'chat.completion' : 'text_completion',
      created,
      model,
      choices: [choice],
      ...(b.omitUsage ? {} : { usage: total }),
    });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const object = chat ? 'chat.completion.chunk' : 'text_completion';
  const chunk = (choice: object) =>
    `data: ${JSON.stringify({ id, object, created, model, choices: [choice] })}\n\n`;
  for (const w of words) {
    if (res.destroyed) return;
    res.write(
      chunk(
        chat
          ? { index: 0, delta: { content: w }, finish_reason: null }
          : { index: 0, text: w, finish_reason: null },
      ),
    );
    if (b.chunkDelayMs) await sleep(b.chunkDelayMs);
  }
  if (res.destroyed) return;
  if (b.endEarly) {
    res.end();
    return;
  }
  let tail = chunk(
    chat ? { index: 0, delta: {}, finish_reason: 'stop' } : { index: 0, text: '', finish_reason: 'stop' },
  );
  if (body?.stream_options?.include_usage && !b.omitUsage)
    tail += `data: ${JSON.stringify({ id, object, created, model, choices: [], usage: total })}\n\n`;
  res.end(`${tail}data: [DONE]\n\n`);
}

async function anthropic(
  res: ServerResponse,
  body: any,
  b: FakeBehavior,
  words: string[],
  usage: FakeBehavior['usage'] & {},
) {
  const model = body?.model ?? 'claude-fake';
  if (!body?.stream) {
    json(res, 200, {
      id: 'msg_fake',
      type: 'message',
      role: 'assistant',
      model,
      content: [{ type: 'text', text: words.join('') }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: usage.prompt_tokens, output_tokens: b.omitUsage ? 0 : usage.completion_tokens },
    });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const ev = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  res.write(
    ev('message_start', {
      message: {
        id: 'msg_fake',
        type: 'message',
        role: 'assistant',
        content: [],
        model,
        usage: { input_tokens: usage.prompt_tokens, output_tokens: 1 },
      },
    }) + ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  );
  for (const w of words) {
    if (res.destroyed) return;
    res.write(ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: w } }));
    if (b.chunkDelayMs) await sleep(b.chunkDelayMs);
  }
  if (res.destroyed) return;
  if (b.endEarly) {
    res.end();
    return;
  }
  res.end(
    ev('content_block_stop', { index: 0 }) +
      (b.omitUsage
        ? ''
        : ev('message_delta', {
            delta: { stop_reason: 'end_turn', stop_sequence: null },
            usage: { output_tokens: usage.completion_tokens },
          })) +
      ev('message_stop', {}),
  );
}
