import { Banner, Button, Card, Form, Steps } from '@douyinfe/semi-ui';
import { useState } from 'react';
import { Navigate } from 'react-router-dom';
import { session } from '../api/endpoints.ts';
import { useI18n } from '../i18n/index.tsx';
import { errorText } from '../lib/format.ts';
import { Toast } from '../lib/toast.tsx';
import { useSession } from '../state/session.tsx';

interface Values {
  username: string;
  password: string;
  confirmPassword: string;
}

/** First run: create the root user (POST /api/setup), then go to the login page. */
export default function Setup() {
  const { t } = useI18n();
  const { status, user, refreshStatus } = useSession();
  const [busy, setBusy] = useState(false);
  // Once set up (also right after the submit below refreshes the status) this page leads to the login.
  if (status?.setup) return <Navigate to={user ? '/' : '/login'} replace />;
  const submit = async (v: Values) => {
    if (v.password !== v.confirmPassword) return Toast.error(t('The passwords do not match'));
    setBusy(true);
    try {
      await session.setup(v);
      Toast.success(t('Setup complete: log in as the root user'));
      await refreshStatus();
    } catch (e) {
      Toast.error(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="tg-narrow">
      <Card title={t('First-run setup')}>
        <Steps type="basic" size="small" current={0} style={{ marginBottom: 16 }}>
          <Steps.Step title={t('Root account')} />
          <Steps.Step title={t('Log in')} />
        </Steps>
        <Banner
          type="info"
          description={t('Create the root (super-admin) account of this gateway.')}
          closeIcon={null}
        />
        <Form
          onSubmit={submit}
          labelPosition="top"
          initValues={{ username: 'root', password: '', confirmPassword: '' }}
        >
          <Form.Input
            field="username"
            label={t('Username')}
            rules={[{ required: true, message: t('Required') }]}
          />
          <Form.Input
            field="password"
            label={t('Password (at least 8 characters)')}
            mode="password"
            rules={[{ required: true, min: 8, message: t('At least 8 characters') }]}
          />
          <Form.Input
            field="confirmPassword"
            label={t('Confirm password')}
            mode="password"
            rules={[{ required: true, message: t('Required') }]}
          />
          <Button htmlType="submit" theme="solid" block loading={busy}>
            {t('Create root account')}
          </Button>
        </Form>
      </Card>
    </div>
  );
}
