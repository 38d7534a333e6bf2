import { Button, Input, Table, Tag, Typography } from '@douyinfe/semi-ui';
import { useState } from 'react';
import { lists, users } from '../api/endpoints.ts';
import type { User } from '../api/types.ts';
import { BatchBar } from '../components/BatchBar.tsx';
import { ConfirmDelete } from '../components/ConfirmDelete.tsx';
import { type QuotaChange, QuotaModal } from '../components/QuotaModal.tsx';
import { UsageModal } from '../components/UsageModal.tsx';
import { useTableScroll } from '../components/useTableScroll.ts';
import { useI18n } from '../i18n/index.tsx';
import { errorText, formatQuota } from '../lib/format.ts';
import { Toast } from '../lib/toast.tsx';
import { usePagedList } from '../lib/usePagedList.ts';
import { useSession } from '../state/session.tsx';

const ROLE_NAME: Record<number, string> = { 1: 'User', 10: 'Admin', 100: 'Root' };

export default function Users() {
  const { t } = useI18n();
  const scroll = useTableScroll();
  const { status, user: me } = useSession();
  const [keyword, setKeyword] = useState('');
  const {
    page,
    setPage,
    data,
    reload: load,
    selected,
    rowSelection,
    batch,
  } = usePagedList((p, size) => lists.users(p, size, keyword), [keyword]);
  const [quotaFor, setQuotaFor] = useState<User | null>(null);
  const [usageOf, setUsageOf] = useState<User | null>(null);
  const manageSelected = (action: 'enable' | 'disable' | 'delete', done: (n: number) => string) =>
    batch((ids) => users.manageMany(ids, action), done);

  const manage = (id: number, action: string, extra: Partial<QuotaChange> = {}) =>
    users.manage(id, action, extra).then(
      () => {
        Toast.success(t('Done'));
        setQuotaFor(null);
        load();
      },
      (e) => Toast.error(errorText(e)),
    );

  const columns = [
    { title: 'ID', dataIndex: 'id', width: 60 },
    { title: t('Username'), dataIndex: 'username' },
    { title: t('Role'), dataIndex: 'role', render: (r: number) => t(ROLE_NAME[r] ?? String(r)) },
    { title: t('Group'), dataIndex: 'group' },
    {
      title: t('Status'),
      dataIndex: 'status',
      render: (s: number) => (
        <Tag color={s === 1 ? 'green' : 'grey'}>{s === 1 ? t('Enabled') : t('Disabled')}</Tag>
      ),
    },
    {
      title: t('Balance'),
      dataIndex: 'quota',
      render: (q: number) => formatQuota(q, status?.quota_per_unit),
    },
    {
      title: t('Used'),
      dataIndex: 'used_quota',
      render: (q: number) => formatQuota(q ?? 0, status?.quota_per_unit),
    },
    {
      title: '',
      dataIndex: 'id',
      render: (id: number, u: User) =>
        // root may adjust its own quota (it starts at 0); nobody manages an equal or higher role otherwise
        u.role >= (me?.role ?? 0) ? (
          <span style={{ display: 'flex', gap: 4, flexWrap: 'wrap' }}>
            <Button size="small" onClick={() => setUsageOf(u)}>
              {t('Usage')}
            </Button>
            {me?.role === 100 && u.id === me.id && (
              <Button size="small" onClick={() => setQuotaFor(u)}>
                {t('Quota')}
              </Button>
            )}
          </span>
        ) : (
          <span style={{ display: 'flex', gap: 4, flexWrap: 'wrap' }}>
            <Button size="small" onClick={() => setUsageOf(u)}>
              {t('Usage')}
            </Button>
            <Button size="small" onClick={() => setQuotaFor(u)}>
              {t('Quota')}
            </Button>
            <Button size="small" onClick={() => manage(id, u.status === 1 ? 'disable' : 'enable')}>
              {u.status === 1 ? t('Disable') : t('Enable')}
            </Button>
            {me?.role === 100 && (
              <Button size="small" onClick={() => manage(id, u.role >= 10 ? 'demote' : 'promote')}>
                {u.role >= 10 ? t('Demote') : t('Promote')}
              </Button>
            )}
            <ConfirmDelete title={t('Delete this user?')} onConfirm={() => manage(id, 'delete')} />
          </span>
        ),
    },
  ];

  return (
    <div>
      <div className="tg-filters" style={{ justifyContent: 'space-between' }}>
        <Typography.Title heading={4}>{t('Users')}</Typography.Title>
        <Input
          placeholder={t('Search users')}
          value={keyword}
          onChange={setKeyword}
          showClear
          style={{ maxWidth: 240 }}
        />
      </div>
      <BatchBar
        testId="user-batch"
        count={selected.length}
        onEnable={() => manageSelected('enable', (n) => t('{n} users enabled', { n }))}
        onDisable={() => manageSelected('disable', (n) => t('{n} users disabled', { n }))}
        deleteTitle={t('Delete {n} users?', { n: selected.length })}
        onDelete={() => manageSelected('delete', (n) => t('{n} users deleted', { n }))}
      />
      <Table
        rowKey="id"
        rowSelection={{
          ...rowSelection,
          // only users the caller may manage can be picked
          getCheckboxProps: (u: User) => ({ disabled: u.role >= (me?.role ?? 0) }),
        }}
        size="small"
        columns={columns}
        dataSource={data.items}
        scroll={scroll}
        pagination={{ currentPage: page, pageSize: 20, total: data.total, onPageChange: setPage }}
      />
      {usageOf && (
        <UsageModal
          title={t('Usage of {name}', { name: usageOf.username })}
          admin
          filter={{ username: usageOf.username }}
          onClose={() => setUsageOf(null)}
        />
      )}
      {quotaFor && (
        <QuotaModal
          user={quotaFor}
          onCancel={() => setQuotaFor(null)}
          onSubmit={(c) => manage(quotaFor.id, 'add_quota', c)}
        />
      )}
    </div>
  );
}
