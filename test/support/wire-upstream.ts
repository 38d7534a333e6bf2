/**
 * Strict fake upstreams of the three wire formats (issue 15), on 127.0.0.1: OpenAI (chat completions and
 * Responses), Anthropic Messages and Gemini generateContent, told apart by path. Each checks what the real
 * provider requires (auth header, required fields, role order, tool results that answer a call) and
 * answers with recorded fixtures of the real format (`test/fixtures/wire/`): a tool call when the
 * request offers tools and carries no tool result yet, else text. A request the real provider
 * would refuse gets its 400/401 in that provider's error shape, so a conversion bug fails the test.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const KEYS = {
  openai: 'sk-upstream-openai',
  anthropic: 'sk-ant-upstream',
  gemini: 'AIza-upstream',
  azure: 'azure-upstream-key',
};

/** The bytes the fake speech endpoint answers (an MP3 frame header, then padding). */
export const AUDIO = Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x64]), Buffer.alloc(64 * 1024, 7)]);

const dir = new URL('../fixtures/wire/', import.meta.url);
export const fixture = (name: string): string => readFileSync(new URL(name, dir), 'utf8');
export const fixtureJson = (name: string): any => JSON.parse(fixture(name));

export interface WireRequest {
  path: string;
  query: string;
  headers: IncomingMessage['headers'];
  body: any;
  /** why the request was refused, when it was */
  refused?: string;
}

export interface WireUpstream {
  url: string;
  requests: WireRequest[];
  /** streams end cleanly before their closing events (finish reason, message_delta/stop, [DONE], …) */
  endStreamsEarly: boolean;
  close(): Promise<void>;
}

/** The events that close a stream in each format: an early end leaves them (and all after them) out. */
const CLOSING =
  /"finish_reason":"|"finishReason"|event: message_delta|event: message_stop|event: response\.completed|\[DONE\]/;

/** A stream fixture cut before its first closing event. */
function withoutEnding(text: string): string {
  // events and their blank-line separators, kept as they are (Gemini's fixtures end lines with CRLF)
  const parts = text.split(/(\r?\n\r?\n)/);
  const at = parts.findIndex((p, i) => i % 2 === 0 && CLOSING.test(p));
  return at < 0 ? text : parts.slice(0, at).join('');
}

class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function check(cond: unknown, message: string, status = 400): asserts cond {
  if (!cond) throw new Refused(status, message);
}

// ---- OpenAI chat ----
function checkChat(b: any): boolean {
  check(Array.isArray(b?.messages) && b.messages.length > 0, 'messages: required');
  check(typeof b.model === 'string' && b.model, 'model: required');
  const open = new Set<string>();
  for (const [i, m] of b.messages.entries()) {
    check(
      ['system', 'developer', 'user', 'assistant', 'tool'].includes(m?.role),
      `messages[${i}].role invalid`,
    );
    if (m.role === 'assistant' && Array.isArray(m.tool_calls))
      for (const c of m.tool_calls) {
        check(
          c?.type === 'function' && typeof c.id === 'string' && c.id,
          `messages[${i}].tool_calls: id and type`,
        );
        check(
          typeof c.function?.arguments === 'string',
          `messages[${i}].tool_calls: arguments must be a string`,
        );
        open.add(c.id);
      }
    if (m.role === 'tool') {
      // OpenAI: "messages with role 'tool' must be a response to a preceding message with 'tool_calls'"
      check(
        open.has(m.tool_call_id),
        `messages[${i}]: tool message answers no tool call (${m.tool_call_id})`,
      );
      check(typeof m.content === 'string' || Array.isArray(m.content), `messages[${i}].content`);
    }
  }
  for (const t of b.tools ?? [])
    check(t?.type === 'function' && t.function?.name, 'tools: {type:"function", function:{name}}');
  if (b.stream)
    check(
      b.stream_options?.include_usage === true,
      'stream_options.include_usage: the relay must ask for usage',
    );
  return Array.isArray(b.tools) && b.tools.length > 0 && !b.messages.some((m: any) => m.role === 'tool');
}

// ---- OpenAI Responses ----
function checkResponses(b: any): boolean {
  check(typeof b?.model === 'string' && b.model, 'model: required');
  check(typeof b.input === 'string' || Array.isArray(b.input), 'input: required');
  for (const t of b.tools ?? [])
    check(
      t?.type !== 'function' || typeof t.name === 'string',
      'tools: function tools are flat ({type, name, parameters})',
    );
  const items = Array.isArray(b.input) ? b.input : [];
  return (
    Array.isArray(b.tools) &&
    b.tools.length > 0 &&
    !items.some((i: any) => i?.type === 'function_call_output')
  );
}

// ---- Anthropic ----
function checkMessages(b: any, h: IncomingMessage['headers']): boolean {
  check(typeof h['anthropic-version'] === 'string', 'anthropic-version header: required');
  check(typeof b?.model === 'string' && b.model, 'model: Field required');
  check(Number.isInteger(b.max_tokens) && b.max_tokens > 0, 'max_tokens: Field required');
  check(Array.isArray(b.messages) && b.messages.length > 0, 'messages: Field required');
  check(b.messages[0].role === 'user', 'messages: first message must use the "user" role');
  let prevTools = new Set<string>();
  for (const [i, m] of b.messages.entries()) {
    check(
      m.role === 'user' || m.role === 'assistant',
      `messages.${i}.role: Input should be 'user' or 'assistant'`,
    );
    if (i > 0)
      check(
        m.role !== b.messages[i - 1].role,
        'messages: roles must alternate between "user" and "assistant"',
      );
    const blocks = typeof m.content === 'string' ? [] : m.content;
    check(typeof m.content === 'string' || Array.isArray(m.content), `messages.${i}.content`);
    const uses = new Set<string>();
    for (const x of blocks) {
      check(typeof x?.type === 'string', `messages.${i}.content: block type`);
      if (x.type === 'tool_use') {
        check(
          m.role === 'assistant' && x.id && x.name && typeof x.input === 'object',
          `messages.${i}: tool_use`,
        );
        uses.add(x.id);
      }
      if (x.type === 'tool_result')
        check(
          prevTools.has(x.tool_use_id),
          `messages.${i}: tool_result id ${x.tool_use_id} answers no tool_use of the previous message`,
        );
      if (x.type === 'image')
        check(x.source?.type === 'base64' || x.source?.type === 'url', `messages.${i}: image source`);
    }
    prevTools = uses;
  }
  for (const t of b.tools ?? [])
    check(t?.name && t.input_schema?.type === 'object', 'tools: name and input_schema required');
  const answersTool = b.messages.some(
    (m: any) => Array.isArray(m.content) && m.content.some((x: any) => x.type === 'tool_result'),
  );
  return Array.isArray(b.tools) && b.tools.length > 0 && !answersTool;
}

// ---- Gemini ----
const GEMINI_FIELDS = new Set([
  'contents',
  'systemInstruction',
  'tools',
  'toolConfig',
  'generationConfig',
  'safetySettings',
  'cachedContent',
  'labels',
]);

function checkGemini(b: any): boolean {
  for (const k of Object.keys(b ?? {}))
    check(GEMINI_FIELDS.has(k), `Invalid JSON payload received. Unknown name "${k}": Cannot find field.`);
  check(Array.isArray(b?.contents) && b.contents.length > 0, 'contents is not specified');
  const calls: string[] = [];
  for (const [i, c] of b.contents.entries()) {
    check(
      c.role === 'user' || c.role === 'model',
      `contents[${i}].role: Please use a valid role: user, model.`,
    );
    check(Array.isArray(c.parts) && c.parts.length > 0, `contents[${i}].parts: must not be empty`);
    for (const p of c.parts) {
      if (p.functionCall) calls.push(p.functionCall.name);
      if (p.functionResponse)
        check(
          calls.includes(p.functionResponse.name) && typeof p.functionResponse.response === 'object',
          `contents[${i}]: functionResponse names no earlier functionCall`,
        );
    }
  }
  const answersTool = b.contents.some((c: any) => c.parts.some((p: any) => p.functionResponse));
  return Array.isArray(b.tools) && b.tools.length > 0 && !answersTool;
}

/** The OpenAI-format endpoints (also Azure's, under its deployment path). */
function openAiEndpoint(res: ServerResponse, path: string, body: any, state: { endStreamsEarly: boolean }) {
  if (path === '/v1/audio/transcriptions' || path === '/v1/audio/translations') {
    check(body?.multipart && !body.broken, 'the body must be multipart/form-data');
    check(typeof body.model === 'string' && body.model, 'model: required');
    check(body.file && body.file.size > 0, 'file: required');
    const format = body.response_format ?? 'json';
    const text = 'The quick brown fox jumps over the lazy dog.';
    if (format === 'text') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      return void res.end(`${text}\n`);
    }
    const answer =
      format === 'verbose_json'
        ? { task: 'transcribe', language: 'english', duration: 8.47, text, segments: [] }
        : body.model.startsWith('gpt-4o')
          ? {
              text,
              usage: {
                type: 'tokens',
                input_tokens: 14,
                input_token_details: { text_tokens: 0, audio_tokens: 14 },
                output_tokens: 45,
                total_tokens: 59,
              },
            }
          : { text };
    res.writeHead(200, { 'content-type': 'application/json' });
    return void res.end(JSON.stringify(answer));
  }
  if (path === '/v1/chat/completions') {
    const tool = checkChat(body);
    return send(
      res,
      tool ? 'openai-chat-tool' : 'openai-chat-text',
      body.stream === true,
      state.endStreamsEarly,
    );
  }
  if (path === '/v1/embeddings') {
    check(typeof body?.input === 'string' || Array.isArray(body?.input), 'input: required');
    return send(res, 'openai-embeddings', false);
  }
  if (path === '/v1/images/generations') {
    check(typeof body?.prompt === 'string' && body.prompt, 'prompt: required');
    check(body.stream_options === undefined, 'images take no stream_options');
    const one = fixtureJson(
      body.response_format === 'b64_json' ? 'openai-images-b64.json' : 'openai-images-url.json',
    );
    const n = body.n ?? 1;
    const text = JSON.stringify({ ...one, data: Array.from({ length: n }, () => one.data[0]) });
    res.writeHead(200, { 'content-type': 'application/json' });
    return void res.end(text);
  }
  if (path === '/v1/audio/speech') {
    check(typeof body?.input === 'string' && body.input && body.voice, 'input and voice: required');
    res.writeHead(200, { 'content-type': 'audio/mpeg' });
    res.write(AUDIO.subarray(0, 1000));
    return void setTimeout(() => res.end(AUDIO.subarray(1000)), 5);
  }
  if (path === '/v1/rerank') {
    check(typeof body?.query === 'string' && Array.isArray(body.documents), 'query and documents: required');
    return send(res, 'jina-rerank', false);
  }
  if (path === '/v1/moderations') {
    check(body?.input !== undefined, 'input: required');
    return send(res, 'openai-moderations', false);
  }
  check(false, `unknown path ${path}`, 404);
}

function refuse(
  res: ServerResponse,
  kind: 'openai' | 'anthropic' | 'gemini',
  status: number,
  message: string,
) {
  const body =
    kind === 'anthropic'
      ? {
          type: 'error',
          error: { type: status === 401 ? 'authentication_error' : 'invalid_request_error', message },
        }
      : kind === 'gemini'
        ? {
            error: { code: status, message, status: status === 401 ? 'UNAUTHENTICATED' : 'INVALID_ARGUMENT' },
          }
        : { error: { message, type: 'invalid_request_error', param: null, code: null } };
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function send(res: ServerResponse, name: string, stream: boolean, early = false): void {
  if (stream) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    // in pieces, as a network delivers it: events split across reads
    const text = early ? withoutEnding(fixture(`${name}.sse`)) : fixture(`${name}.sse`);
    const cut = Math.floor(text.length / 3);
    res.write(text.slice(0, cut));
    setTimeout(() => {
      res.write(text.slice(cut, cut * 2));
      setTimeout(() => res.end(text.slice(cut * 2)), 2);
    }, 2);
  } else {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(fixture(`${name}.json`));
  }
}

export async function startWireUpstream(): Promise<WireUpstream> {
  const requests: WireRequest[] = [];
  const state = { endStreamsEarly: false };
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', async () => {
      const [path, query = ''] = (req.url ?? '').split('?');
      let body: any = null;
      const type = String(req.headers['content-type'] ?? '');
      if (type.startsWith('multipart/form-data')) {
        // an upload, read as the real API reads it: fields and the file, by the boundary the client set
        try {
          const form = await new Response(Buffer.concat(parts), {
            headers: { 'content-type': type },
          }).formData();
          body = { multipart: true };
          for (const [k, v] of form.entries())
            body[k] =
              typeof v === 'string'
                ? v
                : { name: v.name, size: v.size, bytes: Buffer.from(await v.arrayBuffer()) };
        } catch {
          body = { multipart: true, broken: true };
        }
      } else
        try {
          body = JSON.parse(Buffer.concat(parts).toString('utf8'));
        } catch {}
      const rec: WireRequest = { path, query, headers: req.headers, body };
      requests.push(rec);
      const kind = path === '/v1/messages' ? 'anthropic' : path.includes(':') ? 'gemini' : 'openai';
      try {
        if (path.startsWith('/openai/deployments/')) {
          // Azure OpenAI: deployment in the path, api-version in the query, api-key header, no Bearer
          check(req.headers['api-key'] === KEYS.azure, 'Access denied due to invalid subscription key.', 401);
          check(req.headers.authorization === undefined, 'Azure takes api-key, not Authorization');
          check(/(^|&)api-version=[\w.-]+/.test(query), 'api-version query parameter: required', 404);
          const m = /^\/openai\/deployments\/([^/]+)\/(.+)$/.exec(path);
          check(m && !m[1].includes('.'), `deployment name ${m?.[1]}: no dots`, 404);
          return openAiEndpoint(res, `/v1/${m[2]}`, body, state);
        }
        if (kind === 'anthropic') {
          check(req.headers['x-api-key'] === KEYS.anthropic, 'invalid x-api-key', 401);
          const tool = checkMessages(body, req.headers);
          return send(
            res,
            tool ? 'anthropic-tool' : 'anthropic-text',
            body.stream === true,
            state.endStreamsEarly,
          );
        }
        if (kind === 'gemini') {
          check(
            req.headers['x-goog-api-key'] === KEYS.gemini,
            'API key not valid. Please pass a valid API key.',
            401,
          );
          const m = /^\/v1beta\/models\/([^:/]+):(generateContent|streamGenerateContent)$/.exec(path);
          check(m, `unknown path ${path}`, 404);
          const stream = m[2] === 'streamGenerateContent';
          if (stream) check(query.includes('alt=sse'), 'the relay must ask for alt=sse');
          const tool = checkGemini(body);
          return send(res, tool ? 'gemini-tool' : 'gemini-text', stream, state.endStreamsEarly);
        }
        check(req.headers.authorization === `Bearer ${KEYS.openai}`, 'Incorrect API key provided', 401);
        if (path === '/v1/responses') {
          const tool = checkResponses(body);
          return send(
            res,
            tool ? 'openai-responses-tool' : 'openai-responses-text',
            body.stream === true,
            state.endStreamsEarly,
          );
        }
        return openAiEndpoint(res, path, body, state);
      } catch (err) {
        if (!(err instanceof Refused)) throw err;
        rec.refused = err.message;
        refuse(res, kind, err.status, err.message);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get endStreamsEarly() {
      return state.endStreamsEarly;
    },
    set endStreamsEarly(v: boolean) {
      state.endStreamsEarly = v;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
