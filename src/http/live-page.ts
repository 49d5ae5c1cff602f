import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * `/`: the live occupancy page, plain HTML and small ES modules from `live-page/`, plus the
 * graphql-ws browser client from its package, so the page needs no build step and no CDN.
 * Everything is read once, when the routes are registered.
 */

const ASSET_DIR = fileURLToPath(new URL('./live-page/', import.meta.url));
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

interface Asset {
  body: Buffer;
  contentType: string;
}

function readAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(ASSET_DIR)) {
    const contentType = CONTENT_TYPES[extname(name)];
    if (contentType) assets.set(name, { body: readFileSync(join(ASSET_DIR, name)), contentType });
  }
  // The UMD build is one file with no imports; the ESM build imports a content-hashed sibling.
  const graphqlWsDir = dirname(createRequire(import.meta.url).resolve('graphql-ws/package.json'));
  assets.set('graphql-ws.js', { body: readFileSync(join(graphqlWsDir, 'umd', 'graphql-ws.min.js')), contentType: CONTENT_TYPES['.js']! });
  return assets;
}

function send(reply: FastifyReply, asset: Asset, host: string | undefined) {
  // Same-origin only; WebSocket URLs are named explicitly because older browsers do not count ws: as 'self'.
  const sockets = host && /^[\w.:[\]-]+$/.test(host) ? ` ws://${host} wss://${host}` : '';
  return reply
    .header('content-type', asset.contentType)
    .header('cache-control', 'no-cache')
    .header('x-content-type-options', 'nosniff')
    .header(
      'content-security-policy',
      `default-src 'self'; connect-src 'self'${sockets}; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    )
    .send(asset.body);
}

export function livePageRoutes(options: { tokenRequired: boolean }) {
  return async function register(app: FastifyInstance): Promise<void> {
    const assets = readAssets();
    const html = assets.get('index.html')!;
    // The page asks for a token before its first request when the service needs one, instead of
    // being refused (and logging a failed request in the browser).
    const page = { ...html, body: Buffer.from(html.body.toString('utf8').replace('<html lang="en">', `<html lang="en" data-token-required="${options.tokenRequired}">`)) };
    app.get('/', (request, reply) => send(reply, page, request.headers.host));
    app.get<{ Params: { file: string } }>('/live/:file', (request, reply) => {
      const asset = request.params.file === 'index.html' ? undefined : assets.get(request.params.file);
      if (!asset) return reply.code(404).send({ error: 'not_found' });
      return send(reply, asset, request.headers.host);
    });
  };
}
