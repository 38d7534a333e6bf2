/**
 * Every server route the console calls, typed once: path, parameters and answer in one place. Pages
 * call these, never `api.get('/api/…')` with a path of their own (the browser test checks each path
 * exists on the server, so a renamed route fails there, not in an operator's browser).
 */
import { api, download, openStream, type Query, readEvents, requestRaw } from './client.ts';
import type {
  Channel,
  LogRow,
  LogStat,
  OptionRow,
  Page,
  Pricing,
  PricingItem,
  Redemption,
  SessionUser,
  Status,
  Token,
  UsageRow,
  User,
} from './types.ts';

/** Admin views (all rows) or a user's own (`/self`): the same query, another path. */
const scope = (admin: boolean, all: string, self: string) => (admin ? all : self);

export const session = {
  status: () => api.get<Status>('/api/status'),
  self: () => api.get<SessionUser>('/api/user/self'),
  profile: () => api.get<User>('/api/user/self'),
  login: (v: { username: string; password: string }) => api.post<SessionUser>('/api/user/login', v),
  logout: () => api.get<unknown>('/api/user/logout'),
  register: (v: { username: string; password: string }) => api.post<unknown>('/api/user/register', v),
  setup: (v: { username: string; password: string; confirmPassword: string }) =>
    api.post<unknown>('/api/setup', v),
  /** a new system access token (shown once) */
  accessToken: () => api.get<string>('/api/user/token'),
  /** redeems a code; the quota it added */
  topup: (code: string) => api.post<number>('/api/user/topup', { key: code }),
};

export const publicInfo = {
  notice: () => api.get<string>('/api/notice'),
  /** Markdown, HTML or a URL to show in a frame */
  about: () => api.get<string>('/api/about'),
  homePage: () => api.get<string>('/api/home_page_content'),
  /** the envelope whole: `group_ratio`, `usable_group`, vendors … sit beside `data` */
  pricing: async (): Promise<Pricing> => {
    const r = await requestRaw<PricingItem[]>('GET', '/api/pricing');
    return { ...(r as unknown as Pricing), data: r.data ?? [] };
  },
};

export const logs = {
  list: (admin: boolean, q: Query, p: number, size: number) =>
    api.get<Page<LogRow>>(scope(admin, '/api/log/', '/api/log/self'), { ...q, p, page_size: size }),
  /** CSV download of the filtered list */
  exportCsv: (admin: boolean, q: Query, filename: string) =>
    download(scope(admin, '/api/log/export', '/api/log/self/export'), q, filename),
  stat: (admin: boolean, q: Query) =>
    api.get<LogStat>(scope(admin, '/api/log/stat', '/api/log/self/stat'), q),
  /** the first row before `end` (newest first, or oldest with `asc`) */
  edge: (end: number, order: 'asc' | 'desc') =>
    api.get<Page<LogRow>>('/api/log/', { p: 1, page_size: 1, end_timestamp: end, order }),
  /** the live tail: rows as they are written, filtered like the list, until `signal` aborts */
  tail: (admin: boolean, q: Query, signal: AbortSignal, onEvent: (event: string, data: unknown) => void) =>
    openStream(scope(admin, '/api/log/stream', '/api/log/self/stream'), q, signal, onEvent),
  /** deletes the logs older than `before` (seconds); how many went */
  deleteBefore: (before: number) => api.del<number>('/api/log/', { target_timestamp: before }),
};

export const usage = {
  rows: (admin: boolean, q: Query) => api.get<UsageRow[]>(scope(admin, '/api/data/', '/api/data/self'), q),
};

export const tokens = {
  /** the caller's tokens, or those whose name contains `keyword` */
  list: (p: number, size: number, keyword = '') =>
    keyword
      ? api.get<Page<Token>>('/api/token/search', { keyword, p, page_size: size })
      : api.get<Page<Token>>('/api/token/', { p, page_size: size }),
  /** one request for all: how many changed (enabling is all or nothing) */
  setStatusMany: (ids: number[], status: 1 | 2) =>
    api.put<number>('/api/token/batch/status', { ids, status }),
  /** one request for all: how many went */
  removeMany: (ids: number[]) => api.post<number>('/api/token/batch', { ids }),
  create: (v: Partial<Token>) => api.post<Token>('/api/token/', v),
  update: (v: Partial<Token>) => api.put<Token>('/api/token/', v),
  remove: (id: number) => api.del<unknown>(`/api/token/${id}`),
  /** the whole key, shown on demand */
  key: (id: number) => api.post<string>(`/api/token/${id}/key`),
};

/** The channel list's filters (the API's: CONTRACT §6). */
export interface ChannelQuery {
  keyword?: string;
  status?: number;
  type?: number;
  /** exactly this tag */
  tag?: string;
}

/** New API's tag edit: fields given apply to every channel with the tag. */
export interface TagEdit {
  tag: string;
  new_tag?: string;
  priority?: number;
  weight?: number;
}

export const channels = {
  list: (p: number, size: number, q: ChannelQuery = {}) =>
    api.get<Page<Channel>>('/api/channel/', { p, page_size: size, ...q }),
  /** a disabled copy, key included (server-side) */
  copy: (id: number) => api.post<Channel>(`/api/channel/copy/${id}`),
  /** one request for all: how many changed */
  setStatusMany: (ids: number[], status: 1 | 2) =>
    api.put<number>('/api/channel/batch/status', { ids, status }),
  /** one request for all: how many went */
  removeMany: (ids: number[]) => api.post<number>('/api/channel/batch', { ids }),
  /** tags the channels ('' removes the tag); how many */
  tagMany: (ids: number[], tag: string) => api.post<number>('/api/channel/batch/tag', { ids, tag }),
  /** every channel with the tag enabled (1) or disabled (2); how many */
  setTagStatus: (tag: string, status: 1 | 2) =>
    api.post<number>(status === 1 ? '/api/channel/tag/enabled' : '/api/channel/tag/disabled', { tag }),
  editTag: (v: TagEdit) => api.put<number>('/api/channel/tag', v),
  create: (v: object) => api.post<Channel>('/api/channel/', v),
  update: (v: object) => api.put<Channel>('/api/channel/', v),
  setStatus: (id: number, status: number) => api.put<Channel>('/api/channel/', { id, status }),
  remove: (id: number) => api.del<unknown>(`/api/channel/${id}`),
  test: (id: number) => api.get<{ time?: number } | null>(`/api/channel/test/${id}`),
};

export const users = {
  list: (p: number, size: number, keyword: string) =>
    api.get<Page<User>>('/api/user/', { p, page_size: size, keyword }),
  manage: (id: number, action: string, extra: object = {}) =>
    api.post<unknown>('/api/user/manage', { id, action, ...extra }),
  /** one request for all (every user checked first); how many changed */
  manageMany: (ids: number[], action: 'enable' | 'disable' | 'delete') =>
    api.post<number>('/api/user/manage/batch', { ids, action }),
};

export const redemptions = {
  search: (p: number, size: number, keyword: string) =>
    api.get<Page<Redemption>>('/api/redemption/search', { keyword, p, page_size: size }),
  setStatus: (id: number, status: number) =>
    api.put<unknown>('/api/redemption/?status_only=true', { id, status }),
  remove: (id: number) => api.del<unknown>(`/api/redemption/${id}`),
  /** `count` codes of `quota` each; their keys (shown once) */
  create: (v: { name: string; quota: number; count: number; expired_time: number }) =>
    api.post<string[]>('/api/redemption/', v),
  /** deletes used, disabled and expired codes; how many went */
  removeInvalid: () => api.del<number>('/api/redemption/invalid'),
};

export const options = {
  list: () => api.get<OptionRow[]>('/api/option/'),
  update: (key: string, value: string) => api.put<unknown>('/api/option/', { key, value }),
};

/** The playground: the caller's models, and a streamed chat call made as any client makes it (`/v1`). */
export const playground = {
  models: () => api.get<string[]>('/api/user/models'),
  /** streams the reply's text to `onText`; resolves when the reply is complete */
  chat: async (
    key: string,
    model: string,
    prompt: string,
    signal: AbortSignal,
    onText: (t: string) => void,
  ) => {
    const res = await fetch('/v1/chat/completions', {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: prompt }] }),
      signal,
    });
    if (!res.ok || !res.body) {
      const body = await res.json().catch(() => null);
      throw new Error(body?.error?.message ?? `${res.status} ${res.statusText}`);
    }
    await readEvents(res.body, ({ data }) => {
      if (data === '[DONE]') return;
      const chunk = JSON.parse(data);
      if (chunk.error) throw new Error(chunk.error.message ?? 'the stream broke off');
      const text = chunk.choices?.[0]?.delta?.content;
      if (typeof text === 'string') onText(text);
    });
  },
};

/** The paged lists (usePagedList's loaders). */
export const lists = {
  channels: (p: number, size: number, q?: ChannelQuery) => channels.list(p, size, q),
  tokens: (p: number, size: number, keyword?: string) => tokens.list(p, size, keyword),
  users: users.list,
  redemptions: redemptions.search,
};
