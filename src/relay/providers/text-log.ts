/**
 * Pieces every stream transformer shares: the text a stream produced (for estimates and the running
 * budget) and the OpenAI chat chunks a converter writes.
 */
import type { Usage } from './types.ts';

/** The text a stream produced, kept in pieces: all of it, and what came since the last `take`. */
export class TextLog {
  private readonly parts: string[] = [];
  private taken = 0;

  push(text: string): void {
    if (text) this.parts.push(text);
  }

  all(): string {
    return this.parts.join('');
  }

  take(): string {
    const out = this.parts.slice(this.taken).join('');
    this.taken = this.parts.length;
    return out;
  }
}

/** OpenAI `chat.completion.chunk` payloads of one converted stream (one id, one creation time). */
export class ChatChunks {
  readonly created = Math.floor(Date.now() / 1000);

  constructor(
    private readonly model: string,
    public id: string,
  ) {}

  delta(delta: Record<string, unknown>, finish: string | null = null): string {
    return JSON.stringify({
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
  }

  /** The usage-only final chunk (`choices: []`), as OpenAI sends it when `include_usage` is asked. */
  usage(usage: Usage): string {
    return JSON.stringify({
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [],
      usage,
    });
  }

  static error(message: string): string {
    return JSON.stringify({ error: { message, type: 'upstream_error' } });
  }
}

/** The human message of a JSON error body (`error.message`, `message`, or `error` as text), else a generic line. */
export function jsonErrorMessage(status: number, text: string): string {
  try {
    const json = JSON.parse(text);
    const m = json?.error?.message ?? json?.message ?? json?.error;
    if (typeof m === 'string' && m) return m.slice(0, 500);
  } catch {
    // not JSON
  }
  return `upstream answered ${status}`;
}
