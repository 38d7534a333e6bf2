import { Modal, Select, Typography } from '@douyinfe/semi-ui';
import { useEffect, useState } from 'react';
import type { Query } from '../api/client.ts';
import { usage } from '../api/endpoints.ts';
import type { UsageRow } from '../api/types.ts';
import { useI18n } from '../i18n/index.tsx';
import { errorText, formatQuota, nowSec, timeZone } from '../lib/format.ts';
import { totals } from '../lib/usage.ts';
import { useSession } from '../state/session.tsx';
import { useIsMobile } from '../state/theme.tsx';
import { UsageChartsBox } from './UsageChartsBox.tsx';

const RANGES = [
  { days: 1, label: 'Last 24 hours' },
  { days: 7, label: 'Last 7 days' },
  { days: 30, label: 'Last 30 days' },
];

/**
 * One token's or one user's usage from the hourly rollup (`/api/data/`, or `/api/data/self` for the
 * caller's own token): charts by model, and the totals. Hours up to a day, local days beyond.
 */
export function UsageModal({
  title,
  admin,
  filter,
  onClose,
}: {
  title: string;
  admin: boolean;
  /** `username` (admin) or `token_id` */
  filter: Query;
  onClose(): void;
}) {
  const { t } = useI18n();
  const { status } = useSession();
  const mobile = useIsMobile();
  const qpu = status?.quota_per_unit || 500000;
  const [days, setDays] = useState(7);
  const [rows, setRows] = useState<UsageRow[] | null>(null);
  const [error, setError] = useState('');
  const granularity = days > 1 ? 'day' : 'hour';
  // biome-ignore lint/correctness/useExhaustiveDependencies: `filter` is a fresh object each render; its values matter
  useEffect(() => {
    let live = true;
    setRows(null);
    setError('');
    const end = nowSec();
    usage
      .rows(admin, {
        ...filter,
        start_timestamp: end - days * 86400,
        end_timestamp: end,
        granularity,
        tz: timeZone(),
      })
      .then(
        (r) => live && setRows(r ?? []),
        (e) => live && setError(errorText(e)),
      );
    return () => {
      live = false;
    };
  }, [admin, days, granularity, JSON.stringify(filter)]);
  const sum = totals(rows ?? []);
  return (
    <Modal visible title={title} onCancel={onClose} footer={null} width={860} fullScreen={mobile}>
      <div className="tg-filters">
        <Select
          value={days}
          onChange={(v) => setDays(Number(v))}
          optionList={RANGES.map((r) => ({ value: r.days, label: t(r.label) }))}
          aria-label={t('Range')}
        />
        {rows && (
          <Typography.Text data-testid="usage-totals">
            {t('{count} requests, {quota}, {tokens} tokens', {
              count: sum.count,
              quota: formatQuota(sum.quota, qpu),
              tokens: sum.tokens,
            })}
          </Typography.Text>
        )}
      </div>
      {error ? (
        <Typography.Text type="danger">{error}</Typography.Text>
      ) : (
        <UsageChartsBox rows={rows} granularity={granularity} quotaPerUnit={qpu} />
      )}
    </Modal>
  );
}
