import { api } from './client.ts';
import type { Channel, Page, Redemption, Token, User } from './types.ts';

/** The paged lists the console shows, typed once (path, parameters and answer in one place). */
export const lists = {
  channels: (p: number, size: number) => api.get<Page<Channel>>('/api/channel/', { p, page_size: size }),
  tokens: (p: number, size: number) => api.get<Page<Token>>('/api/token/', { p, page_size: size }),
  users: (p: number, size: number, keyword: string) =>
    api.get<Page<User>>('/api/user/', { p, page_size: size, keyword }),
  redemptions: (p: number, size: number, keyword: string) =>
    api.get<Page<Redemption>>('/api/redemption/search', { keyword, p, page_size: size }),
};
