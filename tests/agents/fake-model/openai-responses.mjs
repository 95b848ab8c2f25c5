// OpenAI Responses API (POST /v1/responses), as Codex calls it: streamed as SSE when `stream: true`, one JSON
// response object otherwise. The answer comes from brain.mjs: plain text (streamed in chunks), a call to the
// agent's shell tool, or the follow-up after the tool's output. `/responses/compact` and other side calls get a
// short sane answer so nothing hangs.
import { randomUUID } from 'node:crypto';
import { decide, pickShellTool, sleep } from './brain.mjs';

/** Text of a message item's content (input_text / output_text / plain string). */
function textOf(content) {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((c) => (typeof c === 'string' ? c : (c?.text ?? ''))).join('\n');
}

// Codex also sends its own context as user messages (environment, AGENTS.md, skills); those are not prompts.
const CONTEXT_MESSAGE = /^\s*(<environment_context>|<user_instructions>|<permissions instructions>|<skills_instructions>|<turn_aborted>|# AGENTS\.md instructions|<INSTRUCTIONS>|<user_shell_command>|<collaboration_mode>|<model_switch>|<personality_spec>)/;
const TOOL_OUTPUT = new Set(['function_call_output', 'custom_tool_call_output', 'local_shell_call_output', 'tool_search_output', 'mcp_tool_call_output']);

/** The facts brain.decide() wants, read from a Responses `input` array. */
export function conversation(body) {
  const input = Array.isArray(body?.input) ? body.input : typeof body?.input === 'string' ? [{ type: 'message', role: 'user', content: body.input }] : [];
  let lastUser = -1;
  let lastUserText = '';
  let lastTool = -1;
  let toolResultText;
  input.forEach((item, i) => {
    const type = item?.type ?? (item?.role ? 'message' : undefined);
    if (type === 'message' && item.role === 'user') {
      const t = textOf(item.content);
      if (!CONTEXT_MESSAGE.test(t)) {
        lastUser = i;
        lastUserText = t;
      }
    } else if (TOOL_OUTPUT.has(type)) {
      lastTool = i;
      toolResultText = typeof item.output === 'string' ? item.output : JSON.stringify(item.output);
    }
  });
  return { lastUserText, lastIsToolResult: lastTool > lastUser, toolResultText };
}

/** The function-call arguments the shell tool's schema asks for. */
export function shellArguments(tool, command) {
  const props = tool?.parameters?.properties ?? {};
  const args = {};
  if (props.cmd) args.cmd = command;
  else if (props.command?.type === 'array') args.command = ['bash', '-lc', command];
  else args.command = command;
  if (props.workdir && process.env.FAKE_MODEL_WORKDIR) args.workdir = process.env.FAKE_MODEL_WORKDIR;
  // Ask to leave the sandbox, so an on-request approval policy shows its approval dialog.
  if (props.sandbox_permissions) args.sandbox_permissions = 'require_escalated';
  else if (props.with_escalated_permissions) args.with_escalated_permissions = true;
  if (props.justification) args.justification = 'The fake model wants to run this command.';
  return args;
}

function toolsOf(body) {
  const tools = Array.isArray(body?.tools) ? body.tools : [];
  return tools.map((t) => ({ ...t, name: t.name ?? t.function?.name ?? t.type, parameters: t.parameters ?? t.function?.parameters }));
}

/** A value that fits a JSON schema (side requests with structured output, e.g. Codex's thread title). */
function fitSchema(schema) {
  if (!schema || typeof schema !== 'object') return 'Fake';
  if (schema.enum) return schema.enum[0];
  switch (schema.type) {
    case 'object':
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, v]) => [k, fitSchema(v)]));
    case 'array':
      return [];
    case 'number':
    case 'integer':
      return 0;
    case 'boolean':
      return false;
    default:
      return 'Fake task';
  }
}

/** Output items (and how to stream them) for this request. */
function plan(body, log) {
  const format = body?.text?.format;
  if (format?.type === 'json_schema') return textPlan({ kind: 'text', text: JSON.stringify(fitSchema(format.schema)), chunks: [JSON.stringify(fitSchema(format.schema))], delayMs: 0 });
  const convo = conversation(body);
  // Codex-only script word: "ask: QUESTION" calls request_user_input (offered in Plan mode only).
  const ask = convo.lastIsToolResult ? null : convo.lastUserText.match(/\bask:\s*(.+?)\s*$/m);
  if (ask && toolsOf(body).some((t) => t.name === 'request_user_input')) {
    const callId = `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
    const question = { id: 'fake_choice', header: 'Choice', question: ask[1], options: [{ label: 'Banana (Recommended)', description: 'The first option.' }, { label: 'Apple', description: 'The second option.' }] };
    return { chunks: [], delayMs: 0, items: [{ type: 'function_call', id: `fc_${callId}`, call_id: callId, name: 'request_user_input', arguments: JSON.stringify({ questions: [question] }), status: 'completed' }] };
  }
  const d = decide(convo);
  if (d.kind === 'tool') {
    const tools = toolsOf(body);
    const name = pickShellTool(tools.map((t) => t.name));
    const tool = tools.find((t) => t.name === name);
    if (tool) {
      const callId = `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
      if (tool.type === 'local_shell') {
        return { chunks: [], delayMs: 0, items: [{ type: 'local_shell_call', id: `lsh_${callId}`, call_id: callId, status: 'completed', action: { type: 'exec', command: ['bash', '-lc', d.command] } }] };
      }
      const item = { type: 'function_call', id: `fc_${callId}`, call_id: callId, name, arguments: JSON.stringify(shellArguments(tool, d.command)), status: 'completed' };
      return { chunks: [], delayMs: 0, items: [item] };
    }
    log(`fake model (responses): no shell tool among ${tools.map((t) => t.name).join(', ')}; answering in text`);
    return textPlan({ kind: 'text', text: `I would run: ${d.command}`, chunks: [`I would run: ${d.command}`], delayMs: 0 });
  }
  return textPlan(d);
}

function textPlan(d) {
  const id = `msg_${randomUUID().replace(/-/g, '')}`;
  return { chunks: d.chunks, delayMs: d.delayMs, items: [{ type: 'message', id, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: d.text, annotations: [] }] }] };
}

function usage() {
  return { input_tokens: 100, input_tokens_details: { cached_tokens: 0 }, output_tokens: 10, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 110 };
}

function responseObject(id, body, status, output) {
  return { id, object: 'response', created_at: Math.floor(Date.now() / 1000), status, model: body?.model ?? 'fake-model', output, usage: status === 'completed' ? usage() : null, error: null };
}

export async function handle(req, res, body, { path, log }) {
  if (/\/responses\/compact$/.test(path)) {
    // Remote compaction: hand back a one-message summary as the new history.
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ output: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Summary: earlier fake conversation.' }] }] }));
    return;
  }
  const id = `resp_${randomUUID().replace(/-/g, '')}`;
  const { items, chunks, delayMs } = plan(body, log);
  if (!body?.stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(responseObject(id, body, 'completed', items)));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  let closed = false;
  res.on('close', () => {
    closed = true;
  });
  let seq = 0;
  const send = (type, data) => {
    if (closed) return;
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`);
  };
  send('response.created', { response: responseObject(id, body, 'in_progress', []) });
  send('response.in_progress', { response: responseObject(id, body, 'in_progress', []) });
  for (const [outputIndex, item] of items.entries()) {
    if (item.type === 'message') {
      const text = item.content[0].text;
      send('response.output_item.added', { output_index: outputIndex, item: { ...item, status: 'in_progress', content: [] } });
      send('response.content_part.added', { item_id: item.id, output_index: outputIndex, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
      for (const [i, chunk] of chunks.entries()) {
        // A slow reply first "thinks" for a moment, so the pre-stream status row can be seen too.
        if (delayMs) await sleep(i ? delayMs : 4 * delayMs);
        if (closed) return;
        send('response.output_text.delta', { item_id: item.id, output_index: outputIndex, content_index: 0, delta: chunk });
      }
      send('response.output_text.done', { item_id: item.id, output_index: outputIndex, content_index: 0, text });
      send('response.content_part.done', { item_id: item.id, output_index: outputIndex, content_index: 0, part: { type: 'output_text', text, annotations: [] } });
    } else {
      send('response.output_item.added', { output_index: outputIndex, item: item.type === 'function_call' ? { ...item, arguments: '', status: 'in_progress' } : item });
      if (item.type === 'function_call') {
        send('response.function_call_arguments.delta', { item_id: item.id, output_index: outputIndex, delta: item.arguments });
        send('response.function_call_arguments.done', { item_id: item.id, output_index: outputIndex, arguments: item.arguments });
      }
    }
    send('response.output_item.done', { output_index: outputIndex, item });
  }
  send('response.completed', { response: responseObject(id, body, 'completed', items) });
  if (!closed) res.end();
}
