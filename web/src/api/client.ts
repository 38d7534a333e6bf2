/** A small typed client for the /api envelope (CONTRACT §1–2): session cookie + New-Api-User header. */
import { readEvents } from '../../../src/shared/sse.ts';
import type { Envelope } from '../../../src/shared/wire.ts';

export type { Envelope, Page } from '../../../src/shared/wire.ts';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const USER_KEY = 'tollgate.uid';

export function storedUserId(): string | null {
  return localStorage.getItem(USER_KEY);
}

export function storeUserId(id: number | null): void {
  if (id === null) localStorage.removeItem(USER_KEY);
  else localStorage.setItem(USER_KEY, String(id));
}

/** Called when the server answers 401 on an authenticated call (session gone). */
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export function queryString(q: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

export function authHeaders(): Record<string, string> {
  const id = storedUserId();
  return id ? { 'New-Api-User': id } : {};
}

/** The raw envelope (for routes like /api/pricing whose extra fields sit beside `data`). */
export async function requestRaw<T>(method: string, path: string, body?: unknown): Promise<Envelope<T>> {
  const headers: Record<string, string> = { ...authHeaders(), 'Accept-Language': navigator.language };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let json: Envelope<T>;
  try {
    json = (await res.json()) as Envelope<T>;
  } catch {
    throw new ApiError(`${res.status} ${res.statusText}`, res.status);
  }
  if (res.status === 401 && storedUserId()) onUnauthorized();
  if (!res.ok || !json.success) throw new ApiError(json.message || `${res.status}`, res.status);
  return json;
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  // a successful envelope always carries `data` (null where there is nothing to send)
  return (await requestRaw<T>(method, path, body)).data as T;
}

export const api = {
  get: <T>(path: string, q?: Query) => request<T>('GET', path + queryString(q)),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, body),
  del: <T>(path: string, q?: Query) => request<T>('DELETE', path + queryString(q)),
};

/** Downloads an authenticated URL (CSV export) as a file. */
export async function download(path: string, q: Query, filename: string): Promise<void> {
  const res = await fetch(path + queryString(q), { headers: authHeaders(), credentials: 'same-origin' });
  if (!res.ok) {
    const text = await res.text();
    let message = text;
    try {
      message = (JSON.parse(text) as Envelope<unknown>).message;
    } catch {
      // not JSON
    }
    throw new ApiError(message || `${res.status}`, res.status);
  }
  const blob = await res.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/**
 * Reads an authenticated server-sent event stream (fetch, so the New-Api-User header goes along, which
 * EventSource cannot send) and calls `onEvent` per event until `signal` aborts or the server ends it.
 */
export async function openStream(
  path: string,
  q: Query,
  signal: AbortSignal,
  onEvent: (event: string, data: unknown) => void,
): Promise<void> {
  const res = await fetch(path + queryString(q), {
    headers: { ...authHeaders(), Accept: 'text/event-stream' },
    credentials: 'same-origin',
    signal,
  });
  if (!res.ok || !res.body) throw new ApiError(`${res.status} ${res.statusText}`, res.status);
  try {
    await readEvents(res.body, (e) => {
      if (e.event) onEvent(e.event, JSON.parse(e.data));
    });
  } catch (err) {
    if (!signal.aborted) throw err;
  }
}

export { readEvents };
