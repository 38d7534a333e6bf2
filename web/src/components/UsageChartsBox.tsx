import { Spin } from '@douyinfe/semi-ui';
import { lazy, Suspense } from 'react';
import type { UsageRow } from '../api/types.ts';
import type { Granularity } from '../lib/usage.ts';

// the charts (VChart) are a chunk of their own, loaded when the first chart shows
const UsageCharts = lazy(() => import('../charts/UsageCharts.tsx'));

/** Usage charts in USD, a spinner while the rows (null) or the charts' code are on their way. */
export function UsageChartsBox({
  rows,
  granularity,
  quotaPerUnit,
}: {
  rows: UsageRow[] | null;
  granularity: Granularity;
  quotaPerUnit: number;
}) {
  if (rows === null) return <Spin />;
  return (
    <Suspense fallback={<Spin />}>
      <UsageCharts
        rows={rows}
        granularity={granularity}
        toValue={(q) => Number((q / quotaPerUnit).toFixed(6))}
        unit="USD"
      />
    </Suspense>
  );
}
