// OpenAI Chat Completions (POST …/chat/completions), as opencode's openai-compatible provider calls it:
// `stream: true` answers are SSE `chat.completion.chunk`s ending in `data: [DONE]`; tool calls go out as
// `tool_calls` deltas. Non-streaming requests get one `chat.completion`.
// Beyond brain.mjs: a prompt ending in `ask: QUESTION` calls opencode's `question` tool (its picker dialog).
import { decide, pickShellTool, sleep } from './brain.mjs';

/** Text of a message's content (a string or an array of parts). */
function textOf(content) {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p === 'string' ? p : p?.text ?? '')).join('\n');
  return '';
}

function convo(messages) {
  const last = messages[messages.length - 1];
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  return {
    lastUserText: lastUser ? textOf(lastUser.content) : '',
    lastIsToolResult: last?.role === 'tool',
    toolResultText: last?.role === 'tool' ? textOf(last.content) : undefined,
  };
}

/** Arguments for the shell tool, shaped by its JSON schema (opencode's `bash` wants command + description). */
function shellArgs(tool, command) {
  const props = tool?.function?.parameters?.properties ?? {};
  const args = {};
  const cmdKey = ['command', 'cmd', 'script'].find((k) => k in props) ?? 'command';
  args[cmdKey] = props[cmdKey]?.type === 'array' ? ['bash', '-lc', command] : command;
  if ('description' in props) args.description = `Runs ${command}`;
  return args;
}

/**
 * A side request (a session title, a summary) is one without tools or with a system prompt asking for a
 * title; it gets a short plain answer so it never steals the scripted reply or hangs.
 */
function isSideRequest(body) {
  const system = (body.messages ?? []).filter((m) => m.role === 'system').map((m) => textOf(m.content)).join('\n');
  return !(body.tools?.length > 0) && /title|summar/i.test(system);
}

/** `ask: QUESTION` → a call to the agent's `question` tool with two choices, when it offers one. */
function askQuestion(body, messages) {
  const c = convo(messages);
  const ask = c.lastIsToolResult ? null : c.lastUserText.match(/\bask:\s*(.+?)\s*$/m);
  if (!ask || !(body.tools ?? []).some((t) => t.function?.name === 'question')) return null;
  const options = [
    { label: 'Red', description: 'The first choice' },
    { label: 'Blue', description: 'The second choice' },
  ];
  return { kind: 'call', name: 'question', args: { questions: [{ question: ask[1], header: 'Choice', options }] } };
}

export async function handle(req, res, body, { log }) {
  const messages = Array.isArray(body?.messages) ? body.messages : [];
  const model = body?.model ?? 'fake-model';
  const id = `chatcmpl-fake-${Date.now().toString(36)}`;
  const created = Math.floor(Date.now() / 1000);
  let answer;
  if (isSideRequest(body)) answer = { kind: 'text', text: 'Fake session', chunks: ['Fake session'], delayMs: 0 };
  else answer = askQuestion(body, messages) ?? decide(convo(messages));
  let toolCall;
  if (answer.kind === 'call') {
    toolCall = { id: `call_fake_${Date.now().toString(36)}`, type: 'function', function: { name: answer.name, arguments: JSON.stringify(answer.args) } };
  } else if (answer.kind === 'tool') {
    const names = (body.tools ?? []).map((t) => t.function?.name ?? t.name);
    const name = pickShellTool(names);
    if (!name) {
      log(`openai-chat: no shell tool among ${names.join(', ')}`);
      answer = { kind: 'text', text: 'No shell tool offered.', chunks: ['No shell tool offered.'], delayMs: 0 };
    } else {
      const tool = body.tools.find((t) => (t.function?.name ?? t.name) === name);
      toolCall = { id: `call_fake_${Date.now().toString(36)}`, type: 'function', function: { name, arguments: JSON.stringify(shellArgs(tool, answer.command)) } };
    }
  }
  const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
  const finish = toolCall ? 'tool_calls' : 'stop';

  if (!body?.stream) {
    const message = toolCall ? { role: 'assistant', content: null, tool_calls: [toolCall] } : { role: 'assistant', content: answer.text };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id, object: 'chat.completion', created, model, choices: [{ index: 0, message, finish_reason: finish }], usage }));
    return;
  }

  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  let closed = false;
  res.on('close', () => (closed = true));
  const send = (choices, extra = {}) => {
    if (!closed) res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })}\n\n`);
  };
  send([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
  if (toolCall) {
    send([{ index: 0, delta: { tool_calls: [{ index: 0, ...toolCall }] }, finish_reason: null }]);
  } else {
    for (const [i, chunk] of answer.chunks.entries()) {
      if (closed) return; // interrupted: the agent hung up
      if (i && answer.delayMs) await sleep(answer.delayMs);
      send([{ index: 0, delta: { content: chunk }, finish_reason: null }]);
    }
  }
  send([{ index: 0, delta: {}, finish_reason: finish }]);
  if (body.stream_options?.include_usage) send([], { usage });
  if (!closed) res.end('data: [DONE]\n\n');
}
