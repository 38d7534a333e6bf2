import { Button, Table, Tag, Typography } from '@douyinfe/semi-ui';
import { useState } from 'react';
import type { LogRow } from '../api/types.ts';
import { useI18n } from '../i18n/index.tsx';
import { formatQuota, formatTime } from '../lib/format.ts';
import { useSession } from '../state/session.tsx';
import { LogDrawer, otherOf } from './LogDrawer.tsx';
import { LOG_TYPES, type LogFilter } from './log-filter.ts';
import { useTableScroll } from './useTableScroll.ts';

interface Props {
  rows: LogRow[];
  admin: boolean;
  loading: boolean;
  total: number;
  page: number;
  pageSize: number;
  onPage(page: number, pageSize: number): void;
  /** a cell clicked to filter by its value (model, token, user, channel, group) */
  onFilter?(patch: Partial<LogFilter>): void;
}

export function LogTable({ rows, admin, loading, total, page, pageSize, onPage, onFilter }: Props) {
  const { t } = useI18n();
  const scroll = useTableScroll();
  const { status } = useSession();
  const qpu = status?.quota_per_unit || 500000;
  const [open, setOpen] = useState<LogRow | null>(null);
  /** a cell value that filters the list by itself when clicked */
  const filterBy = (key: keyof LogFilter, shown: string, value = shown) =>
    shown && onFilter ? (
      <Typography.Text link onClick={() => onFilter({ [key]: value })} title={t('Filter by this')}>
        {shown}
      </Typography.Text>
    ) : (
      shown
    );
  const columns = [
    { title: t('Time'), dataIndex: 'created_at', render: (v: number) => formatTime(v), width: 200 },
    ...(admin
      ? [{ title: t('User'), dataIndex: 'username', render: (v: string) => filterBy('username', v ?? '') }]
      : []),
    {
      title: t('Type'),
      dataIndex: 'type',
      render: (v: number) => {
        const lt = LOG_TYPES.find((x) => x.value === v);
        return <Tag color={lt?.color ?? 'grey'}>{t(lt?.label ?? String(v))}</Tag>;
      },
    },
    { title: t('Token'), dataIndex: 'token_name', render: (v: string) => filterBy('token_name', v ?? '') },
    { title: t('Model'), dataIndex: 'model_name', render: (v: string) => filterBy('model_name', v ?? '') },
    ...(admin
      ? [
          {
            title: t('Channel'),
            dataIndex: 'channel_id',
            render: (v: number, r: LogRow) =>
              v ? filterBy('channel', `${v} ${r.channel_name ?? ''}`, String(v)) : '',
          },
        ]
      : []),
    { title: t('Group'), dataIndex: 'group', render: (v: string) => filterBy('group', v ?? '') },
    { title: t('Prompt'), dataIndex: 'prompt_tokens' },
    { title: t('Completion'), dataIndex: 'completion_tokens' },
    { title: t('Cost'), dataIndex: 'quota', render: (v: number) => formatQuota(v, qpu) },
    {
      title: t('Time (s)'),
      dataIndex: 'use_time',
      render: (v: number, r: LogRow) => `${v}${r.is_stream ? ' ⇣' : ''}`,
    },
    {
      title: t('First byte (s)'),
      dataIndex: 'other',
      render: (_: string, r: LogRow) => {
        const frt = Number(otherOf(r).frt);
        return frt > 0 ? (frt / 1000).toFixed(2) : '';
      },
    },
    {
      title: '',
      dataIndex: 'id',
      render: (_: number, r: LogRow) => (
        <Button size="small" theme="borderless" onClick={() => setOpen(r)} data-testid="log-details">
          {t('Details')}
        </Button>
      ),
    },
  ];
  return (
    <>
      <LogDrawer row={open} admin={admin} onClose={() => setOpen(null)} />
      <Table
        data-testid="log-table"
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={rows}
        loading={loading}
        scroll={scroll}
        pagination={{
          currentPage: page,
          pageSize,
          total,
          showSizeChanger: true,
          pageSizeOpts: [10, 20, 50, 100],
          onChange: onPage,
        }}
      />
    </>
  );
}
