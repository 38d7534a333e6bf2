import { Card, Empty } from '@douyinfe/semi-ui';
import { VChart } from '@visactor/react-vchart';
import type { UsageRow } from '../api/types.ts';
import { useI18n } from '../i18n/index.tsx';
import { bucketLabel, type Granularity, totals } from '../lib/usage.ts';
import { useTheme } from '../state/theme.tsx';

interface Props {
  rows: UsageRow[];
  granularity: Granularity;
  /** quota → display value (USD) */
  toValue(quota: number): number;
  unit: string;
}

/** Usage by model over time (stacked bars) and the share by model (pie). Loaded lazily with VChart. */
export default function UsageCharts({ rows, granularity, toValue, unit }: Props) {
  const { t } = useI18n();
  const { mode } = useTheme();
  if (rows.length === 0) return <Empty title={t('No usage in this range')} style={{ padding: 32 }} />;
  const values = [...rows]
    .sort((a, b) => a.created_at - b.created_at)
    .map((r) => ({
      time: bucketLabel(r.created_at, granularity),
      model: r.model_name,
      value: toValue(r.quota),
      count: r.count,
    }));
  const share = totals(rows).byModel.map((m) => ({ model: m.model, value: toValue(m.quota) }));
  const theme = mode === 'dark' ? 'dark' : 'light';
  const bar = {
    type: 'bar' as const,
    data: [{ id: 'usage', values }],
    xField: 'time',
    yField: 'value',
    seriesField: 'model',
    stack: true,
    legends: { visible: true, orient: 'bottom' as const },
    axes: [{ orient: 'left' as const, title: { visible: true, text: unit } }],
    tooltip: {
      mark: { content: [{ key: (d: any) => d?.model, value: (d: any) => `${d?.value} (${d?.count})` }] },
    },
  };
  const pie = {
    type: 'pie' as const,
    data: [{ id: 'share', values: share }],
    valueField: 'value',
    categoryField: 'model',
    outerRadius: 0.8,
    innerRadius: 0.5,
    legends: { visible: true, orient: 'bottom' as const },
    label: { visible: true },
  };
  return (
    <div className="tg-charts" data-testid="usage-charts">
      <Card title={t('Usage by model')} bodyStyle={{ height: 340 }}>
        <VChart spec={bar} options={{ theme }} />
      </Card>
      <Card title={t('Share by model')} bodyStyle={{ height: 340 }}>
        <VChart spec={pie} options={{ theme }} />
      </Card>
    </div>
  );
}
