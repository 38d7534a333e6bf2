import { Button, Table, Tag, Typography } from '@douyinfe/semi-ui';
import { useState } from 'react';
import { channels, lists } from '../api/endpoints.ts';
import type { Channel } from '../api/types.ts';
import { CHANNEL_TYPES, ChannelForm, type ChannelInput } from '../components/ChannelForm.tsx';
import { ConfirmDelete } from '../components/ConfirmDelete.tsx';
import { useTableScroll } from '../components/useTableScroll.ts';
import { useI18n } from '../i18n/index.tsx';
import { errorText } from '../lib/format.ts';
import { Toast } from '../lib/toast.tsx';
import { usePagedList } from '../lib/usePagedList.ts';

export default function Channels() {
  const { t } = useI18n();
  const scroll = useTableScroll();
  const { page, setPage, data, reload: load, act } = usePagedList(lists.channels, []);
  const [editing, setEditing] = useState<Channel | null | 'new'>(null);
  const save = (c: ChannelInput) =>
    act(async () => {
      if (c.id) await channels.update(c);
      else await channels.create(c);
      setEditing(null);
    }, t('Saved'));
  const test = (id: number) =>
    channels.test(id).then(
      (r) => {
        const time = r?.time;
        Toast.success(time !== undefined ? t('Channel works ({s} s)', { s: time }) : t('Channel works'));
        load();
      },
      (e) => Toast.error(errorText(e)),
    );

  const columns = [
    { title: 'ID', dataIndex: 'id', width: 60 },
    { title: t('Name'), dataIndex: 'name' },
    {
      title: t('Type'),
      dataIndex: 'type',
      render: (v: number) => CHANNEL_TYPES.find((x) => x.value === v)?.label ?? v,
    },
    { title: t('Models'), dataIndex: 'models', render: (m: string) => <span className="tg-mono">{m}</span> },
    { title: t('Groups'), dataIndex: 'group' },
    { title: t('Priority'), dataIndex: 'priority' },
    { title: t('Weight'), dataIndex: 'weight' },
    {
      title: t('Status'),
      dataIndex: 'status',
      render: (s: number) => (
        <Tag color={s === 1 ? 'green' : 'grey'}>{s === 1 ? t('Enabled') : t('Disabled')}</Tag>
      ),
    },
    {
      title: '',
      dataIndex: 'id',
      render: (id: number, c: Channel) => (
        <span style={{ display: 'flex', gap: 4, flexWrap: 'wrap' }}>
          <Button size="small" onClick={() => test(id)}>
            {t('Test')}
          </Button>
          <Button size="small" onClick={() => setEditing(c)}>
            {t('Edit')}
          </Button>
          <Button size="small" onClick={() => act(() => channels.setStatus(id, c.status === 1 ? 2 : 1))}>
            {c.status === 1 ? t('Disable') : t('Enable')}
          </Button>
          <ConfirmDelete title={t('Delete this channel?')} onConfirm={() => act(() => channels.remove(id))} />
        </span>
      ),
    },
  ];

  return (
    <div>
      <div className="tg-filters" style={{ justifyContent: 'space-between' }}>
        <Typography.Title heading={4}>{t('Channels')}</Typography.Title>
        <Button theme="solid" onClick={() => setEditing('new')}>
          {t('New channel')}
        </Button>
      </div>
      <Table
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={data.items}
        scroll={scroll}
        pagination={{ currentPage: page, pageSize: 20, total: data.total, onPageChange: setPage }}
      />
      {editing !== null && (
        <ChannelForm
          channel={editing === 'new' ? null : editing}
          onSubmit={save}
          onCancel={() => setEditing(null)}
        />
      )}
    </div>
  );
}
