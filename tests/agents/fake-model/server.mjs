#!/usr/bin/env node
// A small fake model server on loopback that speaks the APIs the real agents use, so Claude Code, Codex,
// Gemini CLI and opencode run offline, for the capture kit and the end-to-end tests. One server, routed by
// path; each dialect lives in its own module and answers with brain.mjs's decision:
//   POST /v1/messages                         Anthropic Messages (Claude Code)          anthropic.mjs
//   POST /v1/responses                        OpenAI Responses (Codex)                   openai-responses.mjs
//   POST /v1/chat/completions                 OpenAI Chat Completions (opencode)         openai-chat.mjs
//   POST /v1beta/models/M:streamGenerateContent, :generateContent, :countTokens  (Gemini CLI)  gemini.mjs
// Anything else is logged and answered 404 with a JSON error, so an agent's optional calls fail fast.
//
//   node tests/agents/fake-model/server.mjs [--port N]     prints the base URL, serves until killed
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

const DIALECTS = [
  { match: (p) => p.endsWith('/v1/messages') || p.endsWith('/messages'), module: './anthropic.mjs' },
  { match: (p) => p.endsWith('/responses'), module: './openai-responses.mjs' },
  { match: (p) => p.endsWith('/chat/completions'), module: './openai-chat.mjs' },
  { match: (p) => /\/models\/[^/]+:(?:stream)?[gG]enerateContent$|:countTokens$/.test(p), module: './gemini.mjs' },
];

/**
 * @param {{ port?: number, log?: (line: string) => void }} [opts]
 * @returns {Promise<{ url: string, port: number, requests: Array<{method: string, path: string, body: unknown}>, close: () => Promise<void> }>}
 */
export async function startFakeModel(opts = {}) {
  const log = opts.log ?? (() => {});
  const requests = [];
  const modules = new Map();
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body = null;
    try {
      body = raw ? JSON.parse(raw) : null;
    } catch {
      body = raw;
    }
    const path = (req.url ?? '/').split('?')[0];
    requests.push({ method: req.method, path, body });
    const dialect = req.method === 'POST' ? DIALECTS.find((d) => d.match(path)) : undefined;
    if (!dialect) {
      log(`fake model: no route for ${req.method} ${req.url}`);
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { type: 'not_found', message: `fake model has no ${req.method} ${path}` } }));
      return;
    }
    try {
      let mod = modules.get(dialect.module);
      if (!mod) {
        mod = await import(/* @vite-ignore */ new URL(dialect.module, import.meta.url).href);
        modules.set(dialect.module, mod);
      }
      await mod.handle(req, res, body, { path, log });
    } catch (err) {
      log(`fake model: ${path} failed: ${err.stack ?? err}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { type: 'fake_model_error', message: String(err.message ?? err) } }));
    }
  });
  await new Promise((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  const port = server.address().port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections?.();
        server.close(() => r());
      }),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf('--port');
  const s = await startFakeModel({ port: i > 0 ? Number(process.argv[i + 1]) : 0, log: (l) => process.stderr.write(l + '\n') });
  process.stdout.write(s.url + '\n');
}
