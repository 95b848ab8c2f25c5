// Anthropic Messages API as Claude Code calls it: POST /v1/messages (streaming SSE or one JSON answer) and
// POST /v1/messages/count_tokens. The main turn answers with brain.mjs's decision; side requests (session
// titles, topic checks, quota probes: requests without tools) get a short answer, shaped to the JSON schema
// when the request asks for structured output, so nothing waits on the fake model.
// One extra script word for this dialect: a prompt `fail: STATUS` gets that HTTP status with an Anthropic
// error body (400 is not retried, so the agent shows its API-error line and fires StopFailure).
import { randomBytes } from 'node:crypto';
import { decide, pickShellTool, sleep } from './brain.mjs';

const id = (prefix) => `${prefix}_${randomBytes(12).toString('hex')}`;

/** Text of a message's content, without the <system-reminder> blocks Claude Code adds to user turns. */
function textOf(content) {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((b) => b?.type === 'text' && !/^\s*<system-reminder>/.test(b.text ?? ''))
    .map((b) => b.text)
    .join('\n');
}

function facts(body) {
  const msgs = Array.isArray(body?.messages) ? body.messages : [];
  const last = msgs[msgs.length - 1];
  // A rejected tool's result rides in the same user message as the next prompt: that is a new prompt.
  const lastIsToolResult = Array.isArray(last?.content) && last.content.some((b) => b?.type === 'tool_result') && !textOf(last.content).trim();
  // The prompt that started this turn: the newest user message with text of its own.
  let lastUserText = '';
  for (let i = msgs.length - 1; i >= 0; i--) {
    if (msgs[i].role !== 'user') continue;
    const t = textOf(msgs[i].content);
    if (t.trim()) {
      lastUserText = t;
      break;
    }
  }
  return { lastUserText, lastIsToolResult, msgs };
}

/** A value matching a (small) JSON schema, for structured-output side requests such as session titles. */
function fill(schema, depth = 0) {
  if (!schema || depth > 6) return null;
  if (schema.enum?.length) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === 'object' || schema.properties) {
    const o = {};
    for (const [k, v] of Object.entries(schema.properties ?? {})) o[k] = fill(v, depth + 1);
    return o;
  }
  if (type === 'array') return [];
  if (type === 'boolean') return false;
  if (type === 'number' || type === 'integer') return 0;
  return 'Fake session';
}

/** Arguments for the shell tool, built from its input schema (Claude Code's Bash wants command + description). */
function shellInput(tool, command) {
  const props = tool?.input_schema?.properties ?? {};
  const input = {};
  const cmdKey = ['command', 'cmd'].find((k) => k in props) ?? 'command';
  input[cmdKey] = command;
  if ('description' in props) input.description = `Run ${command}`.slice(0, 80);
  return input;
}

function plan(body) {
  const tools = Array.isArray(body?.tools) ? body.tools : [];
  const schema = body?.output_format?.schema ?? body?.output_config?.format?.schema;
  if (schema) return { kind: 'text', text: JSON.stringify(fill(schema)), chunks: null, delayMs: 0, side: true };
  const f = facts(body);
  if (!tools.length) {
    // Side request (title, topic, quota probe): a short plain answer, never a tool call.
    return { kind: 'text', text: 'Fake session', chunks: null, delayMs: 0, side: true };
  }
  const d = decide({ lastUserText: f.lastUserText, lastIsToolResult: f.lastIsToolResult });
  if (d.kind === 'tool') {
    const name = pickShellTool(tools.map((t) => t.name));
    if (!name) return { kind: 'text', text: `No shell tool offered; would run: ${d.command}`, chunks: null, delayMs: 0 };
    return { kind: 'tool', name, input: shellInput(tools.find((t) => t.name === name), d.command) };
  }
  return d;
}

function usage(body, out) {
  const inTokens = Math.max(1, Math.round(JSON.stringify(body?.messages ?? '').length / 4));
  return { input_tokens: inTokens, output_tokens: out, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
}

export async function handle(req, res, body, { path, log }) {
  if (path.endsWith('/count_tokens')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ input_tokens: usage(body, 0).input_tokens }));
    return;
  }
  const fail = Array.isArray(body?.tools) && body.tools.length ? facts(body).lastUserText.match(/\bfail:\s*(\d{3})\b/) : null;
  if (fail) {
    const status = Number(fail[1]);
    log(`anthropic: failing with ${status}`);
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': id('req') });
    res.end(JSON.stringify({ type: 'error', error: { type: status === 400 ? 'invalid_request_error' : 'api_error', message: `fake model: scripted failure ${status}` } }));
    return;
  }
  const p = plan(body);
  const model = body?.model ?? 'claude-fake';
  const msgId = id('msg');
  log(`anthropic: ${body?.stream ? 'stream' : 'json'} ${p.side ? 'side' : p.kind}${p.kind === 'tool' ? ` ${p.name} ${JSON.stringify(p.input)}` : ''}`);
  const block =
    p.kind === 'tool' ? { type: 'tool_use', id: id('toolu'), name: p.name, input: p.input } : { type: 'text', text: p.text };
  const stopReason = p.kind === 'tool' ? 'tool_use' : 'end_turn';
  const outTokens = p.kind === 'tool' ? 20 : Math.max(1, Math.round(p.text.length / 4));

  if (!body?.stream) {
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': id('req') });
    res.end(
      JSON.stringify({
        id: msgId,
        type: 'message',
        role: 'assistant',
        model,
        content: [block],
        stop_reason: stopReason,
        stop_sequence: null,
        usage: usage(body, outTokens),
      }),
    );
    return;
  }

  let closed = false;
  res.on('close', () => {
    closed = true;
  });
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'request-id': id('req') });
  const send = (type, data) => {
    if (!closed) res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  };
  send('message_start', {
    message: { id: msgId, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: usage(body, 1) },
  });
  if (p.kind === 'tool') {
    send('content_block_start', { index: 0, content_block: { ...block, input: {} } });
    const json = JSON.stringify(p.input);
    const cut = Math.ceil(json.length / 2);
    for (const part of [json.slice(0, cut), json.slice(cut)]) send('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: part } });
  } else {
    send('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    send('ping', {});
    const chunks = p.chunks ?? [p.text];
    for (let i = 0; i < chunks.length && !closed; i++) {
      if (i && p.delayMs) await sleep(p.delayMs);
      send('content_block_delta', { index: 0, delta: { type: 'text_delta', text: chunks[i] } });
    }
  }
  send('content_block_stop', { index: 0 });
  send('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outTokens } });
  send('message_stop', {});
  if (!closed) res.end();
}
