/**
 * Server-sent events, read incrementally: bytes in as they arrive, complete events out. No buffering
 * beyond the one event still incomplete. Spec: https://html.spec.whatwg.org/multipage/server-sent-events.html
 */
import type { SseEvent, SseOut } from './providers/types.ts';

export class SseParser {
  private rest = '';

  /** Feeds a decoded chunk; returns the events it completed. */
  push(chunk: string): SseEvent[] {
    let text = this.rest + chunk;
    if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
    const events: SseEvent[] = [];
    let start = 0;
    for (;;) {
      const end = text.indexOf('\n\n', start);
      if (end < 0) break;
      const ev = parseBlock(text.slice(start, end));
      if (ev) events.push(ev);
      start = end + 2;
    }
    this.rest = text.slice(start);
    return events;
  }

  /** The last event, when the stream ended without its blank line. */
  flush(): SseEvent[] {
    const ev = this.rest.trim() ? parseBlock(this.rest) : null;
    this.rest = '';
    return ev ? [ev] : [];
  }
}

function parseBlock(block: string): SseEvent | null {
  let event: string | undefined;
  let data: string | undefined;
  for (const line of block.split('\n')) {
    if (line.startsWith('data:')) {
      const v = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
      data = data === undefined ? v : `${data}\n${v}`;
    } else if (line.startsWith('event:')) {
      event = line.slice(6).trim();
    }
  }
  if (data === undefined) return null;
  return event === undefined ? { data } : { event, data };
}

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
