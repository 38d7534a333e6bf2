/** Server-sent events: the incremental reader (shared with the console and tests), and the writer. */
import type { SseOut } from './providers/types.ts';

export { SseParser } from '../shared/sse.ts';

/** Serialises payloads as SSE events (`event:` line when named), in one string to write at once. */
export function sseFrame(payloads: SseOut[]): string {
  let out = '';
  for (const p of payloads) {
    const data = typeof p === 'string' ? p : p.data;
    // an event of several data lines (as an upstream may send) keeps each line a `data:` line
    const lines = data.includes('\n') ? data.replaceAll('\n', '\ndata: ') : data;
    out += typeof p === 'string' || !p.event ? `data: ${lines}\n\n` : `event: ${p.event}\ndata: ${lines}\n\n`;
  }
  return out;
}
