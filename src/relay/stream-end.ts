/**
 * How Tollgate itself ends a stream early, in the client's own format: cut for quota (CONTRACT §10: a
 * "length" finish), cancelled by shutdown, or broken upstream (an error event).
 */
import type { SseOut } from './providers/types.ts';
import type { RelayContext } from './relay-context.ts';

export type StreamEnding = 'cut' | 'shutdown' | 'broken';

const MESSAGE: Record<Exclude<StreamEnding, 'cut'>, string> = {
  shutdown: 'the server is shutting down',
  broken: 'upstream stream interrupted',
};

function openAiEnding(rc: RelayContext, kind: StreamEnding): SseOut[] {
  if (kind === 'cut') {
    const choice =
      rc.endpoint === 'completions'
        ? { index: 0, text: '', finish_reason: 'length' }
        : { index: 0, delta: {}, finish_reason: 'length' };
    const chunk = {
      id: `chatcmpl-${rc.requestId}`,
      object: rc.endpoint === 'completions' ? 'text_completion' : 'chat.completion.chunk',
      created: Math.floor(Date.now() / 1000),
      model: rc.model,
      choices: [choice],
    };
    return [JSON.stringify(chunk), '[DONE]'];
  }
  const code = kind === 'shutdown' ? 'shutting_down' : 'upstream_error';
  return [JSON.stringify({ error: { message: MESSAGE[kind], type: 'server_error', code } }), '[DONE]'];
}

const named = (type: string, data: object): SseOut => ({
  event: type,
  data: JSON.stringify({ type, ...data }),
});

/**
 * `cut` is asked here only for OpenAI-shaped streams: every transformer of another format ends a cut stream
 * itself, from its own state (`StreamTransformer.cut`).
 */
export function streamEnding(rc: RelayContext, kind: StreamEnding): SseOut[] {
  if (kind === 'cut') return openAiEnding(rc, kind);
  switch (rc.endpoint) {
    case 'messages':
      return [
        named('error', {
          error: { type: kind === 'shutdown' ? 'overloaded_error' : 'api_error', message: MESSAGE[kind] },
        }),
      ];
    case 'responses':
      return [
        named('error', {
          code: kind === 'shutdown' ? 'shutting_down' : 'upstream_error',
          message: MESSAGE[kind],
          param: null,
        }),
      ];
    case 'gemini':
      return [JSON.stringify({ error: { code: 503, message: MESSAGE[kind], status: 'UNAVAILABLE' } })];
    default:
      return openAiEnding(rc, kind);
  }
}
