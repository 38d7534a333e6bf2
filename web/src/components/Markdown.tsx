import DOMPurify from 'dompurify';
import { marked } from 'marked';
import { useMemo } from 'react';

/** Operator content: an `https://` URL is embedded; anything else is Markdown, sanitised. */
export function Markdown({ source, title }: { source: string; title: string }) {
  const trimmed = source.trim();
  const html = useMemo(
    () => (trimmed.startsWith('https://') ? '' : DOMPurify.sanitize(marked.parse(trimmed, { async: false }))),
    [trimmed],
  );
  if (trimmed.startsWith('https://')) return <iframe className="tg-embed" src={trimmed} title={title} />;
  // biome-ignore lint/security/noDangerouslySetInnerHtml: sanitised by DOMPurify above
  return <div className="tg-markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}
