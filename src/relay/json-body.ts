import type { FastifyInstance } from 'fastify';
import { RelayError } from './token-auth.ts';

/**
 * JSON containers (objects and arrays) a relay body may hold. JSON.parse and validation cost grows with
 * them, not with bytes: 16 MB of `{"type":"text"}` held the event loop ~300 ms, while 16 MB of one base64
 * image costs a few ms. 100,000 leaves room for long agent sessions (thousands of messages and blocks).
 */
export const MAX_JSON_CONTAINERS = 100_000;

/** Counts `{` and `[` bytes (inside strings too: an overcount) with native searches, stopping past `max`. */
export function countContainers(body: Buffer, max: number): number {
  let n = 0;
  for (const byte of [0x7b, 0x5b]) {
    for (let at = body.indexOf(byte); at !== -1 && n <= max; at = body.indexOf(byte, at + 1)) n += 1;
  }
  return n;
}

/**
 * The relay scope's JSON parser: Fastify's own (prototype-poisoning checks included), behind a bound on
 * the number of containers, so that no single request's parse can hold the event loop (CONTRACT §10).
 */
export function boundedJsonParser(app: FastifyInstance, bodyLimit: number): void {
  const parse = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (req, body, done) => {
    const buf = body as Buffer;
    if (countContainers(buf, MAX_JSON_CONTAINERS) > MAX_JSON_CONTAINERS) {
      done(
        new RelayError(
          413,
          `the request body holds more than ${MAX_JSON_CONTAINERS} JSON objects and arrays`,
          'request_too_complex',
        ),
        undefined,
      );
      return;
    }
    parse(req, buf.toString('utf8'), done);
  });
}
