// Serves the built dashboard (dist/web): known content types, no way out of the directory, revalidated caching.
import { readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { securityHeaders } from './pages.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * Maps a URL path to a file under `root`, or null. Rejects encoded tricks (NUL, backslashes, `..` segments)
 * before normalising, then checks the result is still inside `root`.
 */
export function resolveStatic(root: string, urlPath: string): string | null {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return null; // malformed percent-encoding
  }
  if (rel.includes('\0') || rel.includes('\\') || rel.split('/').some((seg) => seg === '..')) return null;
  if (rel === '/' || rel === '') rel = '/index.html';
  const file = normalize(join(root, rel));
  if (!file.startsWith(root.endsWith(sep) ? root : root + sep)) return null;
  if (!TYPES[extname(file)]) return null;
  return file;
}

/**
 * Sends a file with its content type and an ETag. The page and its assets are revalidated on every load
 * (`no-cache` + ETag → a 304 costs a round trip, never a stale bundle after an upgrade); the HTML itself is
 * not stored at all. `transform` rewrites the text of HTML files (the host label).
 */
export function serveFile(req: IncomingMessage, res: ServerResponse, file: string, csp: string, transform?: (html: string) => string): boolean {
  let st;
  try {
    st = statSync(file);
  } catch {
    return false;
  }
  if (!st.isFile()) return false;
  const type = TYPES[extname(file)]!;
  const isHtml = type.startsWith('text/html');
  const etag = `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
  const headers: Record<string, string> = {
    'Content-Type': type,
    'Cache-Control': isHtml ? 'no-store' : 'no-cache',
    ...securityHeaders(csp),
  };
  if (!isHtml) headers.ETag = etag;
  if (!isHtml && req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return true;
  }
  let body: Buffer = readFileSync(file);
  if (isHtml && transform) body = Buffer.from(transform(body.toString('utf8')));
  headers['Content-Length'] = String(body.length);
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}
