import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';

/** The production build of the console (`npm run build:web`). */
export const WEB_DIST = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Tollgate</title>
<p>The web console is not built yet: run <code>npm run build:web</code> and restart (the API works meanwhile).</p>`;

/** Paths the console never owns: unknown ones there keep their JSON 404 (envelope or OpenAI shape). */
function isServerPath(url: string): boolean {
  return /^\/(api|v1|v1beta)(\/|\?|$)/.test(url);
}

/**
 * Serves web/dist at `/`: hashed assets cached for a year, index.html never cached, and any other GET that
 * is not under /api or /v1 and matches no file answers index.html (client-side routes).
 */
export function webRoutesFrom(dir: string) {
  return async (app: FastifyInstance, _ctx: AppContext): Promise<void> => {
    if (!existsSync(`${dir}/index.html`)) {
      app.get('/*', async (request, reply) => {
        if (isServerPath(request.url)) return reply.callNotFound();
        return reply.type('text/html; charset=utf-8').send(NOT_BUILT);
      });
      return;
    }
    await app.register(fastifyStatic, {
      root: dir,
      wildcard: false,
      index: false,
      cacheControl: false,
      setHeaders: (res, path) => {
        const immutable = /[\\/]assets[\\/]/.test(path);
        res.header('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    const index = (reply: FastifyReply) => reply.header('Cache-Control', 'no-cache').sendFile('index.html');
    app.get('/', async (_request, reply) => index(reply));
    app.get('/*', async (request: FastifyRequest, reply) => {
      const path = request.url.split('?')[0]!;
      // A missing hashed asset is a real 404, not the app shell (a stale tab after a deploy).
      if (isServerPath(request.url) || path.startsWith('/assets/')) return reply.callNotFound();
      return index(reply);
    });
  };
}
