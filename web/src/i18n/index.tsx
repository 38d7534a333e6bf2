import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';
import { ja } from './ja.ts';
import { zh } from './zh.ts';

/** English is the key itself; zh/ja map an English phrase to its translation (missing → English). */
export type Lang = 'en' | 'zh' | 'ja';
export const LANGS: { value: Lang; label: string }[] = [
  { value: 'en', label: 'English' },
  { value: 'zh', label: '中文' },
  { value: 'ja', label: '日本語' },
];
const DICTS: Record<Lang, Record<string, string>> = { en: {}, zh, ja };
const KEY = 'tollgate.lang';

function initialLang(): Lang {
  const saved = localStorage.getItem(KEY);
  if (saved === 'en' || saved === 'zh' || saved === 'ja') return saved;
  const nav = (navigator.language || 'en').toLowerCase();
  if (nav.startsWith('zh')) return 'zh';
  if (nav.startsWith('ja')) return 'ja';
  return 'en';
}

export type T = (text: string, vars?: Record<string, string | number>) => string;
interface I18n {
  lang: Lang;
  setLang(lang: Lang): void;
  t: T;
}

const Ctx = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = useCallback((l: Lang) => {
    localStorage.setItem(KEY, l);
    document.documentElement.lang = l;
    setLangState(l);
  }, []);
  const t = useCallback<T>(
    (text, vars) => {
      let s = DICTS[lang][text] ?? text;
      if (vars) for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
      return s;
    },
    [lang],
  );
  const value = useMemo(() => ({ lang, setLang, t }), [lang, setLang, t]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const c = useContext(Ctx);
  if (!c) throw new Error('I18nProvider missing');
  return c;
}
