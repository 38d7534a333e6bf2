import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { ok } from '../../http/envelope.ts';

/** What these routes use of the app (named: no route reaches into what it does not list). */
export type StatusRoutesDeps = Pick<AppContext, 'options' | 'setup' | 'startTime' | 'version'>;

/** Option Chats parsed once per value (up to 64 KB; /api/status is public and polled). */
let parsedChats = { raw: '', value: [] as unknown[] };
function chatsOf(raw: string): unknown[] {
  if (raw !== parsedChats.raw) {
    let value: unknown = [];
    try {
      value = JSON.parse(raw);
    } catch {
      // validated on write; an unreadable value reads as none
    }
    parsedChats = { raw, value: Array.isArray(value) ? value : [] };
  }
  return parsedChats.value;
}

/**
 * GET /api/status: what a console needs at start (CONTRACT §5). Every field of New API's `GetStatus`, with its
 * name and type (New API's console stores each in localStorage as it comes: a missing one becomes the
 * string "undefined", which broke the footer, the chat links and the dashboard menu). Features Tollgate
 * does not have (OAuth, passkeys, Turnstile, drawing, async tasks, check-in, online payment) say off.
 * Then Tollgate's own flags.
 */
export async function statusRoutes(app: FastifyInstance, ctx: StatusRoutesDeps): Promise<void> {
  app.get('/api/status', { config: { auth: 'public' } }, async () => {
    const o = ctx.options;
    const setup = await ctx.setup.status();
    const chats = chatsOf(o.get('Chats'));
    const displayType = o.get('QuotaDisplayType');
    const serverAddress = o.get('ServerAddress');
    return ok({
      version: ctx.version,
      start_time: ctx.startTime,
      email_verification: false,
      github_oauth: false,
      github_client_id: '',
      discord_oauth: false,
      discord_client_id: '',
      linuxdo_oauth: false,
      linuxdo_client_id: '',
      linuxdo_minimum_trust_level: 0,
      telegram_oauth: false,
      telegram_bot_name: '',
      system_name: o.get('SystemName'),
      logo: o.get('Logo'),
      footer_html: o.get('Footer'),
      wechat_qrcode: '',
      wechat_login: false,
      server_address: serverAddress,
      turnstile_check: false,
      turnstile_site_key: '',
      top_up_link: o.get('TopUpLink'),
      docs_link: o.get('DocsLink'),
      quota_per_unit: o.int('QuotaPerUnit'),
      // New API derives this from the display type; an operator who turned it off here means tokens
      display_in_currency: o.bool('DisplayInCurrencyEnabled') && displayType !== 'TOKENS',
      quota_display_type: o.bool('DisplayInCurrencyEnabled') ? displayType : 'TOKENS',
      custom_currency_symbol: '¤',
      custom_currency_exchange_rate: 1,
      enable_batch_update: false,
      enable_drawing: false,
      enable_task: false,
      enable_data_export: o.bool('DataExportEnabled'),
      data_export_default_time: o.get('DataExportDefaultTime'),
      default_collapse_sidebar: false,
      mj_notify_enabled: false,
      chats,
      demo_site_enabled: false,
      self_use_mode_enabled: false,
      default_use_auto_group: false,
      usd_exchange_rate: 7.3,
      price: 7.3,
      stripe_unit_price: 8,
      api_info_enabled: false,
      uptime_kuma_enabled: false,
      announcements_enabled: false,
      faq_enabled: false,
      HeaderNavModules: '',
      SidebarModulesAdmin: '',
      oidc_enabled: false,
      oidc_client_id: '',
      oidc_authorization_endpoint: '',
      passkey_login: false,
      passkey_display_name: o.get('SystemName'),
      passkey_rp_id: '',
      passkey_origins: serverAddress,
      passkey_allow_insecure: false,
      passkey_user_verification: 'preferred',
      passkey_attachment: '',
      setup: setup.status,
      user_agreement_enabled: false,
      privacy_policy_enabled: false,
      checkin_enabled: false,
      // Tollgate's own
      register_enabled: o.bool('RegisterEnabled'),
      expose_ratio_enabled: o.bool('ExposeRatioEnabled'),
      data_export_enabled: o.bool('DataExportEnabled'),
      log_consume_enabled: o.bool('LogConsumeEnabled'),
      redemption_enabled: true,
    });
  });

  // New API's dashboard asks for its Uptime Kuma panel on every load, whether it is on or not
  app.get('/api/uptime/status', { config: { auth: 'public' } }, async () => ok([]));
}
