import { Empty, Input, Select, Spin, Table, Tag, Typography } from '@douyinfe/semi-ui';
import { useEffect, useMemo, useState } from 'react';
import { publicInfo } from '../api/endpoints.ts';
import type { Pricing as PricingData, PricingItem } from '../api/types.ts';
import { useTableScroll } from '../components/useTableScroll.ts';
import { useI18n } from '../i18n/index.tsx';
import { errorText } from '../lib/format.ts';
import { Toast } from '../lib/toast.tsx';

/** Model ratio 1 = $2 per 1M prompt tokens (CONTRACT §7). */
const USD_PER_RATIO = 2;
const usd = (n: number) => `$${Number(n.toFixed(4))}`;

/** The model square: every model served by an enabled channel, with its price; works signed-out. */
export default function Pricing() {
  const { t } = useI18n();
  const scroll = useTableScroll();
  const [data, setData] = useState<PricingData | null>(null);
  const [search, setSearch] = useState('');
  const [vendor, setVendor] = useState<number | undefined>();
  const [group, setGroup] = useState<string | undefined>();
  useEffect(() => {
    publicInfo.pricing().then(
      (r) => setData(r),
      (e) => {
        Toast.error(errorText(e));
        setData({ data: [] });
      },
    );
  }, []);
  const rows = useMemo(() => {
    const q = search.trim().toLowerCase();
    return (data?.data ?? []).filter(
      (m) =>
        (!q || m.model_name.toLowerCase().includes(q)) &&
        (vendor === undefined || m.vendor_id === vendor) &&
        (!group || m.enable_group?.includes(group)),
    );
  }, [data, search, vendor, group]);
  if (!data) return <Spin />;
  const ratio = group ? (data.group_ratio?.[group] ?? 1) : 1;
  const vendorName = (id?: number) => data.vendors?.find((v) => v.id === id)?.name ?? '';
  const columns = [
    {
      title: t('Model'),
      dataIndex: 'model_name',
      render: (n: string, m: PricingItem) => (
        <span>
          <Typography.Text copyable strong>
            {n}
          </Typography.Text>
          {m.description && (
            <div>
              <Typography.Text type="tertiary" size="small">
                {m.description}
              </Typography.Text>
            </div>
          )}
        </span>
      ),
    },
    { title: t('Vendor'), dataIndex: 'vendor_id', render: (id?: number) => vendorName(id) },
    {
      title: t('Billing'),
      dataIndex: 'quota_type',
      render: (q: number) => (
        <Tag color={q === 1 ? 'orange' : 'blue'}>{q === 1 ? t('Per request') : t('Per token')}</Tag>
      ),
    },
    {
      title: t('Price'),
      dataIndex: 'model_ratio',
      render: (_: number, m: PricingItem) =>
        m.quota_type === 1 ? (
          `${usd(m.model_price * ratio)} / ${t('request')}`
        ) : (
          <span>
            {t('Input')}: {usd(m.model_ratio * USD_PER_RATIO * ratio)} / 1M
            <br />
            {t('Output')}: {usd(m.model_ratio * m.completion_ratio * USD_PER_RATIO * ratio)} / 1M
          </span>
        ),
    },
    {
      title: t('Groups'),
      dataIndex: 'enable_group',
      render: (g: string[]) =>
        (g ?? []).map((x) => (
          <Tag key={x} style={{ margin: 2 }}>
            {x}
          </Tag>
        )),
    },
    {
      title: t('Endpoints'),
      dataIndex: 'supported_endpoint_types',
      render: (types?: number[]) =>
        (types ?? []).map((n) => (
          <Tag key={n} style={{ margin: 2 }} className="tg-mono">
            {data.supported_endpoint?.[String(n)]?.path ?? n}
          </Tag>
        )),
    },
  ];
  return (
    <div>
      <Typography.Title heading={4} style={{ marginBottom: 12 }}>
        {t('Models and pricing')}
      </Typography.Title>
      <div className="tg-filters">
        <Input
          placeholder={t('Search models')}
          value={search}
          onChange={setSearch}
          showClear
          aria-label={t('Search models')}
        />
        <Select
          placeholder={t('Vendor')}
          value={vendor}
          onChange={(v) => setVendor(v as number | undefined)}
          showClear
          optionList={(data.vendors ?? []).map((v) => ({ value: v.id, label: v.name }))}
        />
        <Select
          placeholder={t('Group')}
          value={group}
          onChange={(v) => setGroup(v as string | undefined)}
          showClear
          optionList={Object.entries(data.usable_group ?? data.group_ratio ?? {}).map(([g, d]) => ({
            value: g,
            label: `${g}${typeof d === 'string' && d ? ` · ${d}` : ''} (×${data.group_ratio?.[g] ?? 1})`,
          }))}
        />
      </div>
      {group && (
        <Typography.Paragraph type="secondary">
          {t('Prices include the group ratio ×{r}', { r: ratio })}
        </Typography.Paragraph>
      )}
      {rows.length === 0 ? (
        <Empty title={t('No models')} />
      ) : (
        <Table
          data-testid="pricing-table"
          rowKey="model_name"
          size="small"
          columns={columns}
          dataSource={rows}
          scroll={scroll}
          pagination={{ pageSize: 50 }}
        />
      )}
    </div>
  );
}
