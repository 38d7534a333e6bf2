import { useIsMobile } from '../state/theme.tsx';

/** Tables fill the width on desktop and scroll sideways on a phone. */
export function useTableScroll(): { x: string } | undefined {
  return useIsMobile() ? { x: 'max-content' } : undefined;
}
