import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds, for a gateway: sub-millisecond hops up to two-minute streams. */
const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
];

/** What a finished relay call reports (settle.ts). */
export interface RelayObservation {
  /** the model asked for: bounded, a call reaches here only for a model some channel serves */
  model: string;
  /** the channel that answered (0: none did) */
  channel: number;
  status: number;
  stream: boolean;
  seconds: number;
  /** seconds to the upstream's first byte (undefined when none came) */
  firstByte?: number;
  quota: number;
  /** the upstream attempts: channel and whether it failed */
  attempts: Array<{ channel_id: number; status: number; error?: string }>;
}

/**
 * Prometheus metrics (CONTRACT §11), one registry per app. Labels are bounded by configuration: models and
 * channels an operator set up, statuses, route patterns; never user ids, token names or raw paths.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly relayRequests = new Counter({
    name: 'tollgate_relay_requests_total',
    help: 'Relay calls finished, by model, answering channel, HTTP status and stream',
    labelNames: ['model', 'channel', 'status', 'stream'] as const,
    registers: [this.registry],
  });
  private readonly relayLatency = new Histogram({
    name: 'tollgate_relay_request_duration_seconds',
    help: 'Relay call duration, arrival to last byte (streams: to the end of the stream)',
    labelNames: ['stream'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly relayFirstByte = new Histogram({
    name: 'tollgate_relay_time_to_first_byte_seconds',
    help: "Arrival to the upstream's first byte",
    labelNames: ['stream'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly quotaSpent = new Counter({
    name: 'tollgate_quota_spent_total',
    help: 'Quota billed for relay calls, by model',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  private readonly upstreamErrors = new Counter({
    name: 'tollgate_upstream_errors_total',
    help: 'Failed upstream attempts, by channel and upstream status (0: no answer)',
    labelNames: ['channel', 'status'] as const,
    registers: [this.registry],
  });
  private readonly upstreamRetries = new Counter({
    name: 'tollgate_upstream_retries_total',
    help: 'Upstream attempts after the first of a call, by the channel retried on',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });
  private readonly autoDisabled = new Counter({
    name: 'tollgate_channels_auto_disabled_total',
    help: 'Channels disabled automatically (bad key or account)',
    registers: [this.registry],
  });
  private readonly logBatch = new Histogram({
    name: 'tollgate_log_writer_batch_seconds',
    help: 'Time to write one log batch (rows and rollup, one transaction)',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly logRows = new Counter({
    name: 'tollgate_log_writer_rows_total',
    help: 'Log rows written',
    registers: [this.registry],
  });
  private readonly refusals = new Counter({
    name: 'tollgate_rate_limit_refusals_total',
    help: 'Requests refused by a rate limit (429), by route pattern',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });

  constructor(gauges: {
    /** log rows waiting to be written */
    logQueue: () => number;
    /** database pools: connections in use and callers waiting, per database */
    pools: () => Array<{ db: string; used: number; waiting: number }>;
  }) {
    collectDefaultMetrics({ register: this.registry, prefix: 'tollgate_' });
    new Gauge({
      name: 'tollgate_log_writer_queue_depth',
      help: 'Log rows waiting in memory for the log database',
      registers: [this.registry],
      collect() {
        this.set(gauges.logQueue());
      },
    });
    new Gauge({
      name: 'tollgate_db_pool_connections',
      help: 'Database pool connections in use, and callers waiting for one (server databases)',
      labelNames: ['db', 'state'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const p of gauges.pools()) {
          this.set({ db: p.db, state: 'used' }, p.used);
          this.set({ db: p.db, state: 'waiting' }, p.waiting);
        }
      },
    });
  }

  relay(o: RelayObservation): void {
    const stream = String(o.stream);
    this.relayRequests.inc({ model: o.model, channel: String(o.channel), status: String(o.status), stream });
    this.relayLatency.observe({ stream }, o.seconds);
    if (o.firstByte !== undefined) this.relayFirstByte.observe({ stream }, o.firstByte);
    if (o.quota > 0) this.quotaSpent.inc({ model: o.model }, o.quota);
    o.attempts.forEach((a, i) => {
      if (i > 0) this.upstreamRetries.inc({ channel: String(a.channel_id) });
      if (a.error !== undefined)
        this.upstreamErrors.inc({ channel: String(a.channel_id), status: String(a.status) });
    });
  }

  channelDisabled(): void {
    this.autoDisabled.inc();
  }

  logBatchWritten(rows: number, seconds: number): void {
    this.logRows.inc(rows);
    this.logBatch.observe(seconds);
  }

  refused(route: string): void {
    this.refusals.inc({ route });
  }
}
