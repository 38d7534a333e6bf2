import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

// The console is served by the gateway itself from web/dist; `npm run dev` proxies the API to it.
const api = process.env.TOLLGATE_API ?? 'http://127.0.0.1:3000';

const compat = `${import.meta.dirname}/src/compat/react-dom.ts`;

/** Semi UI 2 imports react-dom APIs that React 19 removed: its imports (only) get the shim. */
function semiReact19(): Plugin {
  return {
    name: 'semi-react19-compat',
    enforce: 'pre',
    resolveId(source, importer) {
      if (source === 'react-dom' && importer?.includes('/@douyinfe/')) return compat;
      return null;
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  plugins: [semiReact19(), react()],
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
