import { Button, Card, Form, Typography } from '@douyinfe/semi-ui';
import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { session } from '../api/endpoints.ts';
import { useI18n } from '../i18n/index.tsx';
import { errorText } from '../lib/format.ts';
import { Toast } from '../lib/toast.tsx';
import { useSession } from '../state/session.tsx';

export default function Login() {
  const { t } = useI18n();
  const { status, signIn } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [busy, setBusy] = useState(false);
  const submit = async (v: { username: string; password: string }) => {
    setBusy(true);
    try {
      const u = await session.login(v);
      signIn(u);
      navigate(params.get('next') || '/console', { replace: true });
    } catch (e) {
      Toast.error(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="tg-narrow">
      <Card title={t('Log in')}>
        <Form onSubmit={submit} labelPosition="top">
          <Form.Input
            field="username"
            label={t('Username')}
            rules={[{ required: true, message: t('Required') }]}
          />
          <Form.Input
            field="password"
            label={t('Password')}
            mode="password"
            rules={[{ required: true, message: t('Required') }]}
          />
          <Button htmlType="submit" theme="solid" block loading={busy}>
            {t('Log in')}
          </Button>
        </Form>
        {status?.register_enabled && (
          <Typography.Paragraph style={{ marginTop: 12 }}>
            {t('No account yet?')} <Link to="/register">{t('Register')}</Link>
          </Typography.Paragraph>
        )}
      </Card>
    </div>
  );
}
