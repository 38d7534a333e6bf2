import { Button, Card, Descriptions, Input, Typography } from '@douyinfe/semi-ui';
import { useCallback, useEffect, useState } from 'react';
import { session } from '../api/endpoints.ts';
import type { User } from '../api/types.ts';
import { CopyKey } from '../components/CopyKey.tsx';
import { useI18n } from '../i18n/index.tsx';
import { errorText, formatQuota } from '../lib/format.ts';
import { Toast } from '../lib/toast.tsx';
import { useSession } from '../state/session.tsx';

const ROLE_NAME: Record<number, string> = { 1: 'User', 10: 'Admin', 100: 'Root' };

export default function Profile() {
  const { t } = useI18n();
  const { status } = useSession();
  const [me, setMe] = useState<User | null>(null);
  const [token, setToken] = useState('');
  const [code, setCode] = useState('');
  const loadMe = useCallback(() => session.profile().then(setMe, (e) => Toast.error(errorText(e))), []);
  useEffect(() => {
    loadMe();
  }, [loadMe]);
  const redeem = () =>
    session.topup(code.trim()).then(
      (quota) => {
        Toast.success(t('Redeemed: {amount} added', { amount: formatQuota(quota, qpu) }));
        setCode('');
        loadMe();
      },
      (e) => Toast.error(errorText(e)),
    );
  const generate = () => session.accessToken().then(setToken, (e) => Toast.error(errorText(e)));
  const qpu = status?.quota_per_unit;
  return (
    <div style={{ display: 'grid', gap: 12, maxWidth: 720 }}>
      <Card title={t('Profile')}>
        {me && (
          <Descriptions
            data={[
              { key: t('ID'), value: me.id },
              { key: t('Username'), value: me.username },
              { key: t('Display name'), value: me.display_name || '-' },
              { key: t('Role'), value: t(ROLE_NAME[me.role] ?? String(me.role)) },
              { key: t('Group'), value: me.group },
              { key: t('Balance'), value: formatQuota(me.quota, qpu) },
              { key: t('Used'), value: formatQuota(me.used_quota ?? 0, qpu) },
              { key: t('Requests'), value: me.request_count ?? 0 },
            ]}
          />
        )}
      </Card>
      <Card title={t('Redeem a code')}>
        <div style={{ display: 'flex', gap: 8 }}>
          <Input
            value={code}
            onChange={setCode}
            placeholder={t('Redemption code')}
            aria-label={t('Redemption code')}
            onEnterPress={() => code.trim() && redeem()}
          />
          <Button theme="solid" disabled={!code.trim()} onClick={redeem}>
            {t('Redeem')}
          </Button>
        </div>
      </Card>
      <Card title={t('Access token')}>
        <Typography.Paragraph type="secondary">
          {t(
            'For scripts calling the management API: send it as Authorization: Bearer <token> with New-Api-User: <your id>. Generating a new one replaces the old.',
          )}
        </Typography.Paragraph>
        {token && <CopyKey value={token} testId="access-token" />}
        <Button style={{ marginTop: 12 }} onClick={generate}>
          {t('Generate access token')}
        </Button>
      </Card>
    </div>
  );
}
