import { Button, Card, DatePicker, Input, Select, Typography } from '@douyinfe/semi-ui';
import { useCallback, useEffect, useState } from 'react';
import { logs, session, usage } from '../api/endpoints.ts';
import type { LogStat, UsageRow } from '../api/types.ts';
import { UsageChartsBox } from '../components/UsageChartsBox.tsx';
import { useI18n } from '../i18n/index.tsx';
import { errorText, formatQuota, nowSec, timeZone } from '../lib/format.ts';
import { Toast } from '../lib/toast.tsx';
import { type Granularity, totals } from '../lib/usage.ts';
import { useSession } from '../state/session.tsx';

function StatCard({ title, value, testId }: { title: string; value: string; testId: string }) {
  return (
    <Card bodyStyle={{ padding: 16 }}>
      <Typography.Text type="secondary">{title}</Typography.Text>
      <Typography.Title heading={3} style={{ marginTop: 4 }} data-testid={testId}>
        {value}
      </Typography.Title>
    </Card>
  );
}

/** The user dashboard (/api/data/self) or, for admins, usage over all users (/api/data/, username filter). */
export default function Dashboard({ admin }: { admin: boolean }) {
  const { t } = useI18n();
  const { status } = useSession();
  const qpu = status?.quota_per_unit || 500000;
  const [range, setRange] = useState<[Date, Date]>(() => [
    new Date((nowSec() - 7 * 86400) * 1000),
    new Date(),
  ]);
  const [granularity, setGranularity] = useState<Granularity>('hour');
  const [usernameInput, setUsernameInput] = useState('');
  const [username, setUsername] = useState('');
  const [rows, setRows] = useState<UsageRow[] | null>(null);
  const [stat, setStat] = useState<LogStat | null>(null);
  const [balance, setBalance] = useState<number | null>(null);

  const load = useCallback(async () => {
    const q = {
      start_timestamp: Math.floor(range[0].getTime() / 1000),
      end_timestamp: Math.floor(range[1].getTime() / 1000),
      username: admin ? username : undefined,
    };
    setRows(null);
    try {
      const [data, s, self] = await Promise.all([
        usage.rows(admin, { ...q, granularity, tz: timeZone() }),
        logs.stat(admin, { ...q, type: 2 }).catch(() => null),
        admin ? Promise.resolve(null) : session.profile(),
      ]);
      setRows(data ?? []);
      setStat(s);
      if (self) setBalance(self.quota);
    } catch (e) {
      setRows([]);
      Toast.error(errorText(e));
    }
  }, [admin, range, granularity, username]);

  useEffect(() => {
    load();
  }, [load]);

  const sum = totals(rows ?? []);
  const money = (q: number) => formatQuota(q, qpu);
  return (
    <div>
      <Typography.Title heading={4} style={{ marginBottom: 12 }}>
        {admin ? t('Usage of all users') : t('Dashboard')}
      </Typography.Title>
      <div className="tg-filters">
        <DatePicker
          type="dateTimeRange"
          className="tg-range"
          value={range}
          onChange={(v) =>
            Array.isArray(v) && v.length === 2 && setRange([new Date(v[0] as Date), new Date(v[1] as Date)])
          }
        />
        <Select
          value={granularity}
          onChange={(v) => setGranularity(v as Granularity)}
          optionList={[
            { value: 'hour', label: t('By hour') },
            { value: 'day', label: t('By day') },
          ]}
        />
        {admin && (
          <Input
            placeholder={t('Username')}
            value={usernameInput}
            onChange={setUsernameInput}
            onEnterPress={() => setUsername(usernameInput.trim())}
            onClear={() => setUsername('')}
            showClear
          />
        )}
        <Button
          onClick={() => {
            if (usernameInput.trim() !== username) setUsername(usernameInput.trim());
            else load();
          }}
        >
          {t('Refresh')}
        </Button>
      </div>
      <div className="tg-cards">
        <StatCard
          title={t('Quota used in range')}
          value={money(stat?.quota ?? sum.quota)}
          testId="stat-quota"
        />
        <StatCard title={t('Requests in range')} value={String(sum.count)} testId="stat-count" />
        <StatCard title="RPM" value={String(stat?.rpm ?? 0)} testId="stat-rpm" />
        <StatCard title="TPM" value={String(stat?.tpm ?? 0)} testId="stat-tpm" />
        {!admin && (
          <StatCard
            title={t('Balance')}
            value={balance === null ? '-' : money(balance)}
            testId="stat-balance"
          />
        )}
      </div>
      <UsageChartsBox rows={rows} granularity={granularity} quotaPerUnit={qpu} />
    </div>
  );
}
