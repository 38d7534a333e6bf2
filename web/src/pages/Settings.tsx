import { Card, Spin, Tabs } from '@douyinfe/semi-ui';
import { useEffect, useState } from 'react';
import { options } from '../api/endpoints.ts';
import { JsonOption, SwitchOption, TextOption } from '../components/OptionEditors.tsx';
import { useI18n } from '../i18n/index.tsx';
import { errorText } from '../lib/format.ts';
import { Toast } from '../lib/toast.tsx';
import { useSession } from '../state/session.tsx';

/** Root settings: content, branding, ratios and prices, switches (PUT /api/option/ per key). */
export default function Settings() {
  const { t } = useI18n();
  const { refreshStatus } = useSession();
  const [opts, setOpts] = useState<Record<string, string> | null>(null);
  useEffect(() => {
    options.list().then(
      (rows) => setOpts(Object.fromEntries(rows.map((r) => [r.key, String(r.value)]))),
      (e) => Toast.error(errorText(e)),
    );
  }, []);
  if (!opts) return <Spin />;
  const onSaved = (key: string, value: string) => {
    setOpts((o) => ({ ...o, [key]: value }));
    refreshStatus();
  };
  const p = (name: string, label: string) => ({
    key: name,
    name,
    label: t(label),
    value: opts[name] ?? '',
    onSaved,
  });
  return (
    <Card>
      <Tabs type="line">
        <Tabs.TabPane tab={t('Content')} itemKey="content">
          <TextOption {...p('Notice', 'Notice (Markdown)')} multiline />
          <TextOption {...p('About', 'About (Markdown or https:// URL)')} multiline />
          <TextOption {...p('HomePageContent', 'Home page (Markdown or https:// URL)')} multiline />
        </Tabs.TabPane>
        <Tabs.TabPane tab={t('System')} itemKey="system">
          <TextOption {...p('SystemName', 'System name')} />
          <TextOption {...p('Logo', 'Logo URL')} />
          <TextOption {...p('Footer', 'Footer (HTML)')} multiline />
          <TextOption {...p('ServerAddress', 'Server address')} />
          <SwitchOption {...p('RegisterEnabled', 'Allow registration')} />
          <SwitchOption {...p('ExposeRatioEnabled', 'Expose ratios publicly (/api/ratio_config)')} />
          <SwitchOption {...p('LogConsumeEnabled', 'Record consume logs')} />
          <SwitchOption {...p('DataExportEnabled', 'Record usage statistics')} />
        </Tabs.TabPane>
        <Tabs.TabPane tab={t('Ratios and prices')} itemKey="ratios">
          <JsonOption {...p('ModelRatio', 'Model ratios (1 = $2 per 1M prompt tokens)')} />
          <JsonOption {...p('CompletionRatio', 'Completion ratios')} />
          <JsonOption {...p('CacheRatio', 'Cache read ratios (1 when unset)')} />
          <JsonOption {...p('CreateCacheRatio', 'Cache write ratios (1.25 when unset)')} />
          <JsonOption {...p('ModelPrice', 'Model prices (USD per request)')} />
          <JsonOption {...p('GroupRatio', 'Group ratios')} />
          <JsonOption {...p('UserUsableGroups', 'Groups users may choose')} />
          <JsonOption {...p('AutoGroups', 'Auto groups')} shape="array" />
        </Tabs.TabPane>
      </Tabs>
    </Card>
  );
}
