import { type ZodType, z } from 'zod';
import type { AuthLevel } from './auth.ts';

/** A registered route as the document describes it (collected by app.ts's onRoute hook). */
export interface RouteDoc {
  method: string;
  url: string;
  /** `token`: the `/v1` relay, authenticated by an `sk-` key */
  auth: AuthLevel | 'token';
  schemas?: { query?: ZodType; body?: ZodType; params?: ZodType };
}

type Json = Record<string, unknown>;

/** The JSON Schema of what a client sends (zod 4's own converter: the input side of transforms). */
function jsonSchema(schema: ZodType): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  }) as Json;
  return rest;
}

const SECURITY: Record<RouteDoc['auth'], Json[]> = {
  public: [],
  optional: [{}, { session: [], newApiUser: [] }, { accessToken: [], newApiUser: [] }],
  user: [
    { session: [], newApiUser: [] },
    { accessToken: [], newApiUser: [] },
  ],
  admin: [
    { session: [], newApiUser: [] },
    { accessToken: [], newApiUser: [] },
  ],
  root: [
    { session: [], newApiUser: [] },
    { accessToken: [], newApiUser: [] },
  ],
  token: [{ apiKey: [] }],
};

const ERRORS = {
  '400': 'bad input: the message names the field',
  '401': 'not authenticated',
  '403': 'authenticated but not allowed',
  '404': 'no such resource',
  '429': 'rate limited',
  '503': 'a database is unavailable',
};

function operation(r: RouteDoc): Json {
  const parameters: Json[] = [];
  for (const name of r.url.match(/:(\w+)/g) ?? [])
    parameters.push({
      name: name.slice(1),
      in: 'path',
      required: true,
      schema: { type: 'string', pattern: '^\\d+$' },
    });
  if (r.schemas?.query) {
    const q = jsonSchema(r.schemas.query);
    const required = new Set((q.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((q.properties as Record<string, Json>) ?? {}))
      parameters.push({ name, in: 'query', required: required.has(name), schema });
  }
  const relay = r.auth === 'token';
  const envelope = relay ? '#/components/schemas/OpenAIError' : '#/components/schemas/Failure';
  const op: Json = {
    operationId: `${r.method.toLowerCase()}${r.url.replace(/[^A-Za-z0-9]+(\w)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    tags: [relay ? 'relay (/v1)' : (r.url.split('/')[2] ?? 'api')],
    'x-auth-level': r.auth,
    security: SECURITY[r.auth],
    parameters,
    responses: {
      '200': {
        description: relay
          ? 'the OpenAI-shaped answer (a JSON body, or server-sent events when `stream` is true)'
          : 'success',
        content: {
          'application/json': {
            schema: { $ref: relay ? '#/components/schemas/Any' : '#/components/schemas/Success' },
          },
        },
      },
      ...Object.fromEntries(
        Object.entries(ERRORS).map(([code, description]) => [
          code,
          { description, content: { 'application/json': { schema: { $ref: envelope } } } },
        ]),
      ),
    },
  };
  if (r.schemas?.body)
    op.requestBody = {
      required: true,
      content: { 'application/json': { schema: jsonSchema(r.schemas.body) } },
    };
  return op;
}

/**
 * The OpenAPI 3.1 document of every `/api` and `/v1` route (CONTRACT §11), generated from the zod schemas
 * each handler parses its input with (`config.schemas`), the declared auth level, and the one envelope.
 */
export function openApiDocument(routes: RouteDoc[], version: string): Json {
  const paths: Record<string, Json> = {};
  for (const r of [...routes].sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0))) {
    const path = r.url.replace(/:(\w+)/g, '{$1}');
    paths[path] ??= {};
    paths[path][r.method.toLowerCase()] = operation(r);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tollgate',
      version,
      description:
        'A self-hosted LLM API gateway compatible with New API. `/api` answers `{success, message, data}` with real HTTP statuses; `/v1` speaks the OpenAI wire format.',
    },
    paths,
    components: {
      securitySchemes: {
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'session',
          description: 'set by POST /api/user/login',
        },
        accessToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'an access token from GET /api/user/token',
        },
        newApiUser: {
          type: 'apiKey',
          in: 'header',
          name: 'New-Api-User',
          description: 'the caller’s user id',
        },
        apiKey: { type: 'http', scheme: 'bearer', description: 'a token key, `sk-…`' },
      },
      schemas: {
        Success: {
          type: 'object',
          required: ['success', 'message'],
          properties: { success: { const: true }, message: { type: 'string' }, data: {} },
        },
        Failure: {
          type: 'object',
          required: ['success', 'message'],
          properties: { success: { const: false }, message: { type: 'string' } },
        },
        OpenAIError: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              properties: { message: { type: 'string' }, type: { type: 'string' }, code: {} },
            },
          },
        },
        Any: {},
      },
    },
  };
}
