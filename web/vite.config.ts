import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `npm run dev` proxies the API to a running `periscope serve` (PERISCOPE_URL, default :8080).
const api = process.env.PERISCOPE_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react(), tailwindcss()],
  // monaco-yaml's worker imports `monaco-editor/esm/vs/…`, a path monaco-editor's exports map
  // no longer offers (it maps `monaco-editor/*` to `esm/vs/*`): point it at the files.
  resolve: {
    alias: [{ find: /^monaco-editor\/esm\/vs\/(.*)$/, replacement: `${fileURLToPath(new URL('./node_modules/monaco-editor/esm/vs/', import.meta.url))}$1` }],
  },
  build: { outDir: 'dist', emptyOutDir: true, assetsDir: 'assets', sourcemap: false },
  server: { proxy: { '/api': { target: api, changeOrigin: false } } },
  test: { environment: 'happy-dom', include: ['src/**/*.test.{ts,tsx}'] },
});
