import { LocaleProvider } from '@douyinfe/semi-ui';
import en_US from '@douyinfe/semi-ui/lib/es/locale/source/en_US';
import ja_JP from '@douyinfe/semi-ui/lib/es/locale/source/ja_JP';
import zh_CN from '@douyinfe/semi-ui/lib/es/locale/source/zh_CN';
import type { ReactNode } from 'react';
import { useI18n } from '../i18n/index.tsx';

const LOCALES = { en: en_US, zh: zh_CN, ja: ja_JP };

/** Semi's own strings (date pickers, pagination) follow the console language. */
export function SemiLocale({ children }: { children: ReactNode }) {
  const { lang } = useI18n();
  return <LocaleProvider locale={LOCALES[lang]}>{children}</LocaleProvider>;
}
