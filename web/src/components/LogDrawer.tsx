import { Descriptions, SideSheet, Table, Tag, Typography } from '@douyinfe/semi-ui';
import type { LogRow } from '../api/types.ts';
import { useI18n } from '../i18n/index.tsx';
import { formatTime } from '../lib/format.ts';

/** `other` parsed ({} when empty; the text itself when it is not JSON). */
export function otherOf(row: LogRow): Record<string, unknown> {
  try {
    const o = row.other ? JSON.parse(row.other) : {};
    return o && typeof o === 'object' && !Array.isArray(o) ? o : { other: row.other };
  } catch {
    return { other: row.other };
  }
}

const text = (v: unknown) =>
  v === undefined || v === null || v === '' ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v);

/** Keys laid out in their own sections; every other key of `other` is listed under "More". */
const BILLING = [
  'model_ratio',
  'completion_ratio',
  'group_ratio',
  'model_price',
  'cache_ratio',
  'cached_tokens',
  'reasoning_tokens',
  'usage_source',
  'billed_by',
  'images',
  'characters',
  'seconds',
];
const CALL = [
  'request_path',
  'request_format',
  'upstream_format',
  'converted',
  'frt',
  'stream_cut',
  'client_aborted',
  'stream_error',
  'interrupted',
];

interface Attempt {
  channel_id?: number;
  channel_name?: string;
  status?: number;
  ms?: number;
  error?: string;
}

/**
 * One log row laid out (issue 21): the call, its billing (ratios or price, group ratio, cached and
 * reasoning tokens, how the usage was known) and, for admins, every upstream attempt with its channel and
 * status. Every key of `other` appears once.
 */
export function LogDrawer({ row, admin, onClose }: { row: LogRow | null; admin: boolean; onClose(): void }) {
  const { t } = useI18n();
  if (!row) return null;
  const other = otherOf(row);
  const section = (keys: string[]) =>
    keys
      .filter((k) => k in other)
      .map((k) => ({ key: k, value: <span data-key={k}>{text(other[k])}</span> }));
  const known = new Set([...BILLING, ...CALL, 'admin_info']);
  const more = Object.keys(other)
    .filter((k) => !known.has(k))
    .map((k) => ({ key: k, value: <span data-key={k}>{text(other[k])}</span> }));
  const info = (other.admin_info ?? {}) as { attempts?: Attempt[] };
  const attempts = Array.isArray(info.attempts) ? info.attempts : [];
  return (
    <SideSheet
      visible
      closeOnEsc
      title={t('Log details')}
      onCancel={onClose}
      width={520}
      data-testid="log-drawer"
    >
      <div data-testid="log-drawer-body">
        <Descriptions
          size="small"
          data={[
            { key: t('Time'), value: formatTime(row.created_at) },
            { key: 'request_id', value: text(row.request_id) },
            { key: t('Model'), value: text(row.model_name) },
            { key: t('Token'), value: text(row.token_name) },
            { key: 'ip', value: text(row.ip) },
            { key: t('Time (s)'), value: `${row.use_time}${row.is_stream ? ' ⇣' : ''}` },
            { key: 'content', value: text(row.content) },
          ]}
        />
        <Typography.Title heading={6} style={{ margin: '12px 0 4px' }}>
          {t('Billing')}
        </Typography.Title>
        <Descriptions size="small" data={section(BILLING)} />
        <Typography.Title heading={6} style={{ margin: '12px 0 4px' }}>
          {t('Call')}
        </Typography.Title>
        <Descriptions size="small" data={section(CALL)} />
        {more.length > 0 && (
          <>
            <Typography.Title heading={6} style={{ margin: '12px 0 4px' }}>
              {t('More')}
            </Typography.Title>
            <Descriptions size="small" data={more} />
          </>
        )}
        {admin && 'admin_info' in other && (
          <>
            <Typography.Title heading={6} style={{ margin: '12px 0 4px' }}>
              {t('Upstream attempts')}
            </Typography.Title>
            <span data-key="admin_info" hidden>
              {JSON.stringify(other.admin_info)}
            </span>
            <Table
              size="small"
              pagination={false}
              rowKey={(a?: Attempt) => `${a?.channel_id}-${a?.ms}`}
              dataSource={attempts}
              columns={[
                {
                  title: t('Channel'),
                  dataIndex: 'channel_id',
                  render: (v: number, a: Attempt) => `${v} ${a.channel_name ?? ''}`,
                },
                {
                  title: t('Status'),
                  dataIndex: 'status',
                  render: (v: number) => <Tag color={v >= 200 && v < 300 ? 'green' : 'red'}>{v || '-'}</Tag>,
                },
                { title: 'ms', dataIndex: 'ms' },
                { title: t('Error'), dataIndex: 'error', render: (v?: string) => v ?? '' },
              ]}
            />
          </>
        )}
      </div>
    </SideSheet>
  );
}
