import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console is served by the gateway itself from web/dist; `npm run dev` proxies the API to it.
const api = process.env.TOLLGATE_API ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2500,
    rollupOptions: {
      // Semi UI's barrel re-exports its Markdown renderer (MDX); tree-shaking drops it, but its sources
      // are parsed and warn about directives. Only that warning is silenced.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: {
    proxy: { '/api': api, '/v1': api },
  },
});
