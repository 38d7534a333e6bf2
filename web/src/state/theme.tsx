import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';

type Mode = 'light' | 'dark';
const KEY = 'tollgate.theme';
const Ctx = createContext<{ mode: Mode; toggle(): void }>({ mode: 'light', toggle() {} });

function initialMode(): Mode {
  const saved = localStorage.getItem(KEY);
  if (saved === 'light' || saved === 'dark') return saved;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** Semi UI switches its palette on `body[theme-mode=dark]`. */
export function ThemeProvider({ children }: { children: ReactNode }) {
  const [mode, setMode] = useState<Mode>(initialMode);
  useEffect(() => {
    if (mode === 'dark') document.body.setAttribute('theme-mode', 'dark');
    else document.body.removeAttribute('theme-mode');
  }, [mode]);
  const toggle = () =>
    setMode((m) => {
      const next = m === 'dark' ? 'light' : 'dark';
      localStorage.setItem(KEY, next);
      return next;
    });
  return <Ctx.Provider value={{ mode, toggle }}>{children}</Ctx.Provider>;
}

export const useTheme = () => useContext(Ctx);

/** True below 768 px (phone layout). */
export function useIsMobile(): boolean {
  const query = '(max-width: 767px)';
  const [mobile, setMobile] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const m = window.matchMedia(query);
    const on = () => setMobile(m.matches);
    m.addEventListener('change', on);
    return () => m.removeEventListener('change', on);
  }, []);
  return mobile;
}
