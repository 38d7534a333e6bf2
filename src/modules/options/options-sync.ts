import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { RedisClientType } from 'redis';
import type { EventBus } from '../../events.ts';
import type { OptionsService } from './options.service.ts';

const CHANNEL = 'tg:options';

export interface OptionsSyncDeps {
  options: OptionsService;
  events: EventBus;
  redis: RedisClientType<any, any, any, any, any> | null;
  log: FastifyBaseLogger;
  /** periodic full reload: the only path without Redis, a safety net with it */
  intervalMs?: number;
}

/**
 * Keeps every instance's in-memory options current. A change on one instance is published on Redis and
 * the others reload within milliseconds; without Redis each instance re-reads the options table every
 * 10 s (with Redis, every 60 s in case a message was missed). Changed keys are announced on the event bus
 * so caches (pricing, ratio config, routing) drop what they hold.
 */
export class OptionsSync {
  private readonly id = randomBytes(6).toString('hex');
  private sub: RedisClientType<any, any, any, any, any> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reloading: Promise<void> | null = null;

  constructor(private readonly d: OptionsSyncDeps) {}

  async start(): Promise<void> {
    if (this.d.redis) {
      this.sub = this.d.redis.duplicate();
      this.sub.on('error', (err) => this.d.log.warn({ err }, 'options subscriber error'));
      await this.sub.connect();
      await this.sub.subscribe(CHANNEL, (message) => {
        if (!message.startsWith(`${this.id}:`)) void this.reload();
      });
    }
    this.timer = setInterval(() => void this.reload(), this.d.intervalMs ?? (this.d.redis ? 60_000 : 10_000));
    this.timer.unref();
  }

  /** Announces a change made on this instance to the others. */
  publish(key: string): void {
    this.d.redis
      ?.publish(CHANNEL, `${this.id}:${key}`)
      .catch((err) => this.d.log.warn({ err }, 'options publish failed'));
  }

  /** One reload at a time; resolves when the options read now are applied. */
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
