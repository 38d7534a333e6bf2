import { useEffect, useState } from 'react';
import { publicInfo } from '../api/endpoints.ts';

/** A public Markdown-or-URL option (`/api/about`, `/api/home_page_content`); null while loading. */
export function usePublicText(which: 'about' | 'homePage'): string | null {
  const [text, setText] = useState<string | null>(null);
  useEffect(() => {
    publicInfo[which]().then(
      (s) => setText(s ?? ''),
      () => setText(''),
    );
  }, [which]);
  return text;
}
