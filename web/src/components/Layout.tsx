import { IconMenu, IconMoon, IconSun } from '@douyinfe/semi-icons';
import { Button, Select, SideSheet } from '@douyinfe/semi-ui';
import { lazy, type ReactNode, Suspense, useState } from 'react';
import { Link, NavLink, useNavigate } from 'react-router-dom';
import { LANGS, type Lang, useI18n } from '../i18n/index.tsx';
import { ToastHost } from '../lib/toast.tsx';
import { useSession } from '../state/session.tsx';
import { useIsMobile, useTheme } from '../state/theme.tsx';
import { NoticeModal } from './NoticeModal.tsx';
import { NAV_ITEMS } from './nav-items.ts';
import { SemiLocale } from './SemiLocale.tsx';

const FooterHtml = lazy(() => import('./FooterHtml.tsx'));

function Links({ vertical, onPick }: { vertical: boolean; onPick?: () => void }) {
  const { t } = useI18n();
  const { user } = useSession();
  const role = user?.role ?? 0;
  const items = NAV_ITEMS.filter((i) => i.role <= role);
  return (
    <nav className={vertical ? 'tg-side' : 'tg-links'}>
      {items.map((i, n) => (
        <span key={i.to} style={{ display: 'contents' }}>
          {vertical && (n === 0 || items[n - 1]!.section !== i.section) && (
            <div className="tg-side-title">
              {t(i.section === 'public' ? 'Site' : i.section === 'user' ? 'Console' : 'Admin')}
            </div>
          )}
          <NavLink to={i.to} end onClick={onPick}>
            {t(i.label)}
          </NavLink>
        </span>
      ))}
    </nav>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const { t, lang, setLang } = useI18n();
  const { status, user, signOut } = useSession();
  const { mode, toggle } = useTheme();
  const mobile = useIsMobile();
  const [open, setOpen] = useState(false);
  const navigate = useNavigate();
  const name = status?.system_name || 'Tollgate';
  return (
    <SemiLocale>
      <header className="tg-header">
        {mobile && (
          <Button icon={<IconMenu />} theme="borderless" aria-label="menu" onClick={() => setOpen(true)} />
        )}
        <Link to="/" className="tg-brand">
          {status?.logo && <img src={status.logo} alt="" />}
          {name}
        </Link>
        {!mobile && <Links vertical={false} />}
        <div className="tg-tools">
          <Select
            size="small"
            value={lang}
            onChange={(v) => setLang(v as Lang)}
            optionList={mobile ? LANGS.map((l) => ({ value: l.value, label: l.value.toUpperCase() })) : LANGS}
            style={{ width: mobile ? 76 : 100 }}
            aria-label="language"
            className="tg-lang"
          />
          <Button
            theme="borderless"
            icon={mode === 'dark' ? <IconSun /> : <IconMoon />}
            onClick={toggle}
            aria-label={t('Toggle theme')}
          />
          {user ? (
            <Button
              size="small"
              onClick={async () => {
                await signOut();
                navigate('/login');
              }}
            >
              {t('Log out')}
            </Button>
          ) : (
            <Button size="small" theme="solid" onClick={() => navigate('/login')}>
              {t('Log in')}
            </Button>
          )}
        </div>
      </header>
      <SideSheet visible={open} placement="left" width={240} title={name} onCancel={() => setOpen(false)}>
        <Links vertical onPick={() => setOpen(false)} />
      </SideSheet>
      <main className="tg-main">{children}</main>
      {status?.footer_html ? (
        <Suspense fallback={null}>
          <FooterHtml html={status.footer_html} />
        </Suspense>
      ) : (
        <footer className="tg-footer">
          {name} {status?.version}
        </footer>
      )}
      <NoticeModal />
      <ToastHost />
    </SemiLocale>
  );
}
