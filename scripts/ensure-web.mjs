// `npm start` serves the console: build it first when web/dist is missing (vite build takes seconds).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync('web/dist/index.html')) {
  console.log('web/dist is missing: building the web console (npm run build:web)');
  const r = spawnSync('npm', ['run', 'build:web'], { stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
