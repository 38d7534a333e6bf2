import { Modal } from '@douyinfe/semi-ui';
import { lazy, Suspense, useEffect, useState } from 'react';
import { publicInfo } from '../api/endpoints.ts';
import { useI18n } from '../i18n/index.tsx';
import { hashText } from '../lib/format.ts';

const Markdown = lazy(() => import('./Markdown.tsx').then((m) => ({ default: m.Markdown })));
const SEEN = 'tollgate.notice';

/** Shows the operator's notice once per change (the hash of the seen text is kept in localStorage). */
export function NoticeModal() {
  const { t } = useI18n();
  const [notice, setNotice] = useState('');
  useEffect(() => {
    publicInfo.notice().then(
      (n) => {
        if (n && localStorage.getItem(SEEN) !== hashText(n)) setNotice(n);
      },
      () => undefined,
    );
  }, []);
  const close = () => {
    localStorage.setItem(SEEN, hashText(notice));
    setNotice('');
  };
  return (
    <Modal
      title={t('Notice')}
      visible={notice !== ''}
      onOk={close}
      onCancel={close}
      hasCancel={false}
      okText={t('Got it')}
    >
      <Suspense fallback={null}>
        <Markdown source={notice} title="notice" />
      </Suspense>
    </Modal>
  );
}
