import { useCallback, useEffect, useRef, useState } from 'react';
import type { Page } from '../api/types.ts';
import { errorText } from './format.ts';
import { Toast } from './toast.tsx';

/**
 * A paged list: the page number, the current page's rows, `reload`, and `act` (run a change, toast its
 * outcome, reload). An answer that arrives after a newer request was sent is dropped, so a slow page never
 * overwrites the one the user moved to. `deps`: what else the fetch depends on (a search box, a filter);
 * when they change the list starts again at page 1 with nothing selected. Rows can be selected
 * (`rowSelection` for the table, `selected` ids) and acted on together (`batch`).
 */
export function usePagedList<T>(
  fetch: (page: number, size: number) => Promise<Page<T>>,
  deps: unknown[],
  size = 20,
) {
  const [page, setPage] = useState(1);
  const [selected, setSelected] = useState<number[]>([]);
  // new filters: page 1, no selection (set while rendering, so the fetch below runs once, for page 1)
  const [shownDeps, setShownDeps] = useState(deps);
  if (deps.length !== shownDeps.length || deps.some((d, i) => !Object.is(d, shownDeps[i]))) {
    setShownDeps(deps);
    setPage(1);
    setSelected([]);
  }
  const [data, setData] = useState<Page<T>>({ items: [], total: 0, page: 1, page_size: size });
  const latest = useRef(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `fetch` is recreated every render; `deps` say when it changes
  const reload = useCallback(() => {
    const mine = ++latest.current;
    fetch(page, size).then(
      (d) => mine === latest.current && setData(d),
      (e) => mine === latest.current && Toast.error(errorText(e)),
    );
  }, [page, size, ...deps]);
  useEffect(reload, [reload]);
  const act = (fn: () => Promise<unknown>, ok?: string) =>
    fn().then(
      () => {
        if (ok) Toast.success(ok);
        reload();
      },
      (e) => Toast.error(errorText(e)),
    );
  const rowSelection = {
    selectedRowKeys: selected,
    onChange: (keys?: Array<string | number>) => setSelected((keys ?? []).map(Number)),
  };
  /** One request for the selected rows: `done` words the count it answers; the selection clears. */
  const batch = (fn: (ids: number[]) => Promise<number>, done: (n: number) => string) =>
    act(async () => {
      const n = await fn(selected);
      setSelected([]);
      Toast.success(done(n));
    });
  return { page, setPage, data, reload, act, selected, rowSelection, batch };
}
