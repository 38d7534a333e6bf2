import { Button, DatePicker, Input, Select } from '@douyinfe/semi-ui';
import { useEffect, useState } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { LOG_TYPES, type LogFilter } from './log-filter.ts';

interface Props {
  admin: boolean;
  /** the filter applied now (a click in the table changes it too) */
  value: LogFilter;
  onApply(f: LogFilter): void;
}

export function LogFilters({ admin, value, onApply }: Props) {
  const { t } = useI18n();
  const [f, setF] = useState<LogFilter>(value);
  useEffect(() => setF(value), [value]);
  const text = (key: keyof LogFilter, label: string) => (
    <Input
      placeholder={t(label)}
      value={(f[key] as string | undefined) ?? ''}
      onChange={(v) => setF({ ...f, [key]: v })}
      onEnterPress={() => onApply(f)}
      showClear
      aria-label={t(label)}
    />
  );
  return (
    <div className="tg-filters">
      <DatePicker
        type="dateTimeRange"
        className="tg-range"
        value={f.range}
        onChange={(v) =>
          setF({
            ...f,
            range:
              Array.isArray(v) && v.length === 2
                ? [new Date(v[0] as Date), new Date(v[1] as Date)]
                : undefined,
          })
        }
      />
      <Select
        placeholder={t('Type')}
        value={f.type}
        showClear
        onChange={(v) => setF({ ...f, type: v as number | undefined })}
        optionList={LOG_TYPES.map((x) => ({ value: x.value, label: t(x.label) }))}
      />
      {text('token_name', 'Token name')}
      {text('model_name', 'Model (% wildcard)')}
      {text('group', 'Group')}
      {text('request_id', 'Request ID')}
      {admin && text('username', 'Username')}
      {admin && text('channel', 'Channel ID')}
      <Button theme="solid" onClick={() => onApply(f)}>
        {t('Search')}
      </Button>
    </div>
  );
}
