/**
 * The live log tail across instances (issue 21): each instance's committed rows reach the viewers of the
 * others through Redis pub/sub. An instance subscribes only while it has viewers, and publishes a batch only
 * while some other instance is subscribed (PUBSUB NUMSUB, re-read at most once a second), so a cluster
 * nobody is watching sends nothing. Without Redis a viewer sees the rows of its own instance (said in
 * docs/OPERATIONS.md). Redis stays an accelerator: a failure here costs remote rows, never a write.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { RedisClientType } from 'redis';
import type { NewLog } from './db/schema.ts';
import type { LogTail } from './modules/logs/log-tail.ts';

const CHANNEL = 'tollgate:log-tail';

export class LogTailSync {
  private readonly id = randomBytes(6).toString('hex');
  private sub: RedisClientType<any, any, any, any, any> | null = null;
  private subscribed = false;
  private listeners = 0;
  private checkedAt = 0;

  constructor(
    private readonly d: {
      tail: LogTail;
      redis: RedisClientType<any, any, any, any, any> | null;
      log: FastifyBaseLogger;
    },
  ) {
    d.tail.onViewers((n) => void this.follow(n > 0));
  }

  /** This instance's committed rows: to its own viewers, and to the other instances' when they watch. */
  publish(rows: readonly NewLog[]): void {
    this.d.tail.publish(rows);
    const redis = this.d.redis;
    if (!redis) return;
    const now = Date.now();
    if (now - this.checkedAt > 1000) {
      this.checkedAt = now;
      redis
        .pubSubNumSub(CHANNEL)
        .then((n: Record<string, number | string>) => {
          this.listeners = Number(n[CHANNEL] ?? 0) - (this.subscribed ? 1 : 0);
        })
        .catch(() => {
          this.listeners = 0;
        });
    }
    if (this.listeners <= 0) return;
    redis.publish(CHANNEL, `${this.id}|${JSON.stringify(rows)}`).catch((err: unknown) => {
      this.d.log.warn({ err }, 'live tail: rows not published to the other instances');
    });
  }

  /** Subscribes while this instance has viewers, unsubscribes when the last one leaves. */
  private async follow(on: boolean): Promise<void> {
    const redis = this.d.redis;
    if (!redis || on === this.subscribed) return;
    this.subscribed = on;
    try {
      if (!this.sub) {
        this.sub = redis.duplicate();
        this.sub.on('error', () => {}); // the main client reports outages
        await this.sub.connect();
      }
      if (on) await this.sub.subscribe(CHANNEL, (message: string) => this.receive(message));
      else await this.sub.unsubscribe(CHANNEL);
    } catch (err) {
      this.subscribed = false;
      this.d.log.warn({ err }, 'live tail: could not follow the other instances');
    }
  }

  private receive(message: string): void {
    const bar = message.indexOf('|');
    if (bar < 0 || message.slice(0, bar) === this.id) return;
    try {
      const rows = JSON.parse(message.slice(bar + 1));
      if (Array.isArray(rows)) this.d.tail.publish(rows);
    } catch {
      // not ours to read
    }
  }

  async stop(): Promise<void> {
    const sub = this.sub;
    this.sub = null;
    if (sub) await sub.quit().catch(() => {});
  }
}
