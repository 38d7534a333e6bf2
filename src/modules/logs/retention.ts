import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { RedisClientType } from 'redis';
import type { LogPartitions } from '../../db/log-partitions.ts';
import type { OptionsService } from '../options/options.service.ts';
import type { LogsService } from './logs.service.ts';

const DAY = 86_400;
const LOCK_KEY = 'tg:lock:log-retention';
/** Longer than any run should take; a crashed holder's lock expires by itself. */
const LOCK_MS = 3_600_000;

export interface RetentionDeps {
  logs: LogsService;
  options: OptionsService;
  redis: RedisClientType<any, any, any, any, any> | null;
  log: FastifyBaseLogger;
  /** PostgreSQL's week partitions: created ahead and the default drained at every run */
  partitions?: LogPartitions;
  /** between runs (default 1 h; the first run a minute after start) */
  intervalMs?: number;
  now?: () => number;
}

/**
 * Option RetentionDays (0 = keep forever): deletes older logs in the background with the same bounded
 * batches as DELETE /api/log/. One run at a time per instance, and across instances through a Redis lock
 * (SET NX PX) when Redis is configured; without Redis, instances may overlap, which only splits the work
 * (each batch deletes rows the others have not).
 */
export class RetentionJob {
  private first: NodeJS.Timeout | null = null;
  private every: NodeJS.Timeout | null = null;
  private running: Promise<number | null> | null = null;
  private readonly now: () => number;

  constructor(private readonly d: RetentionDeps) {
    this.now = d.now ?? (() => Math.floor(Date.now() / 1000));
  }

  start(): void {
    const tick = async () => {
      try {
        await this.d.partitions?.maintain();
      } catch (err) {
        this.d.log.error({ err }, 'log partition upkeep failed');
      }
      await this.runOnce().catch((err) => this.d.log.error({ err }, 'log retention failed'));
    };
    this.first = setTimeout(() => void tick(), 60_000);
    this.first.unref();
    this.every = setInterval(() => void tick(), this.d.intervalMs ?? 3_600_000);
    this.every.unref();
  }

  /** Deleted rows, or null when retention is off or another run holds the lock. */
  runOnce(): Promise<number | null> {
    if (!this.running) this.running = this.run().finally(() => (this.running = null));
    return this.running;
  }

  private async run(): Promise<number | null> {
    const days = this.d.options.int('RetentionDays');
    if (days <= 0) return null;
    const owner = randomBytes(8).toString('hex');
    if (this.d.redis) {
      const got = await this.d.redis.sendCommand(['SET', LOCK_KEY, owner, 'NX', 'PX', String(LOCK_MS)]);
      if (String(got) !== 'OK') return null;
    }
    try {
      const before = this.now() - days * DAY;
      const deleted = await this.d.logs.deleteBefore(before);
      if (deleted > 0) this.d.log.info({ deleted, before, days }, 'log retention deleted old logs');
      return deleted;
    } finally {
      if (this.d.redis && (await this.d.redis.get(LOCK_KEY)) === owner) await this.d.redis.del(LOCK_KEY);
    }
  }

  async stop(): Promise<void> {
    if (this.first) clearTimeout(this.first);
    if (this.every) clearInterval(this.every);
    await this.running;
  }
}
