import { Toast as SemiToast } from '@douyinfe/semi-ui';
import { useEffect } from 'react';

/**
 * Semi UI 2's static `Toast.success()` mounts with `ReactDOM.render`, which React 19 removed; its hook
 * works. `<ToastHost />` (in the layout) lends the hook's API to this module-level `Toast`.
 */
type Api = { success(c: { content: string }): string; error(c: { content: string }): string };
let api: Api | null = null;

export const Toast = {
  success: (content: string) => api?.success({ content }),
  error: (content: string) => api?.error({ content }),
};

export function ToastHost() {
  const [toast, holder] = SemiToast.useToast() as [Api, React.ReactElement];
  useEffect(() => {
    api = toast;
    return () => {
      api = null;
    };
  }, [toast]);
  return holder;
}
