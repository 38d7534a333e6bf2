import { Button, Card, Empty, Form } from '@douyinfe/semi-ui';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { session } from '../api/endpoints.ts';
import { useI18n } from '../i18n/index.tsx';
import { errorText } from '../lib/format.ts';
import { Toast } from '../lib/toast.tsx';
import { useSession } from '../state/session.tsx';

interface Values {
  username: string;
  password: string;
  password2: string;
}

export default function Register() {
  const { t } = useI18n();
  const { status } = useSession();
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  if (!status?.register_enabled) return <Empty title={t('Registration is closed')} />;
  const submit = async (v: Values) => {
    if (v.password !== v.password2) return Toast.error(t('The passwords do not match'));
    setBusy(true);
    try {
      await session.register({ username: v.username, password: v.password });
      Toast.success(t('Registered: you can log in now'));
      navigate('/login');
    } catch (e) {
      Toast.error(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="tg-narrow">
      <Card title={t('Register')}>
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
          <Form.Input
            field="password2"
            label={t('Confirm password')}
            mode="password"
            rules={[{ required: true, message: t('Required') }]}
          />
          <Button htmlType="submit" theme="solid" block loading={busy}>
            {t('Register')}
          </Button>
        </Form>
      </Card>
    </div>
  );
}
