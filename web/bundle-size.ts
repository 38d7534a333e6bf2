// The weight of the first page load: every JS and CSS file index.html references (entry, modulepreloads,
// stylesheets), raw and gzip -9. Lazy chunks (pages, charts) are not counted.
//   npm run build:web && node --import tsx web/bundle-size.ts [dist dir]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export interface BundleSize {
  files: number;
  rawBytes: number;
  gzipBytes: number;
}

export function initialBundleSize(dist: string): BundleSize {
  const html = readFileSync(`${dist}/index.html`, 'utf8');
  const files = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
  let rawBytes = 0;
  let gzipBytes = 0;
  for (const f of files) {
    const bytes = readFileSync(`${dist}/${f}`);
    rawBytes += bytes.length;
    gzipBytes += gzipSync(bytes, { level: 9 }).length;
  }
  return { files: files.length, rawBytes, gzipBytes };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dist = process.argv[2] ?? fileURLToPath(new URL('./dist', import.meta.url));
  const s = initialBundleSize(dist);
  const kb = (n: number) => (n / 1024).toFixed(1);
  console.log(`initial load: ${s.files} files, ${kb(s.rawBytes)} kB raw, ${kb(s.gzipBytes)} kB gzip`);
}
