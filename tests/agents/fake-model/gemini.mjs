// Gemini API dialect (Gemini CLI): POST /v1beta/models/MODEL:streamGenerateContent?alt=sse,
// :generateContent and :countTokens. The main turn streams SSE chunks of GenerateContentResponse; the CLI's
// side requests (next-speaker check, model router, loop check, session summary) ask for JSON through
// generationConfig.responseJsonSchema and get an object built from that schema.
import { decide, pickShellTool, sleep } from './brain.mjs';

/** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
export async function handle(req, res, body, { path, log }) {
  const method = path.slice(path.lastIndexOf(':') + 1);
  const model = decodeURIComponent(path.match(/\/models\/([^/:]+)/)?.[1] ?? 'gemini-fake');
  const contents = Array.isArray(body?.contents) ? body.contents : [];

  if (method === 'countTokens') return json(res, { totalTokens: estimateTokens(contents) });

  const gen = body?.generationConfig ?? {};
  const schema = gen.responseJsonSchema ?? gen.responseSchema;
  let parts;
  if (schema || gen.responseMimeType === 'application/json') {
    parts = [{ text: JSON.stringify(fromSchema(schema ?? { type: 'object' }, '')) }];
    return reply(res, method, model, contents, [{ parts, delayMs: 0 }]);
  }

  const convo = conversation(contents);
  const extra = convo.lastIsToolResult ? undefined : geminiTool(convo.lastUserText, toolDeclarations(body));
  if (extra) return reply(res, method, model, contents, [{ parts: [{ functionCall: extra }], delayMs: 0 }]);
  const d = decide(convo);
  if (d.kind === 'tool') {
    const tools = toolDeclarations(body);
    const name = pickShellTool(tools.map((t) => t.name));
    if (!name) {
      parts = [{ text: `No shell tool offered; would run: ${d.command}` }];
      return reply(res, method, model, contents, [{ parts, delayMs: 0 }]);
    }
    const decl = tools.find((t) => t.name === name);
    const args = shellArgs(decl, d.command);
    return reply(res, method, model, contents, [{ parts: [{ functionCall: { name, args } }], delayMs: 0 }]);
  }
  const steps = d.chunks.map((c) => ({ parts: [{ text: c }], delayMs: d.delayMs }));
  return reply(res, method, model, contents, steps);
}

/**
 * Two scripts beyond brain.mjs for Gemini's own dialogs: `ask: QUESTION` calls its ask_user tool (a question box),
 * `write: FILE TEXT` calls write_file (an "Apply this change?" box). Their results get brain's follow-up answer.
 */
function geminiTool(prompt, tools) {
  const has = (n) => tools.some((t) => t.name === n);
  const ask = prompt.match(/\bask:\s*(.+?)\s*$/m);
  if (ask && has('ask_user'))
    return {
      name: 'ask_user',
      args: {
        questions: [
          {
            question: ask[1],
            header: 'Choice',
            type: 'choice',
            options: [
              { label: 'Red', description: 'The first option' },
              { label: 'Blue', description: 'The second option' },
            ],
          },
        ],
      },
    };
  const write = prompt.match(/\bwrite:\s*(\S+)\s+(.+?)\s*$/m);
  if (write && has('write_file')) return { name: 'write_file', args: { file_path: write[1], content: write[2] + '\n' } };
  return undefined;
}

/** The last real user prompt, and whether the newest turn is a tool result. */
function conversation(contents) {
  const last = contents[contents.length - 1];
  const lastIsToolResult = !!last?.parts?.some((p) => p.functionResponse);
  let lastUserText = '';
  for (let i = contents.length - 1; i >= 0; i--) {
    const c = contents[i];
    if (c.role !== 'user') continue;
    // The CLI prepends a <session_context> part to the first prompt: not the user's words.
    const text = (c.parts ?? [])
      .filter((p) => typeof p.text === 'string' && !p.thought && !p.text.startsWith('<session_context>'))
      .map((p) => p.text)
      .join('\n');
    if (text.trim()) {
      lastUserText = text;
      break;
    }
  }
  const toolResultText = lastIsToolResult ? JSON.stringify(last.parts.find((p) => p.functionResponse).functionResponse.response) : undefined;
  return { lastUserText, lastIsToolResult, toolResultText };
}

function toolDeclarations(body) {
  const out = [];
  for (const t of body?.tools ?? []) for (const f of t.functionDeclarations ?? []) out.push(f);
  return out;
}

/** Arguments for the shell tool: the command, plus a filler for any other required property. */
function shellArgs(decl, command) {
  const schema = decl?.parametersJsonSchema ?? decl?.parameters ?? {};
  const props = schema.properties ?? {};
  const args = { command };
  for (const req of schema.required ?? []) {
    if (req in args) continue;
    args[req] = fromSchema(props[req] ?? { type: 'string' }, req);
  }
  if ('description' in props && !('description' in args)) args.description = `Run ${command}`;
  return args;
}

/** A value that satisfies a JSON schema, leaning on answers that end the turn (next speaker: user). */
function fromSchema(s, key) {
  const type = String(s?.type ?? (s?.properties ? 'object' : 'string')).toLowerCase();
  if (Array.isArray(s?.enum) && s.enum.length) {
    for (const pref of ['user', 'flash', 'false', 'none']) if (s.enum.includes(pref)) return pref;
    return s.enum[0];
  }
  switch (type) {
    case 'object': {
      const o = {};
      for (const [k, v] of Object.entries(s?.properties ?? {})) o[k] = fromSchema(v, k);
      return o;
    }
    case 'array':
      return [];
    case 'boolean':
      return false;
    case 'number':
    case 'integer':
      return key.toLowerCase().includes('confidence') ? 0 : 1;
    default:
      return key ? `fake ${key}` : 'fake';
  }
}

function estimateTokens(contents) {
  return Math.max(1, Math.ceil(JSON.stringify(contents).length / 4));
}

function chunk(model, parts, { last, promptTokens, outTokens }) {
  const c = { content: { role: 'model', parts }, index: 0 };
  if (last) c.finishReason = 'STOP';
  const r = { candidates: [c], modelVersion: model, responseId: 'fake-' + Date.now().toString(36) };
  if (last) r.usageMetadata = { promptTokenCount: promptTokens, candidatesTokenCount: outTokens, totalTokenCount: promptTokens + outTokens };
  return r;
}

async function reply(res, method, model, contents, steps) {
  const promptTokens = estimateTokens(contents);
  const outTokens = Math.max(1, Math.ceil(JSON.stringify(steps).length / 8));
  if (method === 'streamGenerateContent') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    for (let i = 0; i < steps.length; i++) {
      if (i && steps[i].delayMs) await sleep(steps[i].delayMs);
      if (res.destroyed) return; // the agent cancelled (Esc)
      res.write(`data: ${JSON.stringify(chunk(model, steps[i].parts, { last: i === steps.length - 1, promptTokens, outTokens }))}\r\n\r\n`);
    }
    res.end();
    return;
  }
  // generateContent: one response with every part merged (text parts joined).
  const merged = [];
  for (const s of steps)
    for (const p of s.parts) {
      const prev = merged[merged.length - 1];
      if (p.text !== undefined && prev?.text !== undefined) prev.text += p.text;
      else merged.push({ ...p });
    }
  json(res, chunk(model, merged, { last: true, promptTokens, outTokens }));
}

function json(res, obj) {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(obj));
}
