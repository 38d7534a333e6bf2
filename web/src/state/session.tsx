import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { setUnauthorizedHandler, storedUserId, storeUserId } from '../api/client.ts';
import { session } from '../api/endpoints.ts';
import type { SessionUser, Status } from '../api/types.ts';

interface Session {
  status: Status | null;
  user: SessionUser | null;
  /** false until /api/status and /api/user/self have answered once */
  ready: boolean;
  refreshStatus(): Promise<void>;
  signIn(user: SessionUser): void;
  signOut(): Promise<void>;
}

const Ctx = createContext<Session | null>(null);
const USER_CACHE = 'tollgate.user';

function cachedUser(): SessionUser | null {
  if (!storedUserId()) return null;
  try {
    return JSON.parse(localStorage.getItem(USER_CACHE) ?? 'null') as SessionUser | null;
  } catch {
    return null;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<Status | null>(null);
  const [user, setUser] = useState<SessionUser | null>(cachedUser);
  const [ready, setReady] = useState(false);

  const forget = useCallback(() => {
    storeUserId(null);
    localStorage.removeItem(USER_CACHE);
    setUser(null);
  }, []);

  const refreshStatus = useCallback(async () => {
    const s = await session.status();
    setStatus(s);
    if (s.system_name) document.title = s.system_name;
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(forget);
    const self = storedUserId()
      ? session.self().then(
          (u) => {
            setUser(u);
            localStorage.setItem(USER_CACHE, JSON.stringify(u));
          },
          () => forget(),
        )
      : Promise.resolve();
    Promise.allSettled([refreshStatus(), self]).then(() => setReady(true));
  }, [forget, refreshStatus]);

  const signIn = useCallback((u: SessionUser) => {
    storeUserId(u.id);
    localStorage.setItem(USER_CACHE, JSON.stringify(u));
    setUser(u);
  }, []);

  const signOut = useCallback(async () => {
    await session.logout().catch(() => undefined);
    forget();
  }, [forget]);

  const value = useMemo(
    () => ({ status, user, ready, refreshStatus, signIn, signOut }),
    [status, user, ready, refreshStatus, signIn, signOut],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useSession(): Session {
  const c = useContext(Ctx);
  if (!c) throw new Error('SessionProvider missing');
  return c;
}
