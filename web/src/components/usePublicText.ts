import { useEffect, useState } from 'react';
import { api } from '../api/client.ts';

/** A public Markdown-or-URL option (`/api/about`, `/api/home_page_content`); null while loading. */
export function usePublicText(path: string): string | null {
  const [text, setText] = useState<string | null>(null);
  useEffect(() => {
    api.get<string>(path).then(
      (s) => setText(s ?? ''),
      () => setText(''),
    );
  }, [path]);
  return text;
}
