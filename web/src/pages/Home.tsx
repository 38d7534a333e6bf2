import { Button, Spin, Typography } from '@douyinfe/semi-ui';
import { useNavigate } from 'react-router-dom';
import { Markdown } from '../components/Markdown.tsx';
import { usePublicText } from '../components/usePublicText.ts';
import { useI18n } from '../i18n/index.tsx';
import { useSession } from '../state/session.tsx';

export default function Home() {
  const { t } = useI18n();
  const { status, user } = useSession();
  const navigate = useNavigate();
  const content = usePublicText('homePage');
  if (content === null) return <Spin />;
  if (content.trim()) return <Markdown source={content} title="home" />;
  const address = status?.server_address || window.location.origin;
  return (
    <div style={{ textAlign: 'center', padding: '48px 8px' }}>
      <Typography.Title heading={2}>{status?.system_name || 'Tollgate'}</Typography.Title>
      <Typography.Paragraph type="secondary">
        {t('One API key for every model you are allowed to use.')}
      </Typography.Paragraph>
      <Typography.Paragraph>
        {t('Base URL')}: <Typography.Text code copyable>{`${address}/v1`}</Typography.Text>
      </Typography.Paragraph>
      <div style={{ display: 'flex', gap: 8, justifyContent: 'center', marginTop: 24 }}>
        <Button theme="solid" onClick={() => navigate(user ? '/console' : '/login')}>
          {user ? t('Open the console') : t('Log in')}
        </Button>
        <Button onClick={() => navigate('/pricing')}>{t('Pricing')}</Button>
      </div>
    </div>
  );
}
