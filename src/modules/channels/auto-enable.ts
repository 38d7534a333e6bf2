import type { FastifyBaseLogger } from 'fastify';
import type { OptionsService } from '../options/options.service.ts';
import { CHANNEL_STATUS } from './channels.schema.ts';
import type { ChannelsService } from './channels.service.ts';

export interface AutoEnableDeps {
  channels: ChannelsService;
  options: OptionsService;
  log: FastifyBaseLogger;
  /** writes a system log (type 5) about a channel */
  systemLog: (channelId: number, text: string) => void;
  intervalMs?: number;
}

/**
 * CONTRACT §12: with AutomaticEnableChannelEnabled, every 10 minutes each automatically disabled channel
 * (status 3) is sent the channel test, and enabled again when it answers. Manual disables (status 2)
 * are never touched.
 */
export class AutoEnableJob {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(private readonly d: AutoEnableDeps) {}

  start(): void {
    this.timer = setInterval(
      () => {
        this.runOnce().catch((err) => this.d.log.warn({ err }, 'automatic channel re-enable failed'));
      },
      this.d.intervalMs ?? 10 * 60_000,
    );
    this.timer.unref();
  }

  /** Channels enabled again by this run. */
  runOnce(): Promise<number> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<number> {
    if (!this.d.options.bool('AutomaticEnableChannelEnabled')) return 0;
    const { items } = await this.d.channels.list({
      status: CHANNEL_STATUS.AutoDisabled,
      offset: 0,
      limit: 100,
      page: 1,
    });
    let enabled = 0;
    for (const c of items) {
      const result = await this.d.channels.test(c.id).catch(() => null);
      if (result?.ok) {
        enabled += 1;
        this.d.systemLog(
          c.id,
          `channel #${c.id} "${c.name}" enabled again automatically: its test answered in ${result.ms} ms`,
        );
      }
    }
    return enabled;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => {});
  }
}
