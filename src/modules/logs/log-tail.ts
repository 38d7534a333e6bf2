/**
 * The live log tail (issue 21): rows the log writer has committed on this instance, handed to every open
 * viewer whose filters they match, as server-sent events. One publisher per instance (the writer's commit
 * hook), no query per viewer; each row is serialised once per view (admin, user) whatever the number of
 * viewers. A viewer that does not keep up loses its oldest queued rows, told as a `skipped` event; it never
 * holds rows for others or grows without bound.
 */
import type { NewLog } from '../../db/schema.ts';
import { adminLogView, userLogView } from './log-view.ts';

/** The list filters a tail applies (CONTRACT §3.2), on rows as they are written. */
export interface TailFilter {
  userId?: number;
  type?: number;
  tokenName?: string;
  /** exact, or with `%` wildcards; matched ignoring ASCII case */
  modelName?: string;
  group?: string;
  channelId?: number;
}

export type TailView = 'admin' | 'user';

/** Events queued for a viewer that is not reading, at most; the oldest go first. */
export const TAIL_QUEUE = 500;
const HEARTBEAT_MS = 15_000;

/**
 * A `%` pattern as a matcher (ASCII case ignored), in time linear in the name per literal piece: the pieces
 * are found left to right with indexOf (leftmost is always right when `%` is the only wildcard). A regular
 * expression of `.*` pieces backtracks: a viewer's `%a%a%a…%b` against each row would hold the loop.
 */
export function likeMatcher(pattern: string): (name: string) => boolean {
  const pieces = pattern.toLowerCase().split('%');
  const first = pieces[0];
  const last = pieces[pieces.length - 1];
  const middle = pieces.slice(1, -1).filter(Boolean);
  return (raw) => {
    const name = raw.toLowerCase();
    if (!name.startsWith(first)) return false;
    let at = first.length;
    for (const piece of middle) {
      const found = name.indexOf(piece, at);
      if (found < 0) return false;
      at = found + piece.length;
    }
    return name.length - at >= last.length && name.endsWith(last);
  };
}

function matcher(f: TailFilter): (row: NewLog) => boolean {
  let model: ((name: string) => boolean) | null = null;
  if (f.modelName?.includes('%')) model = likeMatcher(f.modelName);
  else if (f.modelName) {
    const want = f.modelName;
    model = (name) => name === want;
  }
  return (r) =>
    (f.userId === undefined || r.user_id === f.userId) &&
    (!f.type || r.type === f.type) &&
    (!f.tokenName || r.token_name === f.tokenName) &&
    (!model || model(r.model_name ?? '')) &&
    (!f.group || r.group === f.group) &&
    (f.channelId === undefined || r.channel_id === f.channelId);
}

const NO_NAMES: ReadonlyMap<number, string> = new Map();

/** Names of channels by id (deleted ones absent): what the admin list shows as `channel_name`. */
export type ChannelNames = (ids: number[]) => Promise<ReadonlyMap<number, string>>;

/** One row as the list shows it to that view (the lists' own views, channel names for admins included). */
function viewOf(row: NewLog, view: TailView, names: ReadonlyMap<number, string>): object {
  const stored = {
    ...row,
    channel_id: row.channel_id ?? 0,
    is_stream: Number(row.is_stream ?? 0),
    other: String(row.other ?? ''),
  };
  return view === 'user' ? userLogView(stored) : adminLogView(stored, names);
}

/** Where a viewer's events go: the response's `write` (false when its buffer is full), and its drain. */
export interface TailSink {
  write(chunk: string): boolean;
  onDrain(listener: () => void): void;
  end(): void;
}

class Viewer {
  private readonly queue: string[] = [];
  private blocked = false;
  private skipped = 0;
  private readonly beat: NodeJS.Timeout;
  closed = false;

  constructor(
    readonly view: TailView,
    readonly match: (row: NewLog) => boolean,
    /** whom the viewer is (closed when that user's sessions end) */
    readonly userId: number,
    /** whether the viewer's session still stands (re-checked when its user changes) */
    readonly stillValid: () => Promise<boolean>,
    private readonly sink: TailSink,
    private readonly onClose: (v: Viewer) => void,
  ) {
    sink.onDrain(() => this.drain());
    this.beat = setInterval(() => this.send(': ping\n\n'), HEARTBEAT_MS);
    this.beat.unref?.();
    this.send('retry: 3000\n\n');
  }

  send(event: string): void {
    this.sendAll([event]);
  }

  /** A batch's events in one write (one syscall for a batch, not one per row), or queued while blocked. */
  sendAll(events: readonly string[]): void {
    if (this.closed || events.length === 0) return;
    if (this.blocked) {
      for (const e of events) this.queue.push(e);
      if (this.queue.length > TAIL_QUEUE) {
        const over = this.queue.length - TAIL_QUEUE;
        this.queue.splice(0, over);
        this.skipped += over;
      }
      return;
    }
    if (!this.sink.write(events.length === 1 ? events[0] : events.join(''))) this.blocked = true;
  }

  private drain(): void {
    this.blocked = false;
    if (this.skipped > 0) {
      const n = this.skipped;
      this.skipped = 0;
      if (!this.sink.write(`event: skipped\ndata: ${JSON.stringify({ skipped: n })}\n\n`))
        this.blocked = true;
    }
    while (!this.blocked && this.queue.length > 0)
      if (!this.sink.write(this.queue.shift()!)) this.blocked = true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.beat);
    this.sink.end();
    this.onClose(this);
  }
}

export class LogTail {
  private readonly viewers = new Set<Viewer>();
  private readonly watchers: Array<(n: number) => void> = [];
  /** batches waiting for their channel names, delivered in the order they were committed */
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;

  /** `channelNames`: looked up once per batch, and only while an admin is watching */
  constructor(private readonly channelNames?: ChannelNames) {}

  get size(): number {
    return this.viewers.size;
  }

  /** Told the number of viewers whenever it goes from 0 to 1 or back (LogTailSync follows other instances then). */
  onViewers(listener: (n: number) => void): void {
    this.watchers.push(listener);
  }

  private changed(before: number): void {
    const now = this.viewers.size;
    if ((before === 0) !== (now === 0)) for (const w of this.watchers) w(now);
  }

  /** Opens a viewer; it ends with `close()` (the client left, the session ended, shutdown). */
  open(o: {
    view: TailView;
    filter: TailFilter;
    userId: number;
    stillValid: () => Promise<boolean>;
    sink: TailSink;
  }): { close(): void } {
    const v = new Viewer(o.view, matcher(o.filter), o.userId, o.stillValid, o.sink, (x) => {
      const before = this.viewers.size;
      this.viewers.delete(x);
      this.changed(before);
    });
    const before = this.viewers.size;
    this.viewers.add(v);
    this.changed(before);
    return v;
  }

  /**
   * Committed rows (the log writer's hook): each row serialised at most once per view, and each viewer's
   * matching rows written in one piece. While an admin watches, the batch first gets its channels' names
   * (one lookup; a batch waits for the one before it, so rows stay in order).
   */
  publish(rows: readonly NewLog[]): void {
    if (this.viewers.size === 0) return;
    let admin = false;
    if (this.channelNames) for (const v of this.viewers) admin ||= v.view === 'admin';
    if (!admin && this.queued === 0) {
      this.deliver(rows, NO_NAMES);
      return;
    }
    const ids = [...new Set(rows.map((r) => r.channel_id ?? 0).filter((id) => id > 0))];
    const names =
      admin && ids.length > 0 ? this.channelNames!(ids).catch(() => NO_NAMES) : Promise.resolve(NO_NAMES);
    this.queued += 1;
    this.queue = this.queue
      .then(async () => {
        const n = await names;
        this.queued -= 1;
        this.deliver(rows, n);
      })
      // a failed delivery (a viewer's write threw) must not stop every later one
      .catch(() => {});
  }

  /** Resolves once every batch published so far has been handed to its viewers. */
  delivered(): Promise<void> {
    return this.queue;
  }

  private deliver(rows: readonly NewLog[], names: ReadonlyMap<number, string>): void {
    if (this.viewers.size === 0) return;
    const serialised: Record<TailView, Array<string | undefined>> = {
      admin: new Array(rows.length),
      user: new Array(rows.length),
    };
    for (const v of this.viewers) {
      const out: string[] = [];
      const cache = serialised[v.view];
      for (let i = 0; i < rows.length; i++) {
        if (!v.match(rows[i])) continue;
        let event = cache[i];
        if (event === undefined) {
          event = `event: log\ndata: ${JSON.stringify(viewOf(rows[i], v.view, names))}\n\n`;
          cache[i] = event;
        }
        out.push(event);
      }
      v.sendAll(out);
    }
  }

  /** A user changed (logout, disabling, deletion): their viewers whose session no longer stands are closed. */
  async recheck(userId: number): Promise<void> {
    for (const v of [...this.viewers])
      if (v.userId === userId && !(await v.stillValid().catch(() => false))) v.close();
  }

  closeAll(): void {
    for (const v of [...this.viewers]) v.close();
  }
}
