// Builds the web UI into dist/ui, which the gateway serves at /ui (src/server/ui-routes.ts).
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/ui/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    // The charts are the bulk of the bundle; one chunk keeps the first page a single request.
    chunkSizeWarningLimit: 1200,
    sourcemap: false,
  },
  server: {
    // `npm run dev:ui` next to a gateway on :4000: the app's API calls go to the gateway.
    proxy: Object.fromEntries(
      [
        '/login',
        '/logout',
        '/session',
        '/onboarding',
        '/invitation',
        '/key',
        '/user',
        '/team',
        '/spend',
        '/global',
        '/v1',
        '/model',
        '/audit',
      ].map((path) => [path, 'http://127.0.0.1:4000']),
    ),
  },
});
