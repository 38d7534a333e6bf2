/** The `/api` envelope of CONTRACT §1. */
export interface Envelope<T> {
  success: boolean;
  message: string;
  data?: T;
}

export const ok = <T>(data: T, message = ''): Envelope<T> => ({ success: true, message, data });
export const fail = (message: string): Envelope<never> => ({ success: false, message });

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  page_size: number;
}
