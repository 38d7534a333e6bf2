import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { boundedJsonParser } from './json-body.ts';
import { countBodies, relayBodies } from './relay.schema.ts';
import { RelayError } from './token-auth.ts';
import { MAX_AUDIO_BYTES, readUpload } from './upload.ts';

/** Relay requests carry whole conversations (and images as data URLs): 16 MiB instead of 1 MiB. */
const BODY_LIMIT = 16 * 1024 * 1024;

/** What these routes use of the app (named: no route reaches into what it does not list). */
export type RelayRoutesDeps = Pick<AppContext, 'relay'>;

/**
 * The relay: `/v1` (OpenAI chat, completions, embeddings, Responses; Anthropic Messages) and Gemini's
 * `/v1beta/models/…`. Authenticated by the token key before the body is read, not by `config.auth`.
 */
export async function relayRoutes(app: FastifyInstance, ctx: RelayRoutesDeps): Promise<void> {
  const relay = ctx.relay;
  boundedJsonParser(app, BODY_LIMIT);
  // The key is checked before the body is read (CONTRACT §10): a stranger cannot make the server take in
  // 16 MiB, and a refused key is answered without waiting for the upload.
  const opts = {
    bodyLimit: BODY_LIMIT,
    onRequest: async (req: FastifyRequest) => {
      req.relayAuth = await relay.authenticate(req);
    },
  };
  const body = (endpoint: keyof typeof relayBodies) => ({
    ...opts,
    config: { schemas: { body: relayBodies[endpoint] } },
  });
  app.post('/v1/chat/completions', body('chat'), (req, reply) => relay.handle('chat', req, reply));
  app.post('/v1/completions', body('completions'), (req, reply) => relay.handle('completions', req, reply));
  app.post('/v1/embeddings', body('embeddings'), (req, reply) => relay.handle('embeddings', req, reply));
  app.get('/v1/models', opts, (req) => relay.models(req));
  app.post('/v1/images/generations', body('images'), (req, reply) => relay.handle('images', req, reply));
  app.post('/v1/audio/speech', body('speech'), (req, reply) => relay.handle('speech', req, reply));
  app.post('/v1/rerank', body('rerank'), (req, reply) => relay.handle('rerank', req, reply));
  app.post('/v1/moderations', body('moderations'), (req, reply) => relay.handle('moderations', req, reply));
  // audio uploads (multipart): read by the handler, to disk, after the key was checked (relay/upload.ts)
  app.addContentTypeParser('multipart/form-data', (_req, _payload, done) => done(null));
  const audio =
    (endpoint: 'transcriptions' | 'translations') => async (req: FastifyRequest, reply: FastifyReply) => {
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > MAX_AUDIO_BYTES + 1024 * 1024)
        throw new RelayError(
          413,
          `file: larger than ${MAX_AUDIO_BYTES / 1024 / 1024} MB`,
          'request_too_large',
        );
      if (!String(req.headers['content-type'] ?? '').startsWith('multipart/form-data'))
        throw new RelayError(
          400,
          'body: must be multipart/form-data with a "file" field',
          'invalid_request_error',
        );
      const upload = await readUpload(req.raw);
      try {
        req.body = { ...upload.fields, file: upload.file };
        return await relay.handle(endpoint, req, reply);
      } finally {
        await upload.dispose();
      }
    };
  const upload = { ...opts, config: { schemas: { body: relayBodies.transcriptions } } };
  app.post('/v1/audio/transcriptions', upload, audio('transcriptions'));
  app.post('/v1/audio/translations', upload, audio('translations'));
  // Anthropic Messages (Claude Code) and OpenAI Responses (Codex): CONTRACT §7
  app.post('/v1/messages', body('messages'), (req, reply) => relay.handle('messages', req, reply));
  app.post(
    '/v1/messages/count_tokens',
    { ...opts, config: { schemas: { body: countBodies.messages } } },
    (req) => relay.countTokens('messages', req),
  );
  app.post('/v1/responses', body('responses'), (req, reply) => relay.handle('responses', req, reply));
  // Gemini: `/{version}/models/{model}:{action}`; @google/genai calls /v1beta, older tools /v1
  const gemini = async (req: FastifyRequest, reply: FastifyReply) => {
    const target = (req.params as { '*': string })['*'];
    const at = target.lastIndexOf(':');
    // the router has already decoded the path parameter
    const model = at > 0 ? target.slice(0, at).replace(/^models\//, '') : '';
    const action = at > 0 ? target.slice(at + 1) : '';
    if (action === 'countTokens') return relay.countTokens('gemini', req, model);
    if (action !== 'generateContent' && action !== 'streamGenerateContent')
      throw new RelayError(404, `no route for POST ${req.url.split('?')[0]}`, 'not_found');
    const sent = req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? req.body : {};
    req.body = { ...sent, model, stream: action === 'streamGenerateContent' };
    return relay.handle('gemini', req, reply);
  };
  app.post('/v1beta/models/*', body('gemini'), gemini);
  app.post('/v1/models/*', body('gemini'), gemini);
  app.get('/v1beta/models', opts, (req) => relay.models(req, 'gemini'));
}
