import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { RedisClientType } from 'redis';
import type { AppEvents, EventBus } from './events.ts';
import type { OptionsService } from './modules/options/options.service.ts';

const CHANNEL = 'tg:changes';
/** Events repeated to the other instances (a token is named by its key hash, not its key). */
const SHARED = ['channel', 'user', 'modelMeta', 'token', 'cooldown'] as const;
type Shared = (typeof SHARED)[number];

export interface ClusterSyncDeps {
  options: OptionsService;
  events: EventBus;
  redis: RedisClientType<any, any, any, any, any> | null;
  log: FastifyBaseLogger;
  /** periodic full options reload: the only path without Redis, a safety net with it */
  intervalMs?: number;
}

/**
 * Keeps every instance's caches current. With Redis, a change on one instance (an option, a channel, a
 * user, model metadata) is published and the others reload the options or re-emit the event on their own
 * bus within milliseconds. Without Redis, each instance re-reads the options every 10 s and caches that
 * depend on channels expire by themselves (pricing 10 s, routing 5 s).
 */
export class ClusterSync {
  private readonly id = randomBytes(6).toString('hex');
  private sub: RedisClientType<any, any, any, any, any> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reloading: Promise<void> | null = null;
  /** true while re-emitting a change that came from another instance (so it is not published back) */
  private relaying = false;

  constructor(private readonly d: ClusterSyncDeps) {
    d.options.onChange((key) => {
      d.events.emit('option', key);
      this.publish('option', key);
    });
    for (const kind of SHARED)
      d.events.on(kind, (value) => {
        if (!this.relaying) this.publish(kind, String(value));
      });
  }

  /**
   * Redis is an accelerator, never a dependency (CONTRACT §12): start does not wait for it. Whenever the
   * subscriber (re)connects, changes published meanwhile may have been missed, so this instance re-reads
   * the options and drops its channel, user and token caches.
   */
  async start(): Promise<void> {
    if (this.d.redis) {
      const sub = this.d.redis.duplicate();
      this.sub = sub;
      let down = false;
      sub.on('error', (err) => {
        if (!down)
          this.d.log.warn({ err }, 'Redis unavailable: changes reach other instances by the periodic reload');
        down = true;
      });
      sub.on('ready', () => {
        if (down) this.d.log.info('Redis is back: re-reading options and dropping caches');
        down = false;
        this.resync();
      });
      sub
        .connect()
        .then(() => sub.subscribe(CHANNEL, (message) => this.receive(message)))
        .catch((err) => this.d.log.warn({ err }, 'change subscriber could not connect yet'));
    }
    this.timer = setInterval(() => void this.reload(), this.d.intervalMs ?? (this.d.redis ? 60_000 : 10_000));
    this.timer.unref();
  }

  private publish(kind: 'option' | Shared, value: string): void {
    this.d.redis
      ?.publish(CHANNEL, `${this.id}|${kind}|${value}`)
      .catch((err) => this.d.log.warn({ err }, 'change publish failed'));
  }

  private receive(message: string): void {
    // origin|kind|value, where a value may itself hold '|' (a cooldown)
    const first = message.indexOf('|');
    const second = message.indexOf('|', first + 1);
    if (first < 0 || second < 0) return;
    const origin = message.slice(0, first);
    const kind = message.slice(first + 1, second);
    const value = message.slice(second + 1);
    if (origin === this.id) return;
    if (kind === 'option') {
      void this.reload();
      return;
    }
    if (!(SHARED as readonly string[]).includes(kind)) return;
    this.relaying = true;
    try {
      const v = kind === 'token' || kind === 'cooldown' ? value : Number(value);
      this.d.events.emit(kind as Shared, v as AppEvents[Shared]);
    } finally {
      this.relaying = false;
    }
  }

  /** After missed messages: every cache that another instance's change could have made stale. */
  private resync(): void {
    void this.reload();
    this.relaying = true;
    try {
      this.d.events.emit('channel', 0);
      this.d.events.emit('user', 0);
      this.d.events.emit('token', '');
      this.d.events.emit('modelMeta', 0);
    } finally {
      this.relaying = false;
    }
  }

  /** One options reload at a time; changed keys are announced on the bus. */
  reload(): Promise<void> {
    if (!this.reloading)
      this.reloading = this.d.options
        .reload()
        .then((changed) => {
          for (const key of changed) this.d.events.emit('option', key);
        })
        .catch((err) => this.d.log.warn({ err }, 'options reload failed'))
        .finally(() => {
          this.reloading = null;
        });
    return this.reloading;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.sub) await this.sub.quit().catch(() => {});
    await this.reloading;
  }
}
