import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { boundedJsonParser } from './json-body.ts';
import { relayBodies } from './relay.schema.ts';

/** Relay requests carry whole conversations (and images as data URLs): 16 MiB instead of 1 MiB. */
const BODY_LIMIT = 16 * 1024 * 1024;

/** What these routes use of the app (named: no route reaches into what it does not list). */
export type RelayRoutesDeps = Pick<AppContext, 'relay'>;

/** `/v1` (OpenAI wire format). Authenticated by the token key in the pipeline, not by `config.auth`. */
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
  app.get('/v1/models', (req) => relay.models(req));
}
