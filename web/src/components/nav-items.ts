import { ROLE } from '../api/types.ts';

export interface NavItem {
  to: string;
  label: string;
  /** minimum role; 0 = public */
  role: number;
  section: 'public' | 'user' | 'admin';
}

export const NAV_ITEMS: NavItem[] = [
  { to: '/', label: 'Home', role: 0, section: 'public' },
  { to: '/pricing', label: 'Pricing', role: 0, section: 'public' },
  { to: '/about', label: 'About', role: 0, section: 'public' },
  { to: '/console', label: 'Dashboard', role: ROLE.User, section: 'user' },
  { to: '/console/logs', label: 'Logs', role: ROLE.User, section: 'user' },
  { to: '/console/tokens', label: 'Tokens', role: ROLE.User, section: 'user' },
  { to: '/console/playground', label: 'Playground', role: ROLE.User, section: 'user' },
  { to: '/console/profile', label: 'Profile', role: ROLE.User, section: 'user' },
  { to: '/admin/dashboard', label: 'All usage', role: ROLE.Admin, section: 'admin' },
  { to: '/admin/logs', label: 'All logs', role: ROLE.Admin, section: 'admin' },
  { to: '/admin/users', label: 'Users', role: ROLE.Admin, section: 'admin' },
  { to: '/admin/channels', label: 'Channels', role: ROLE.Admin, section: 'admin' },
  { to: '/admin/redemptions', label: 'Redemption', role: ROLE.Admin, section: 'admin' },
  { to: '/admin/settings', label: 'Settings', role: ROLE.Root, section: 'admin' },
];
