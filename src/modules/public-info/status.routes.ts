import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { ok } from '../../http/envelope.ts';

/** GET /api/status: what the web console needs at start (SPEC §5). */
export async function statusRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/api/status', { config: { auth: 'public' } }, async () => {
    const o = ctx.options;
    const setup = await ctx.setup.status();
    return ok({
      system_name: o.get('SystemName'),
      version: ctx.version,
      start_time: ctx.startTime,
      setup: setup.status,
      quota_per_unit: o.int('QuotaPerUnit'),
      display_in_currency: o.bool('DisplayInCurrencyEnabled'),
      logo: o.get('Logo'),
      footer_html: o.get('Footer'),
      server_address: o.get('ServerAddress'),
      register_enabled: o.bool('RegisterEnabled'),
      expose_ratio_enabled: o.bool('ExposeRatioEnabled'),
      data_export_enabled: o.bool('DataExportEnabled'),
      log_consume_enabled: o.bool('LogConsumeEnabled'),
    });
  });
}
