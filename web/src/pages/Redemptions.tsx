import {
  Button,
  DatePicker,
  Form,
  Input,
  Modal,
  Popconfirm,
  Table,
  Tag,
  Typography,
} from '@douyinfe/semi-ui';
import { useRef, useState } from 'react';
import { lists, redemptions } from '../api/endpoints.ts';
import type { Redemption } from '../api/types.ts';
import { ConfirmDelete } from '../components/ConfirmDelete.tsx';
import { copyText } from '../components/CopyKey.tsx';
import { useTableScroll } from '../components/useTableScroll.ts';
import { useI18n } from '../i18n/index.tsx';
import { errorText, formatQuota, formatTime } from '../lib/format.ts';
import { Toast } from '../lib/toast.tsx';
import { usePagedList } from '../lib/usePagedList.ts';
import { useSession } from '../state/session.tsx';

const PAGE_SIZE = 20;

/** Redemption codes (admin): create batches, hand the codes out, disable or delete them. */
export default function Redemptions() {
  const { t } = useI18n();
  const { status } = useSession();
  const qpu = status?.quota_per_unit ?? 500000;
  const scroll = useTableScroll();
  const [keyword, setKeyword] = useState('');
  const {
    page,
    setPage,
    data,
    reload: load,
    act,
  } = usePagedList((p, size) => lists.redemptions(p, size, keyword), [keyword], PAGE_SIZE);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<string[] | null>(null);
  const form = useRef<any>(null);
  const [expires, setExpires] = useState<Date | null>(null);

  const create = (v: { name: string; amount: number; count: number }) =>
    redemptions
      .create({
        name: v.name,
        quota: Math.round(Number(v.amount) * qpu),
        count: Number(v.count),
        expired_time: expires ? Math.floor(expires.getTime() / 1000) : 0,
      })
      .then(
        (keys) => {
          setCreating(false);
          setCreated(keys);
          load();
        },
        (e) => Toast.error(errorText(e)),
      );
  const now = Date.now() / 1000;
  const stateOf = (r: Redemption) =>
    r.status === 3
      ? { color: 'grey', label: t('Used') }
      : r.status === 2
        ? { color: 'orange', label: t('Disabled') }
        : r.expired_time !== 0 && r.expired_time < now
          ? { color: 'red', label: t('Expired') }
          : { color: 'green', label: t('Unused') };

  const columns = [
    { title: 'ID', dataIndex: 'id', width: 60 },
    { title: t('Name'), dataIndex: 'name' },
    { title: t('Code'), dataIndex: 'key', render: (k: string) => <code className="tg-mono">{k}</code> },
    { title: t('Quota'), dataIndex: 'quota', render: (q: number) => formatQuota(q, qpu) },
    {
      title: t('Status'),
      dataIndex: 'status',
      render: (_: number, r: Redemption) => {
        const s = stateOf(r);
        return <Tag color={s.color as any}>{s.label}</Tag>;
      },
    },
    { title: t('Created'), dataIndex: 'created_time', render: (v: number) => formatTime(v) },
    {
      title: t('Expires'),
      dataIndex: 'expired_time',
      render: (v: number) => (v === 0 ? t('Never') : formatTime(v)),
    },
    {
      title: t('Redeemed by'),
      dataIndex: 'used_user_id',
      render: (v: number, r: Redemption) => (v ? `#${v} · ${formatTime(r.redeemed_time)}` : '-'),
    },
    {
      title: '',
      dataIndex: 'id',
      render: (id: number, r: Redemption) => (
        <span style={{ display: 'flex', gap: 4, flexWrap: 'wrap' }}>
          {r.status === 1 && (
            <Button
              size="small"
              onClick={async () =>
                (await copyText(r.key)) ? Toast.success(t('Copied')) : Toast.error(t('Copy failed'))
              }
            >
              {t('Copy')}
            </Button>
          )}
          {r.status !== 3 && (
            <Button size="small" onClick={() => act(() => redemptions.setStatus(id, r.status === 1 ? 2 : 1))}>
              {r.status === 1 ? t('Disable') : t('Enable')}
            </Button>
          )}
          <ConfirmDelete title={t('Delete this code?')} onConfirm={() => act(() => redemptions.remove(id))} />
        </span>
      ),
    },
  ];

  return (
    <div>
      <div className="tg-filters" style={{ justifyContent: 'space-between' }}>
        <Typography.Title heading={4}>{t('Redemption codes')}</Typography.Title>
        <span style={{ display: 'flex', gap: 8, flexWrap: 'wrap' }}>
          <Input
            placeholder={t('ID, name or whole code')}
            value={keyword}
            onChange={(v) => {
              setKeyword(v);
              setPage(1);
            }}
            style={{ width: 220 }}
            showClear
          />
          <Popconfirm
            title={t('Delete every used, disabled and expired code?')}
            onConfirm={() =>
              redemptions.removeInvalid().then(
                (n) => {
                  Toast.success(t('{n} codes deleted', { n }));
                  load();
                },
                (e) => Toast.error(errorText(e)),
              )
            }
          >
            <Button>{t('Delete invalid')}</Button>
          </Popconfirm>
          <Button theme="solid" onClick={() => setCreating(true)}>
            {t('New codes')}
          </Button>
        </span>
      </div>
      <Table
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={data.items}
        scroll={scroll}
        pagination={{ currentPage: page, pageSize: PAGE_SIZE, total: data.total, onPageChange: setPage }}
      />
      {creating && (
        <Modal
          visible
          title={t('New codes')}
          onCancel={() => setCreating(false)}
          onOk={() => form.current?.submitForm()}
          okText={t('Create')}
        >
          <Form
            getFormApi={(a) => (form.current = a)}
            initValues={{ name: '', amount: 1, count: 1 }}
            labelPosition="top"
            onSubmit={create}
          >
            <Form.Input
              field="name"
              label={t('Name')}
              maxLength={20}
              rules={[{ required: true, message: t('Required') }]}
            />
            <Form.InputNumber field="amount" label={t('Amount (USD)')} min={0.000001} />
            <Form.InputNumber field="count" label={t('How many codes (1–100)')} min={1} max={100} />
          </Form>
          <Typography.Text>{t('Expires (empty = never)')}</Typography.Text>
          <DatePicker
            type="dateTime"
            value={expires ?? undefined}
            onChange={(v) => setExpires(v ? new Date(v as Date) : null)}
            style={{ width: '100%' }}
          />
        </Modal>
      )}
      {created && (
        <Modal
          visible
          title={t('{n} codes created', { n: created.length })}
          onCancel={() => setCreated(null)}
          onOk={async () =>
            (await copyText(created.join('\n'))) ? Toast.success(t('Copied')) : Toast.error(t('Copy failed'))
          }
          okText={t('Copy all')}
        >
          <pre className="tg-mono" data-testid="new-codes" style={{ whiteSpace: 'pre-wrap' }}>
            {created.join('\n')}
          </pre>
        </Modal>
      )}
    </div>
  );
}
