import { Button, Switch, Typography } from '@douyinfe/semi-ui';
import { useCallback, useEffect, useRef, useState } from 'react';
import { logs } from '../api/endpoints.ts';
import type { LogRow, LogStat, Page } from '../api/types.ts';
import { DeleteLogs } from '../components/DeleteLogs.tsx';
import { LogFilters } from '../components/LogFilters.tsx';
import { LogTable } from '../components/LogTable.tsx';
import { filterQuery, type LogFilter } from '../components/log-filter.ts';
import { useI18n } from '../i18n/index.tsx';
import { errorText, formatQuota } from '../lib/format.ts';
import { Toast } from '../lib/toast.tsx';
import { useSession } from '../state/session.tsx';

/** My logs (/api/log/self) or, for admins, all logs (/api/log/) with delete-before-date. */
export default function Logs({ admin }: { admin: boolean }) {
  const { t } = useI18n();
  const { status } = useSession();
  const [filter, setFilter] = useState<LogFilter>({});
  const [page, setPage] = useState({ p: 1, size: 20 });
  const [data, setData] = useState<Page<LogRow>>({ items: [], total: 0, page: 1, page_size: 20 });
  const [stat, setStat] = useState<LogStat | null>(null);
  const [loading, setLoading] = useState(false);

  // a slower answer to an older filter never overwrites a newer one
  const latest = useRef(0);
  const load = useCallback(async () => {
    const seq = ++latest.current;
    setLoading(true);
    const q = filterQuery(filter);
    try {
      const [list, s] = await Promise.all([
        logs.list(admin, q, page.p, page.size),
        logs.stat(admin, q).catch(() => null),
      ]);
      if (seq !== latest.current) return;
      setData(list);
      setStat(s);
    } catch (e) {
      if (seq === latest.current) Toast.error(errorText(e));
    } finally {
      if (seq === latest.current) setLoading(false);
    }
  }, [admin, filter, page]);

  useEffect(() => {
    load();
  }, [load]);

  // Live: rows as they are written (the server's tail, filtered like the list), newest on top
  const [live, setLive] = useState(false);
  const [skipped, setSkipped] = useState(0);
  const serial = useRef(0);
  useEffect(() => {
    if (!live) return;
    const abort = new AbortController();
    setSkipped(0);
    logs
      .tail(admin, filterQuery(filter), abort.signal, (event, row) => {
        if (event === 'skipped') setSkipped((n) => n + Number((row as { skipped?: number }).skipped ?? 0));
        if (event !== 'log') return;
        // tail rows carry no id yet: a key of their own, below every stored id
        const item = { ...(row as LogRow), id: -++serial.current };
        setData((d) => ({ ...d, items: [item, ...d.items].slice(0, Math.max(page.size, 100)) }));
      })
      .then(
        () => setLive(false),
        (e) => {
          Toast.error(errorText(e));
          setLive(false);
        },
      );
    return () => abort.abort();
  }, [live, admin, filter, page.size]);

  const exportCsv = () =>
    logs
      .exportCsv(admin, filterQuery(filter), `logs-${new Date().toISOString().slice(0, 10)}.csv`)
      .catch((e) => Toast.error(errorText(e)));

  return (
    <div>
      <Typography.Title heading={4} style={{ marginBottom: 12 }}>
        {admin ? t('All logs') : t('My logs')}
      </Typography.Title>
      <LogFilters
        admin={admin}
        value={filter}
        onApply={(f) => {
          setFilter(f);
          setPage((pg) => ({ ...pg, p: 1 }));
        }}
      />
      <div className="tg-filters" style={{ justifyContent: 'space-between' }}>
        <Typography.Text data-testid="log-stat">
          {t('Quota used')}: {formatQuota(stat?.quota ?? 0, status?.quota_per_unit)} · RPM {stat?.rpm ?? 0} ·
          TPM {stat?.tpm ?? 0} · {t('{n} rows', { n: data.total })}
        </Typography.Text>
        <span style={{ display: 'inline-flex', gap: 12, alignItems: 'center' }}>
          <Switch
            checked={live}
            onChange={(on) => {
              setLive(on);
              if (!on) load();
            }}
            data-testid="log-live"
          />
          <Typography.Text>{live ? t('Live: new rows appear on top') : t('Live')}</Typography.Text>
          {live && skipped > 0 && (
            <Typography.Text type="warning">{t('{n} rows skipped', { n: skipped })}</Typography.Text>
          )}
          <Button onClick={exportCsv}>{t('Export CSV')}</Button>
        </span>
      </div>
      {admin && <DeleteLogs onDone={load} />}
      <LogTable
        rows={data.items}
        admin={admin}
        loading={loading}
        total={data.total}
        page={page.p}
        pageSize={page.size}
        onPage={(p, size) => setPage({ p, size })}
        onFilter={(patch) => {
          setFilter((f) => ({ ...f, ...patch }));
          setPage((pg) => ({ ...pg, p: 1 }));
        }}
      />
    </div>
  );
}
