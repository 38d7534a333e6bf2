import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { AppError } from './errors.ts';

/** OpenAI's error `type` for a status, for /v1 answers. */
export function openAiErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** Anthropic's error `type` for a status. */
function anthropicErrorType(status: number): string {
  if (status === 413) return 'request_too_large';
  if (status === 529 || status === 503) return 'overloaded_error';
  if (status >= 500) return 'api_error';
  return openAiErrorType(status);
}

/** Google's canonical status name for an HTTP status. */
function googleStatus(status: number): string {
  const names: Record<number, string> = {
    400: 'INVALID_ARGUMENT',
    401: 'UNAUTHENTICATED',
    403: 'PERMISSION_DENIED',
    404: 'NOT_FOUND',
    413: 'INVALID_ARGUMENT',
    429: 'RESOURCE_EXHAUSTED',
    499: 'CANCELLED',
    503: 'UNAVAILABLE',
    504: 'DEADLINE_EXCEEDED',
  };
  return names[status] ?? (status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION');
}

/** Which error shape a request's client reads (CONTRACT §7: each format's own), or null for /api. */
export function errorFormat(url: string): 'openai' | 'anthropic' | 'gemini' | null {
  if (url.startsWith('/v1/messages')) return 'anthropic';
  if (url.startsWith('/v1beta/') || url === '/v1beta') return 'gemini';
  if (url.startsWith('/v1/models/') && url.includes(':')) return 'gemini';
  if (url.startsWith('/v1/') || url === '/v1') return 'openai';
  return null;
}

function send(request: FastifyRequest, reply: FastifyReply, status: number, message: string, code?: string) {
  switch (errorFormat(request.url)) {
    case 'openai':
      return reply
        .status(status)
        .send({ error: { message, type: openAiErrorType(status), code: code ?? null } });
    case 'anthropic':
      return reply
        .status(status)
        .send({ type: 'error', error: { type: anthropicErrorType(status), message } });
    case 'gemini':
      return reply.status(status).send({ error: { code: status, message, status: googleStatus(status) } });
    default:
      return reply.status(status).send({ success: false, message });
  }
}

/**
 * One server log line per outage, not one per request (a stopped database gave 4,544 lines in 30 s):
 * the first failure after 30 quiet seconds is logged, with how many were answered 503 since the last line.
 */
class OutageLog {
  private lastAt = 0;
  private quiet = 0;

  note(log: FastifyRequest['log'], err: unknown): void {
    const now = Date.now();
    if (now - this.lastAt < 30_000) {
      this.quiet += 1;
      return;
    }
    log.error({ err, answered503: this.quiet }, 'database unavailable: answering 503 until it is back');
    this.lastAt = now;
    this.quiet = 0;
  }
}

/** The one place errors become responses: /api envelope or /v1 OpenAI shape, a real status, no internals. */
export function installErrorHandler(app: FastifyInstance): void {
  const outage = new OutageLog();
  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    if (err instanceof AppError) return send(request, reply, err.status, err.message, (err as any).code);
    if (isDatabaseUnavailable(err)) {
      outage.note(request.log, err);
      return send(request, reply, 503, 'database unavailable', 'database_unavailable');
    }
    const status = (err as FastifyError).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      // Fastify's own client errors (bad JSON, body too large, wrong content type): their text is safe.
      const message =
        (err as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? 'body: request body is too large'
          : `body: ${err.message}`;
      return send(request, reply, status, message, (err as FastifyError).code);
    }
    request.log.error({ err }, 'unhandled error');
    return send(request, reply, 500, 'internal server error');
  });

  app.setNotFoundHandler((request, reply) =>
    send(request, reply, 404, `no route for ${request.method} ${request.url.split('?')[0]}`),
  );
}
