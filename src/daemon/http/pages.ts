// The few pages the daemon writes itself (everything else is the built dashboard in dist/web).
import type { ServerResponse } from 'node:http';

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Headers on every answer: no framing, no sniffing, no referrer (a login URL must not leak), no CORS. */
export function securityHeaders(extraConnect = ''): Record<string, string> {
  return {
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    // xterm.js sets inline styles; everything else comes from this origin only.
    'Content-Security-Policy': `default-src 'self'; connect-src 'self'${extraConnect}; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
  };
}

export interface PageOptions {
  status: number;
  title: string;
  /** Plain text paragraphs; `code` spans in backticks. */
  lines: string[];
  headers?: Record<string, string>;
  /** Head extras (trusted markup only). */
  head?: string;
}

export function sendPage(res: ServerResponse, o: PageOptions): void {
  const body = o.lines.map((l) => `<p>${escapeHtml(l).replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`).join('\n');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(o.title)} · codewire</title>${o.head ?? ''}
<style>body{font:15px/1.5 system-ui,sans-serif;background:#0f1115;color:#d8dee9;max-width:42rem;margin:4rem auto;padding:0 1rem}
h1{font-size:1.3rem}code{background:#1c2029;padding:.1em .35em;border-radius:4px}a{color:#88c0d0}</style></head>
<body><h1>${escapeHtml(o.title)}</h1>
${body}
</body></html>
`;
  res.writeHead(o.status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Cache-Control': 'no-store',
    ...securityHeaders(),
    ...o.headers,
  });
  res.end(html);
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', ...securityHeaders(), ...headers });
  res.end(text);
}
