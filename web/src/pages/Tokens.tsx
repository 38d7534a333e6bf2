import { Button, Input, Modal, Table, Tag, Typography } from '@douyinfe/semi-ui';
import { useState } from 'react';
import { TOKEN_STATUS } from '../../../src/shared/enums.ts';
import { lists, tokens } from '../api/endpoints.ts';
import type { Token } from '../api/types.ts';
import { BatchBar } from '../components/BatchBar.tsx';
import { ConfirmDelete } from '../components/ConfirmDelete.tsx';
import { CopyKey, copyText } from '../components/CopyKey.tsx';
import { TokenForm, type TokenInput } from '../components/TokenForm.tsx';
import { UsageModal } from '../components/UsageModal.tsx';
import { useTableScroll } from '../components/useTableScroll.ts';
import { useI18n } from '../i18n/index.tsx';
import { errorText, formatQuota, formatTime } from '../lib/format.ts';
import { Toast } from '../lib/toast.tsx';
import { usePagedList } from '../lib/usePagedList.ts';
import { useSession } from '../state/session.tsx';

const STATUS: Record<number, { label: string; color: 'green' | 'grey' | 'orange' | 'red' }> = {
  [TOKEN_STATUS.Enabled]: { label: 'Enabled', color: 'green' },
  [TOKEN_STATUS.Disabled]: { label: 'Disabled', color: 'grey' },
  [TOKEN_STATUS.Expired]: { label: 'Expired', color: 'orange' },
  [TOKEN_STATUS.Exhausted]: { label: 'Exhausted', color: 'red' },
};

export default function Tokens() {
  const { t } = useI18n();
  const scroll = useTableScroll();
  const { status } = useSession();
  const [keywordInput, setKeywordInput] = useState('');
  const [keyword, setKeyword] = useState('');
  const {
    page,
    setPage,
    data,
    reload: load,
    act,
    selected,
    rowSelection,
    batch,
  } = usePagedList((p, size) => lists.tokens(p, size, keyword), [keyword]);
  const search = setKeyword;
  const [usageOf, setUsageOf] = useState<Token | null>(null);
  const [editing, setEditing] = useState<Token | null | 'new'>(null);
  const [newKey, setNewKey] = useState('');

  const save = async (v: TokenInput) => {
    try {
      if (v.id) await tokens.update(v);
      else setNewKey((await tokens.create(v)).key);
      setEditing(null);
      load();
    } catch (e) {
      Toast.error(errorText(e));
    }
  };
  const copyFull = async (id: number) => {
    const key = await tokens.key(id);
    if (await copyText(key.startsWith('sk-') ? key : `sk-${key}`)) Toast.success(t('Copied'));
  };

  const columns = [
    { title: t('Name'), dataIndex: 'name' },
    { title: t('Key'), dataIndex: 'key', render: (k: string) => <span className="tg-mono">{k}</span> },
    {
      title: t('Status'),
      dataIndex: 'status',
      render: (s: number) => <Tag color={STATUS[s]?.color}>{t(STATUS[s]?.label ?? String(s))}</Tag>,
    },
    {
      title: t('Remaining'),
      dataIndex: 'remain_quota',
      render: (q: number, r: Token) =>
        r.unlimited_quota ? t('Unlimited') : formatQuota(q, status?.quota_per_unit),
    },
    {
      title: t('Expires'),
      dataIndex: 'expired_time',
      render: (s: number) => (s > 0 ? formatTime(s) : t('Never')),
    },
    {
      title: '',
      dataIndex: 'id',
      render: (id: number, r: Token) => (
        <span style={{ display: 'flex', gap: 4, flexWrap: 'wrap' }}>
          <Button size="small" onClick={() => copyFull(id).catch((e) => Toast.error(errorText(e)))}>
            {t('Copy')}
          </Button>
          <Button size="small" onClick={() => setEditing(r)}>
            {t('Edit')}
          </Button>
          <Button size="small" onClick={() => setUsageOf(r)}>
            {t('Usage')}
          </Button>
          <Button
            size="small"
            onClick={() => act(() => tokens.update({ ...r, key: undefined, status: r.status === 1 ? 2 : 1 }))}
          >
            {r.status === 1 ? t('Disable') : t('Enable')}
          </Button>
          <ConfirmDelete title={t('Delete this token?')} onConfirm={() => act(() => tokens.remove(id))} />
        </span>
      ),
    },
  ];

  return (
    <div>
      <div className="tg-filters" style={{ justifyContent: 'space-between' }}>
        <Typography.Title heading={4}>{t('My tokens')}</Typography.Title>
        <Button theme="solid" onClick={() => setEditing('new')}>
          {t('New token')}
        </Button>
      </div>
      <div className="tg-filters">
        <Input
          placeholder={t('Search token names')}
          aria-label={t('Search token names')}
          value={keywordInput}
          onChange={setKeywordInput}
          onEnterPress={() => search(keywordInput.trim())}
          onClear={() => search('')}
          showClear
          style={{ width: 240 }}
        />
      </div>
      <BatchBar
        testId="token-batch"
        count={selected.length}
        onEnable={() =>
          batch(
            (ids) => tokens.setStatusMany(ids, 1),
            (n) => t('{n} tokens enabled', { n }),
          )
        }
        onDisable={() =>
          batch(
            (ids) => tokens.setStatusMany(ids, 2),
            (n) => t('{n} tokens disabled', { n }),
          )
        }
        deleteTitle={t('Delete {n} tokens?', { n: selected.length })}
        onDelete={() =>
          batch(
            (ids) => tokens.removeMany(ids),
            (n) => t('{n} tokens deleted', { n }),
          )
        }
      />
      <Table
        rowKey="id"
        rowSelection={rowSelection}
        size="small"
        columns={columns}
        dataSource={data.items}
        scroll={scroll}
        pagination={{ currentPage: page, pageSize: 20, total: data.total, onPageChange: setPage }}
      />
      {usageOf && (
        <UsageModal
          title={t('Usage of token {name}', { name: usageOf.name })}
          admin={false}
          filter={{ token_id: usageOf.id }}
          onClose={() => setUsageOf(null)}
        />
      )}
      {editing !== null && (
        <TokenForm
          token={editing === 'new' ? null : editing}
          onSubmit={save}
          onCancel={() => setEditing(null)}
        />
      )}
      <Modal
        visible={newKey !== ''}
        title={t('Your new key')}
        onOk={() => setNewKey('')}
        onCancel={() => setNewKey('')}
        hasCancel={false}
      >
        <Typography.Paragraph type="warning">
          {t('Copy it now: it will not be shown in full again.')}
        </Typography.Paragraph>
        <CopyKey value={newKey} testId="new-token-key" />
      </Modal>
    </div>
  );
}
