import { Descriptions, Table, Tag } from '@douyinfe/semi-ui';
import type { LogRow } from '../api/types.ts';
import { useI18n } from '../i18n/index.tsx';
import { formatQuota, formatTime } from '../lib/format.ts';
import { useSession } from '../state/session.tsx';
import { LOG_TYPES } from './log-filter.ts';
import { useTableScroll } from './useTableScroll.ts';

interface Props {
  rows: LogRow[];
  admin: boolean;
  loading: boolean;
  total: number;
  page: number;
  pageSize: number;
  onPage(page: number, pageSize: number): void;
}

/** The `other` JSON string as key/value rows (billing detail, retry chain for admins). */
function OtherDetails({ row }: { row: LogRow }) {
  let other: Record<string, unknown> = {};
  try {
    other = row.other ? (JSON.parse(row.other) as Record<string, unknown>) : {};
  } catch {
    other = { other: row.other };
  }
  const data = [
    { key: 'request_id', value: row.request_id || '-' },
    { key: 'ip', value: row.ip || '-' },
    { key: 'content', value: row.content || '-' },
    ...Object.entries(other).map(([key, v]) => ({
      key,
      value: typeof v === 'object' ? JSON.stringify(v) : String(v),
    })),
  ];
  return <Descriptions data={data} size="small" />;
}

export function LogTable({ rows, admin, loading, total, page, pageSize, onPage }: Props) {
  const { t } = useI18n();
  const scroll = useTableScroll();
  const { status } = useSession();
  const qpu = status?.quota_per_unit || 500000;
  const columns = [
    { title: t('Time'), dataIndex: 'created_at', render: (v: number) => formatTime(v), width: 200 },
    ...(admin ? [{ title: t('User'), dataIndex: 'username' }] : []),
    {
      title: t('Type'),
      dataIndex: 'type',
      render: (v: number) => {
        const lt = LOG_TYPES.find((x) => x.value === v);
        return <Tag color={lt?.color ?? 'grey'}>{t(lt?.label ?? String(v))}</Tag>;
      },
    },
    { title: t('Token'), dataIndex: 'token_name' },
    { title: t('Model'), dataIndex: 'model_name' },
    ...(admin
      ? [
          {
            title: t('Channel'),
            dataIndex: 'channel_id',
            render: (v: number, r: LogRow) => (v ? `${v} ${r.channel_name ?? ''}` : ''),
          },
        ]
      : []),
    { title: t('Group'), dataIndex: 'group' },
    { title: t('Prompt'), dataIndex: 'prompt_tokens' },
    { title: t('Completion'), dataIndex: 'completion_tokens' },
    { title: t('Cost'), dataIndex: 'quota', render: (v: number) => formatQuota(v, qpu) },
    {
      title: t('Time (s)'),
      dataIndex: 'use_time',
      render: (v: number, r: LogRow) => `${v}${r.is_stream ? ' ⇣' : ''}`,
    },
  ];
  return (
    <Table
      data-testid="log-table"
      rowKey="id"
      size="small"
      columns={columns}
      dataSource={rows}
      loading={loading}
      scroll={scroll}
      expandedRowRender={(r?: LogRow) => (r ? <OtherDetails row={r} /> : null)}
      pagination={{
        currentPage: page,
        pageSize,
        total,
        showSizeChanger: true,
        pageSizeOpts: [10, 20, 50, 100],
        onChange: onPage,
      }}
    />
  );
}
