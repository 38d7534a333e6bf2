import type { Envelope } from '../shared/wire.ts';

export type { Envelope, Page } from '../shared/wire.ts';

export const ok = <T>(data: T, message = ''): Envelope<T> => ({ success: true, message, data });
export const fail = (message: string): Envelope<never> => ({ success: false, message });
