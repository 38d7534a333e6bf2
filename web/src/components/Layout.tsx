import { IconChevronDown, IconMenu, IconMoon, IconSun } from '@douyinfe/semi-icons';
import { Button, Dropdown, Select, SideSheet } from '@douyinfe/semi-ui';
import { lazy, type ReactNode, Suspense, useState } from 'react';
import { Link, NavLink, useLocation, useNavigate } from 'react-router-dom';
import { LANGS, type Lang, useI18n } from '../i18n/index.tsx';
import { ToastHost } from '../lib/toast.tsx';
import { useSession } from '../state/session.tsx';
import { useIsMobile, useTheme } from '../state/theme.tsx';
import { NoticeModal } from './NoticeModal.tsx';
import { NAV_ITEMS } from './nav-items.ts';
import { SemiLocale } from './SemiLocale.tsx';

const FooterHtml = lazy(() => import('./FooterHtml.tsx'));

/**
 * The admin pages in one menu of the header (the bar held 14 links and scrolled sideways at 1280 px):
 * its button is marked while one of them is open, and names it.
 */
function AdminMenu({ items }: { items: typeof NAV_ITEMS }) {
  const { t } = useI18n();
  const { pathname } = useLocation();
  const navigate = useNavigate();
  const current = items.find((i) => i.to === pathname);
  return (
    <Dropdown
      trigger="click"
      position="bottomLeft"
      render={
        <Dropdown.Menu>
          {items.map((i) => (
            <Dropdown.Item key={i.to} active={i.to === pathname} onClick={() => navigate(i.to)}>
              {t(i.label)}
            </Dropdown.Item>
          ))}
        </Dropdown.Menu>
      }
    >
      <button type="button" className={`tg-menu${current ? ' active' : ''}`} aria-haspopup="menu">
        {current ? `${t('Admin')} · ${t(current.label)}` : t('Admin')}
        <IconChevronDown size="small" />
      </button>
    </Dropdown>
  );
}

function Links({ vertical, onPick }: { vertical: boolean; onPick?: () => void }) {
  const { t } = useI18n();
  const { user } = useSession();
  const role = user?.role ?? 0;
  const items = NAV_ITEMS.filter((i) => i.role <= role);
  if (!vertical) {
    const admin = items.filter((i) => i.section === 'admin');
    return (
      <nav className="tg-links">
        {items
          .filter((i) => i.section !== 'admin')
          .map((i) => (
            <NavLink key={i.to} to={i.to} end>
              {t(i.label)}
            </NavLink>
          ))}
        {admin.length > 0 && <AdminMenu items={admin} />}
      </nav>
    );
  }
  return (
    <nav className="tg-side">
      {items.map((i, n) => (
        <span key={i.to} style={{ display: 'contents' }}>
          {(n === 0 || items[n - 1]!.section !== i.section) && (
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
