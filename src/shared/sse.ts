/**
 * Server-sent events, read incrementally: text in as it arrives, complete events out, no buffering beyond
 * the one event still incomplete. Runtime-free: the relay reads upstreams with it, the console and the
 * tests read Tollgate's own streams with it. Spec: https://html.spec.whatwg.org/multipage/server-sent-events.html
 */

/** One server-sent event: the `event:` name (if any) and the joined `data:` lines. */
export interface SseEvent {
  event?: string;
  data: string;
}

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

/** Reads a response body of server-sent events to its end, one call per complete event. */
export async function readEvents(
  body: ReadableStream<Uint8Array>,
  onEvent: (e: SseEvent) => void,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    for (const e of parser.push(decoder.decode(value, { stream: true }))) onEvent(e);
  }
  for (const e of parser.flush()) onEvent(e);
}
