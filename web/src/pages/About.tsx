import { Empty, Spin } from '@douyinfe/semi-ui';
import { Markdown } from '../components/Markdown.tsx';
import { usePublicText } from '../components/usePublicText.ts';
import { useI18n } from '../i18n/index.tsx';

export default function About() {
  const { t } = useI18n();
  const about = usePublicText('about');
  if (about === null) return <Spin />;
  if (!about.trim())
    return <Empty title={t('About')} description={t('The operator has not written an About page yet.')} />;
  return <Markdown source={about} title="about" />;
}
