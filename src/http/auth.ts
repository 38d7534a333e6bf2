import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ZodType } from 'zod';
import type { User } from '../db/schema.ts';
import { hashAccessToken } from './access-token.ts';
import { forbidden, unauthorized } from './errors.ts';

/** Where the authenticator finds users (the users module provides it): http depends on no module. */
export interface AuthUserSource {
  findAuthById(id: number): Promise<User | undefined>;
  findAuthByAccessTokenHash(hash: string): Promise<User | undefined>;
}

/** Route levels of CONTRACT §2; `optional` is public but knows a signed-in caller. */
export type AuthLevel = 'public' | 'optional' | 'user' | 'admin' | 'root';
const MIN_ROLE: Record<AuthLevel, number> = { public: 0, optional: 0, user: 1, admin: 10, root: 100 };

declare module 'fastify' {
  interface FastifyRequest {
    /** the authenticated dashboard user (null on public routes) */
    user: User | null;
  }
  interface FastifyContextConfig {
    /** every /api route declares its level; the app refuses to start otherwise */
    auth?: AuthLevel;
    /** the zod schemas the handler parses its input with: the OpenAPI document is generated from them */
    schemas?: { query?: ZodType; body?: ZodType; params?: ZodType };
  }
}

declare module '@fastify/secure-session' {
  interface SessionData {
    id: number;
    /** the user's session_version at login: a bump ends the session (CONTRACT §10) */
    v: number;
  }
}

/** `New-Api-User: 1` or `New-Api-User: Bearer 1`. */
function headerUserId(request: FastifyRequest): number | null {
  const raw = request.headers['new-api-user'];
  if (typeof raw !== 'string') return null;
  const m = /^\s*(?:Bearer\s+)?(\d{1,15})\s*$/i.exec(raw);
  return m ? Number(m[1]) : null;
}

/** `Authorization: Bearer <token>` or the bare token. */
function accessToken(request: FastifyRequest): string | null {
  const raw = request.headers.authorization;
  if (typeof raw !== 'string' || raw.trim() === '') return null;
  return raw.replace(/^\s*Bearer\s+/i, '').trim() || null;
}

export class Authenticator {
  constructor(private readonly users: AuthUserSource) {}

  /**
   * CONTRACT §2: a session cookie or an access token, plus a matching New-Api-User header in both cases.
   * Returns the user, or throws 401/403.
   */
  async authenticate(request: FastifyRequest): Promise<User> {
    const sessionId = request.session?.get('id');
    const token = sessionId === undefined ? accessToken(request) : null;
    if (sessionId === undefined && token === null)
      throw unauthorized('not authenticated: log in or send an access token');
    const user =
      sessionId !== undefined
        ? await this.users.findAuthById(sessionId)
        : await this.users.findAuthByAccessTokenHash(hashAccessToken(token!));
    if (!user || (sessionId !== undefined && (request.session.get('v') ?? 0) !== user.session_version))
      throw unauthorized(sessionId !== undefined ? 'session expired, log in again' : 'invalid access token');
    const claimed = headerUserId(request);
    if (claimed === null) throw unauthorized('the New-Api-User header is missing or malformed');
    if (claimed !== user.id)
      throw unauthorized('the New-Api-User header does not match the authenticated user');
    if (user.status !== 1) throw forbidden('user is disabled');
    return user;
  }

  /** The onRequest hook enforcing each route's declared `config.auth` level (before the body is read). */
  hook() {
    return async (request: FastifyRequest, _reply: FastifyReply) => {
      const level = request.routeOptions.config?.auth;
      if (level === undefined || level === 'public') return;
      if (level === 'optional') {
        request.user = await this.authenticate(request).catch(() => null);
        return;
      }
      const user = await this.authenticate(request);
      if (user.role < MIN_ROLE[level]) throw forbidden('permission denied: this needs a higher role');
      request.user = user;
    };
  }
}
