import { Button, Input, Select, Table, Tag, Tooltip, Typography } from '@douyinfe/semi-ui';
import { useState } from 'react';
import { type ChannelQuery, channels, lists } from '../api/endpoints.ts';
import type { Channel } from '../api/types.ts';
import { BatchBar } from '../components/BatchBar.tsx';
import { CHANNEL_TYPES, ChannelForm, type ChannelInput } from '../components/ChannelForm.tsx';
import { TagBar, TagPrompt } from '../components/ChannelTags.tsx';
import { ConfirmDelete } from '../components/ConfirmDelete.tsx';
import { useTableScroll } from '../components/useTableScroll.ts';
import { useI18n } from '../i18n/index.tsx';
import { errorText, formatQuota, formatTime } from '../lib/format.ts';
import { Toast } from '../lib/toast.tsx';
import { usePagedList } from '../lib/usePagedList.ts';
import { useSession } from '../state/session.tsx';

export default function Channels() {
  const { t } = useI18n();
  const scroll = useTableScroll();
  const { status } = useSession();
  const [query, setQuery] = useState<ChannelQuery>({});
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
  } = usePagedList((p, size) => lists.channels(p, size, query), [query]);
  const [tagging, setTagging] = useState(false);
  const [tagInput, setTagInput] = useState('');
  const filterTag = (tag: string | undefined) => {
    setTagInput(tag ?? '');
    setQuery({ ...query, tag: tag || undefined });
  };
  const [progress, setProgress] = useState<string | null>(null);
  /** the channel test, one request per selected channel (each is a real upstream call), progress shown */
  const testSelected = async () => {
    let ok = 0;
    for (let i = 0; i < selected.length; i++) {
      setProgress(t('Testing {i} of {n}', { i: i + 1, n: selected.length }));
      await channels.test(selected[i]).then(
        () => {
          ok += 1;
        },
        () => {},
      );
    }
    setProgress(null);
    Toast.success(t('{ok} of {n} channels work', { ok, n: selected.length }));
    load();
  };
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
    {
      title: t('Name'),
      dataIndex: 'name',
      render: (name: string, c: Channel) =>
        c.remark ? (
          <Tooltip content={c.remark}>
            <span>{name}</span>
          </Tooltip>
        ) : (
          name
        ),
    },
    {
      title: t('Tag'),
      dataIndex: 'tag',
      render: (tag: string | undefined) =>
        tag ? (
          <Typography.Text
            link
            onClick={() => filterTag(tag)}
            title={t('Filter by this')}
            style={{ whiteSpace: 'nowrap' }}
          >
            {tag}
          </Typography.Text>
        ) : null,
    },
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
      title: t('Response time'),
      dataIndex: 'response_time',
      render: (ms: number | undefined, c: Channel) =>
        c.test_time ? (
          <span title={formatTime(c.test_time)}>
            <Tag color={!ms ? 'grey' : ms < 1000 ? 'green' : ms < 3000 ? 'orange' : 'red'}>
              {ms ? `${(ms / 1000).toFixed(2)} s` : '-'}
            </Tag>
          </span>
        ) : (
          <Typography.Text type="tertiary">{t('Not tested')}</Typography.Text>
        ),
    },
    {
      title: t('Failures'),
      dataIndex: 'failures',
      render: (n: number | undefined, c: Channel) =>
        n ? (
          <Tooltip
            content={
              c.cooling_until
                ? t('Skipped by routing until {time}', {
                    time: formatTime(Math.floor(c.cooling_until / 1000)),
                  })
                : t('Failed calls in a row since its last success')
            }
          >
            <Tag color={c.cooling_until ? 'red' : 'orange'}>{t('{n} in a row', { n })}</Tag>
          </Tooltip>
        ) : (
          <Typography.Text type="tertiary">0</Typography.Text>
        ),
    },
    {
      title: t('Used'),
      dataIndex: 'used_quota',
      render: (q: number | undefined) => formatQuota(q ?? 0, status?.quota_per_unit),
    },
    {
      title: t('Status'),
      dataIndex: 'status',
      render: (s: number, c: Channel) => {
        const tag = (
          <Tag color={s === 1 ? 'green' : s === 3 ? 'red' : 'grey'}>
            {s === 1 ? t('Enabled') : s === 3 ? t('Disabled automatically') : t('Disabled')}
          </Tag>
        );
        // why the relay disabled it, and when (the reason is the upstream's answer)
        return s === 3 && c.status_reason ? (
          <Tooltip content={`${c.status_time ? `${formatTime(c.status_time)}: ` : ''}${c.status_reason}`}>
            <span data-testid={`status-reason-${c.id}`}>{tag}</span>
          </Tooltip>
        ) : (
          tag
        );
      },
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
          <Button
            size="small"
            onClick={() => act(() => channels.copy(id), t('Copied (disabled until enabled)'))}
          >
            {t('Copy')}
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
      <div className="tg-filters">
        <Input
          placeholder={t('Search name, key id or model')}
          value={keyword}
          onChange={setKeyword}
          onEnterPress={() => setQuery({ ...query, keyword: keyword.trim() || undefined })}
          showClear
          onClear={() => setQuery({ ...query, keyword: undefined })}
          aria-label={t('Search name, key id or model')}
          style={{ width: 240 }}
        />
        <Select
          placeholder={t('Status')}
          value={query.status}
          showClear
          onChange={(v) => setQuery({ ...query, status: v as number | undefined })}
          optionList={[
            { value: 1, label: t('Enabled') },
            { value: 2, label: t('Disabled') },
            { value: 3, label: t('Disabled automatically') },
          ]}
          style={{ width: 180 }}
        />
        <Select
          placeholder={t('Type')}
          value={query.type}
          showClear
          onChange={(v) => setQuery({ ...query, type: v as number | undefined })}
          optionList={CHANNEL_TYPES}
          style={{ width: 180 }}
        />
        <Input
          placeholder={t('Tag')}
          value={tagInput}
          onChange={setTagInput}
          onEnterPress={() => filterTag(tagInput.trim())}
          showClear
          onClear={() => filterTag(undefined)}
          aria-label={t('Tag')}
          style={{ width: 160 }}
        />
      </div>
      {query.tag && <TagBar tag={query.tag} onDone={(next) => (next ? filterTag(next) : load())} />}
      <BatchBar
        testId="channel-batch"
        count={selected.length}
        onEnable={() =>
          batch(
            (ids) => channels.setStatusMany(ids, 1),
            (n) => t('{n} channels enabled', { n }),
          )
        }
        onDisable={() =>
          batch(
            (ids) => channels.setStatusMany(ids, 2),
            (n) => t('{n} channels disabled', { n }),
          )
        }
        deleteTitle={t('Delete {n} channels?', { n: selected.length })}
        onDelete={() =>
          batch(
            (ids) => channels.removeMany(ids),
            (n) => t('{n} channels deleted', { n }),
          )
        }
      >
        <Button onClick={() => setTagging(true)}>{t('Set tag')}</Button>
        <Button onClick={testSelected} disabled={progress !== null}>
          {progress ?? t('Test')}
        </Button>
      </BatchBar>
      <Table
        rowKey="id"
        rowSelection={rowSelection}
        size="small"
        columns={columns}
        dataSource={data.items}
        scroll={scroll}
        pagination={{ currentPage: page, pageSize: 20, total: data.total, onPageChange: setPage }}
      />
      {tagging && (
        <TagPrompt
          count={selected.length}
          onCancel={() => setTagging(false)}
          onSubmit={(tag) => {
            setTagging(false);
            batch(
              (ids) => channels.tagMany(ids, tag),
              (n) => t('{n} channels tagged', { n }),
            );
          }}
        />
      )}
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
