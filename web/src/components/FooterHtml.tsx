import DOMPurify from 'dompurify';

/** The operator's footer HTML, sanitised (loaded only when a footer is set). */
export default function FooterHtml({ html }: { html: string }) {
  // biome-ignore lint/security/noDangerouslySetInnerHtml: sanitised by DOMPurify
  return <footer className="tg-footer" dangerouslySetInnerHTML={{ __html: DOMPurify.sanitize(html) }} />;
}
