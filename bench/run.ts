/**
 * `npm run bench -- <name> [args…]`: runs `bench/<name>.ts`, which does its own work when imported and
 * prints its results. The list of benchmarks is the files beside this one.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.replace(/\.ts$/, ''));
const name = process.argv[2];
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <name> [args]\navailable: ${available.join(', ') || '(none yet)'}`);
  process.exit(name ? 1 : 0);
}
process.argv.splice(2, 1); // the benchmark sees its own arguments from argv[2]
await import(join(here, `${name}.ts`));
