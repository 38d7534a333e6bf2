import { Spin } from '@douyinfe/semi-ui';
import { lazy, type ReactNode, Suspense } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { ROLE } from './api/types.ts';
import { Layout } from './components/Layout.tsx';
import { useSession } from './state/session.tsx';

// Every page is its own chunk: the first load carries only the shell.
const Home = lazy(() => import('./pages/Home.tsx'));
const About = lazy(() => import('./pages/About.tsx'));
const Pricing = lazy(() => import('./pages/Pricing.tsx'));
const Login = lazy(() => import('./pages/Login.tsx'));
const Register = lazy(() => import('./pages/Register.tsx'));
const Setup = lazy(() => import('./pages/Setup.tsx'));
const Dashboard = lazy(() => import('./pages/Dashboard.tsx'));
const Logs = lazy(() => import('./pages/Logs.tsx'));
const Tokens = lazy(() => import('./pages/Tokens.tsx'));
const Profile = lazy(() => import('./pages/Profile.tsx'));
const Users = lazy(() => import('./pages/Users.tsx'));
const Channels = lazy(() => import('./pages/Channels.tsx'));
const Redemptions = lazy(() => import('./pages/Redemptions.tsx'));
const Settings = lazy(() => import('./pages/Settings.tsx'));
const Playground = lazy(() => import('./pages/Playground.tsx'));

function Guard({ role, children }: { role: number; children: ReactNode }) {
  const { user } = useSession();
  const location = useLocation();
  if (!user) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname)}`} replace />;
  if (user.role < role) return <Navigate to="/console" replace />;
  return children;
}

export function App() {
  const { ready, status } = useSession();
  const location = useLocation();
  if (!ready) return <Spin size="large" style={{ width: '100%', marginTop: 120 }} />;
  if (status && !status.setup && location.pathname !== '/setup') return <Navigate to="/setup" replace />;
  const user = (el: ReactNode) => <Guard role={ROLE.User}>{el}</Guard>;
  const admin = (el: ReactNode) => <Guard role={ROLE.Admin}>{el}</Guard>;
  return (
    <Layout>
      <Suspense fallback={<Spin size="large" style={{ width: '100%', marginTop: 80 }} />}>
        <Routes>
          <Route path="/" element={<Home />} />
          <Route path="/about" element={<About />} />
          <Route path="/pricing" element={<Pricing />} />
          <Route path="/login" element={<Login />} />
          <Route path="/register" element={<Register />} />
          <Route path="/setup" element={<Setup />} />
          <Route path="/console" element={user(<Dashboard admin={false} />)} />
          <Route path="/console/logs" element={user(<Logs admin={false} />)} />
          <Route path="/console/tokens" element={user(<Tokens />)} />
          <Route path="/console/profile" element={user(<Profile />)} />
          <Route path="/console/playground" element={user(<Playground />)} />
          <Route path="/admin/dashboard" element={admin(<Dashboard admin />)} />
          <Route path="/admin/logs" element={admin(<Logs admin />)} />
          <Route path="/admin/users" element={admin(<Users />)} />
          <Route path="/admin/channels" element={admin(<Channels />)} />
          <Route path="/admin/redemptions" element={admin(<Redemptions />)} />
          <Route path="/admin/settings" element={<Guard role={ROLE.Root}>{<Settings />}</Guard>} />
          <Route path="*" element={<Navigate to="/" replace />} />
        </Routes>
      </Suspense>
    </Layout>
  );
}
