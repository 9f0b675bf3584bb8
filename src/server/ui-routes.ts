/**
 * The web UI: the single-page app built by Vite into `dist/ui`, served by the gateway itself at
 * `/ui` (no second server). Files under `assets/` carry a content hash in their names, so they are
 * cached for a year; every other path under `/ui` is a page of the app and answers `index.html`,
 * never cached, so a new build reaches browsers at once. Without a build (running from the
 * sources) `/ui` says how to make one instead of answering a bare 404.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** `dist/ui` of this package: two folders up from both `src/server` and `dist/server`. */
export const DEFAULT_UI_ROOT = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'dist',
  'ui',
);

const ASSET_CACHE = 'public, max-age=31536000, immutable';
/**
 * The pages fetch only their own origin; inline styles are needed by the chart library. No
 * framing at all: the pages hold buttons that change keys and users (clickjacking).
 */
const PAGE_POLICY =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

const NOT_BUILT = `The Tollgate web UI is not built.

Build it with \`npm run build\` (or only the UI: \`npm run build:ui\`), then restart the gateway.
`;

export interface UiRouteOptions {
  /** The folder holding the built app (`index.html`, `assets/`); `dist/ui` by default. */
  root?: string;
}

export function registerUiRoutes(app: FastifyInstance, options: UiRouteOptions = {}): void {
  const root = options.root ?? DEFAULT_UI_ROOT;
  app.register(async (scope) => {
    await scope.register(fastifyStatic, { root, serve: false });
    const serve = async (request: FastifyRequest, reply: FastifyReply) => {
      if (!existsSync(join(root, 'index.html'))) {
        return reply.code(503).type('text/plain; charset=utf-8').send(NOT_BUILT);
      }
      const wanted = (request.params as { '*'?: string })['*'] ?? '';
      const file = builtFile(root, wanted);
      if (file && file !== 'index.html') {
        if (file.split(sep)[0] === 'assets') reply.header('cache-control', ASSET_CACHE);
        return reply.sendFile(file, root, { cacheControl: false });
      }
      // A missing hashed asset is a stale page asking for an old build: a 404, not the app.
      if (wanted.startsWith('assets/')) return reply.code(404).send({ detail: 'Not Found' });
      reply.header('cache-control', 'no-cache');
      reply.header('content-security-policy', PAGE_POLICY);
      reply.header('x-frame-options', 'DENY');
      reply.header('referrer-policy', 'same-origin');
      return reply.sendFile('index.html', root, { cacheControl: false });
    };
    scope.get('/ui', serve);
    scope.get('/ui/*', serve);
  });
}

/** `wanted` as a path relative to `root` when it names a file of the build (never outside it). */
function builtFile(root: string, wanted: string): string | undefined {
  if (wanted === '' || wanted.includes('\0')) return undefined;
  const path = resolve(root, wanted);
  if (!path.startsWith(root + sep)) return undefined;
  try {
    return statSync(path).isFile() ? relative(root, path) : undefined;
  } catch {
    return undefined;
  }
}
