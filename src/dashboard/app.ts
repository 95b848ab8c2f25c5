// The codewire dashboard: every session at a glance, live over the daemon's event stream (no polling), a
// live terminal per session, launch/send/kill/answer actions, and the messages between sessions.
import type { EventRecord, MessagesResult, SessionInfo, StreamEventOf } from '../protocol/messages.js';
import { connectWeb, type WebChannel } from './channel.js';
import { $, ago, fill, h, quoteArgs, shellWords, utf8 } from './dom.js';
import { renderMessages } from './messages.js';
import { timelessReason } from './reason.js';
import { TermView } from './term.js';

const meta = (name: string): string => document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? '';
const NODE = meta('cw-node') || location.hostname;

const AGENTS = ['', 'claude', 'codex', 'gemini', 'aider', 'goose', 'opencode', 'cursor-agent', 'shell', 'generic'];
/** Keys offered when a dialog is up: numbered choices, confirm, cancel, move. */
const DIALOG_KEYS: [string, string][] = [
  ['1', '1'],
  ['2', '2'],
  ['3', '3'],
  ['Enter', '\r'],
  ['Esc', '\x1b'],
  ['↑', '\x1b[A'],
  ['↓', '\x1b[B'],
];
const ACTIVITY_LABEL: Record<string, string> = { working: 'working', idle: 'idle', waiting_for_input: 'waiting for input', unknown: 'unknown' };

let ch: WebChannel | null = null;
let sessions: SessionInfo[] = [];
let messages: MessagesResult = { messages: [], open: [] };
let view: 'sessions' | 'messages' | 'terminal' = 'sessions';
const cards = new Map<number, HTMLElement>();

// --- layout --------------------------------------------------------------------------------------------

const connEl = h('span', { class: 'conn', 'data-state': 'connecting' }, 'connecting…');
const sessionsTab = h('button', { class: 'tab active', 'data-view': 'sessions', onclick: () => show('sessions') }, 'Sessions');
const messagesTab = h('button', { class: 'tab', 'data-view': 'messages', onclick: () => show('messages') }, 'Messages');
const openWorkBadge = h('span', { class: 'count', hidden: true });
messagesTab.append(openWorkBadge);
const summaryEl = h('div', { class: 'summary' });
const gridEl = h('div', { class: 'grid', 'data-testid': 'sessions' });
const emptyEl = h('div', { class: 'empty', hidden: true }, 'No sessions yet. Launch one, or run ', h('code', {}, 'cw launch -- CMD'), '.');
const sessionsView = h('section', { id: 'sessions-view' }, summaryEl, emptyEl, gridEl);
const messagesView = h('section', { id: 'messages-view', hidden: true });

const termTitle = h('span', { class: 'term-title' });
const termBadge = h('span', { class: 'badge' });
const termStatus = h('span', { class: 'term-status' });
const typeToggle = h('input', { type: 'checkbox', id: 'type-toggle' });
const termKeys = h('div', { class: 'dialog-keys', hidden: true });
const termHost = h('div', { class: 'term-host', id: 'terminal' });
const termSendInput = h('input', { type: 'text', placeholder: 'Send a line (text + Enter)…', 'aria-label': 'line to send' });
const termView = h(
  'section',
  { id: 'term-view', hidden: true },
  h(
    'div',
    { class: 'term-bar' },
    h('button', { class: 'ghost', id: 'detach', title: 'Stop watching; the session keeps running', onclick: () => void closeTerminal() }, '← Detach'),
    termTitle,
    termBadge,
    termStatus,
    h('span', { class: 'spacer' }),
    h('label', { class: 'toggle', title: 'Type into the session (keys go to the program)' }, typeToggle, h('span', {}, 'Type')),
    killButton(() => termSessionId()),
  ),
  termKeys,
  termHost,
  h(
    'form',
    {
      class: 'sendline',
      onsubmit: (e: Event) => {
        e.preventDefault();
        const id = termSessionId();
        if (id !== null) void sendLine(id, termSendInput);
      },
    },
    termSendInput,
    h('button', { type: 'submit' }, 'Send'),
  ),
);

const launchDialog = buildLaunchDialog();

document.body.append(
  h(
    'header',
    { class: 'top' },
    h('div', { class: 'brand' }, h('span', { class: 'logo' }, 'cw'), h('span', { class: 'node', title: 'the machine the daemon runs on' }, NODE)),
    h('nav', {}, sessionsTab, messagesTab),
    h('span', { class: 'spacer' }),
    connEl,
    h('button', { class: 'primary', id: 'launch-open', onclick: () => openLaunch() }, '+ Launch'),
  ),
  h('main', {}, sessionsView, messagesView, termView),
  launchDialog,
  h('div', { class: 'toast', id: 'toast', role: 'status', hidden: true }),
);

const term = new TermView(termHost, () => ch, {
  ended: (message) => {
    termStatus.textContent = message;
    typeToggle.checked = false;
  },
  status: (message) => (termStatus.textContent = message),
});
typeToggle.addEventListener('change', () => {
  void term.setInteractive(typeToggle.checked);
});

function termSessionId(): number | null {
  return term.sessionId;
}

function show(v: typeof view): void {
  view = v;
  sessionsView.hidden = v !== 'sessions';
  messagesView.hidden = v !== 'messages';
  termView.hidden = v !== 'terminal';
  sessionsTab.classList.toggle('active', v === 'sessions');
  messagesTab.classList.toggle('active', v === 'messages');
  if (v === 'messages') void refreshMessages();
}

let toastTimer: ReturnType<typeof setTimeout> | null = null;
function toast(text: string, kind: 'ok' | 'error' = 'ok'): void {
  const el = $('#toast');
  el.textContent = text;
  el.dataset.kind = kind;
  el.hidden = false;
  if (toastTimer) clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (el.hidden = true), kind === 'error' ? 6000 : 2500);
}

function fail(err: unknown): void {
  const e = err as Error & { hint?: string };
  toast(e.hint ? `${e.message} (${e.hint})` : e.message, 'error');
}

// --- actions ---------------------------------------------------------------------------------------------

async function sendLine(id: number, input: HTMLInputElement): Promise<void> {
  const text = input.value;
  if (!ch || !text) return;
  try {
    await ch.request('send', { session: String(id), text: utf8(text), enter: true });
    input.value = '';
    toast(`Sent to ${label(id)}`);
  } catch (err) {
    fail(err);
  }
}

async function sendKeys(id: number, keys: string): Promise<void> {
  try {
    await ch?.request('send', { session: String(id), keys: utf8(keys) });
  } catch (err) {
    fail(err);
  }
}

/** A kill button that asks for a second click (no modal dialog), then kills. */
function killButton(target: () => number | null): HTMLButtonElement {
  let armed: ReturnType<typeof setTimeout> | null = null;
  const b = h('button', { class: 'danger kill', title: 'SIGHUP, then SIGKILL after 2 s' }, 'Kill');
  b.addEventListener('click', async (e) => {
    e.stopPropagation();
    const id = target();
    if (id === null || !ch) return;
    if (!armed) {
      b.textContent = 'Confirm kill';
      b.classList.add('armed');
      armed = setTimeout(() => {
        armed = null;
        b.textContent = 'Kill';
        b.classList.remove('armed');
      }, 4000);
      return;
    }
    clearTimeout(armed);
    armed = null;
    b.textContent = 'Killing…';
    b.disabled = true;
    try {
      await ch.request('kill', { sessions: [String(id)] });
      toast(`Killed ${label(id)}`);
    } catch (err) {
      fail(err);
    } finally {
      b.textContent = 'Kill';
      b.classList.remove('armed');
      b.disabled = false;
    }
  });
  return b;
}

function label(id: number): string {
  const s = sessions.find((x) => x.id === id);
  return s?.name ?? `#${id}`;
}

async function openTerminal(s: SessionInfo): Promise<void> {
  show('terminal');
  typeToggle.checked = false;
  termTitle.textContent = s.name ? `${s.name} #${s.id}` : `#${s.id}`;
  badge(termBadge, s);
  termKeys.hidden = true;
  if (s.state === 'running') {
    await term.open(s, false);
    return renderTermBar();
  }
  try {
    const r = await ch!.request('screen', { session: String(s.id), ansi: true });
    await term.showSaved(s, r.text, r.cols, r.rows);
  } catch (err) {
    fail(err);
  }
}

async function closeTerminal(): Promise<void> {
  await term.detach();
  show('sessions');
}

// --- launch dialog ---------------------------------------------------------------------------------------

function buildLaunchDialog(): HTMLDialogElement {
  const err = h('p', { class: 'error', hidden: true });
  const form = h(
    'form',
    { method: 'dialog', class: 'launch' },
    h('h2', {}, 'Launch a session'),
    h('label', {}, 'Command', h('input', { name: 'command', required: true, placeholder: 'claude   or   npm run dev', autocomplete: 'off' })),
    h('div', { class: 'two' },
      h('label', {}, 'Name', h('input', { name: 'name', placeholder: 'optional, e.g. api', autocomplete: 'off', pattern: '[a-zA-Z0-9][a-zA-Z0-9._\\-]{0,63}' })),
      h('label', {}, 'Agent', h('select', { name: 'agent' }, ...AGENTS.map((a) => h('option', { value: a }, a || 'detect')))),
    ),
    h('label', {}, 'Directory', h('input', { name: 'dir', placeholder: "on the daemon's machine (default: its home)", autocomplete: 'off' })),
    h('label', {}, 'Prompt', h('textarea', { name: 'prompt', rows: '2', placeholder: 'optional: submitted once the agent is ready' })),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'worktree' }), 'In a git worktree of its own, on a new branch (the repository around Directory)'),
    err,
    h('div', { class: 'buttons' }, h('button', { type: 'button', class: 'ghost', value: 'cancel', onclick: () => dialog.close() }, 'Cancel'), h('button', { type: 'submit', class: 'primary' }, 'Launch')),
  );
  const dialog = h('dialog', { id: 'launch-dialog' }, form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    const get = (k: string): string => String(f.get(k) ?? '').trim();
    err.hidden = true;
    try {
      const command = shellWords(get('command'));
      if (!command.length) throw new Error('a command is required');
      if (!ch) throw new Error('not connected to the daemon');
      const r = await ch.request('launch', {
        command,
        ...(get('name') ? { name: get('name') } : {}),
        ...(get('dir') ? { cwd: get('dir') } : {}),
        ...(get('agent') ? { agent: get('agent') } : {}),
        ...(get('prompt') ? { prompt: get('prompt') } : {}),
        ...(f.get('worktree') ? { worktree: {} } : {}),
      });
      dialog.close();
      form.reset();
      upsert(r.session);
      toast(`Session ${r.session.name ?? r.session.id} launched`);
    } catch (x) {
      const e2 = x as Error & { hint?: string };
      err.textContent = e2.hint ? `${e2.message} (${e2.hint})` : e2.message;
      err.hidden = false;
    }
  });
  return dialog;
}

function openLaunch(): void {
  launchDialog.showModal();
  launchDialog.querySelector<HTMLInputElement>('input[name="command"]')?.focus();
}

// --- rendering -------------------------------------------------------------------------------------------

function activityOf(s: SessionInfo): string {
  return s.state === 'running' ? s.activity : s.state;
}

function badge(el: HTMLElement, s: SessionInfo): void {
  const a = activityOf(s);
  el.className = `badge act-${a}`;
  el.dataset.activity = a;
  el.textContent = s.state === 'running' ? (ACTIVITY_LABEL[a] ?? a) : s.state === 'exited' ? `exited ${s.signal ?? s.exitCode ?? ''}`.trim() : s.state;
}

function dialogKeys(container: HTMLElement, id: number): void {
  container.replaceChildren(
    h('span', { class: 'hint' }, 'Answer:'),
    ...DIALOG_KEYS.map(([name, bytes]) => h('button', { class: 'key', 'data-key': name, onclick: (e: Event) => (e.stopPropagation(), void sendKeys(id, bytes)) }, name)),
  );
}

function buildCard(s: SessionInfo): HTMLElement {
  const input = h('input', { type: 'text', placeholder: 'Send a line…', 'aria-label': 'line to send' });
  const card = h(
    'article',
    { class: 'card', 'data-session-id': String(s.id), tabindex: '0' },
    h('div', { class: 'row1' }, h('span', { class: 'name' }), h('span', { class: 'sid' }), h('span', { class: 'spacer' }), h('span', { class: 'badge' }), h('span', { class: 'since', title: 'since' })),
    h('div', { class: 'cmd' }),
    h('div', { class: 'meta' }),
    h('div', { class: 'statecard' }),
    h('div', { class: 'reason' }),
    h('div', { class: 'chips' }),
    h('div', { class: 'dialog-keys', hidden: true }),
    h(
      'div',
      { class: 'actions' },
      h('form', { class: 'send', onsubmit: (e: Event) => (e.preventDefault(), void sendLine(s.id, input)) }, input, h('button', { type: 'submit' }, 'Send')),
      h('button', { class: 'open', onclick: (e: Event) => (e.stopPropagation(), void openTerminal(sessions.find((x) => x.id === s.id) ?? s)) }, 'Open'),
      killButton(() => s.id),
      h('button', { class: 'ghost rm', onclick: (e: Event) => (e.stopPropagation(), void removeSession(s.id)) }, 'Remove'),
    ),
  );
  const open = (): void => void openTerminal(sessions.find((x) => x.id === s.id) ?? s);
  // A click anywhere on the card opens it: not on its own controls, and not the click that ends selecting text.
  card.addEventListener('click', (e) => {
    e.stopPropagation();
    if ((e.target as HTMLElement).closest('form, button, input, a, .dialog-keys')) return;
    if (!(window.getSelection()?.isCollapsed ?? true)) return;
    open();
  });
  card.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target === card) open();
  });
  dialogKeys($('.dialog-keys', card), s.id);
  return card;
}

async function removeSession(id: number): Promise<void> {
  try {
    await ch?.request('rm', { sessions: [String(id)] });
  } catch (err) {
    fail(err);
  }
}

/** What `cw list` says of a worktree beside its branch: ` (2 modified, 1 ahead)`, or nothing when it is clean. */
function worktreeState(w: NonNullable<SessionInfo['worktree']>): string {
  if (!w.exists) return ' (removed)';
  const parts = [w.modified ? `${w.modified} modified` : '', w.untracked ? `${w.untracked} untracked` : '', w.ahead ? `${w.ahead} ahead` : ''].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function fillCard(card: HTMLElement, s: SessionInfo, now: number): void {
  const running = s.state === 'running';
  card.dataset.activity = activityOf(s);
  card.classList.toggle('ended', !running);
  $('.name', card).textContent = s.name ?? `session ${s.id}`;
  $('.sid', card).textContent = `#${s.id}`;
  badge($('.badge', card), s);
  $('.since', card).textContent = running ? ago(s.activitySince, now) : ago(s.endedAt, now);
  $('.cmd', card).textContent = quoteArgs(s.command);
  $('.cmd', card).title = `${quoteArgs(s.command)}\nin ${s.cwd}`;
  const node = (s as SessionInfo & { node?: string }).node ?? NODE;
  fill($('.meta', card),
    h('span', { class: 'node' }, node),
    h('span', {}, s.agent),
    h('span', {}, `${s.cols}×${s.rows}`),
    h('span', { class: 'out', title: s.lastOutputAt ?? '' }, s.lastOutputAt ? (ago(s.lastOutputAt, now) === 'now' ? 'output just now' : `output ${ago(s.lastOutputAt, now)} ago`) : 'no output yet'),
    s.clients ? h('span', {}, `${s.clients} attached`) : null,
  );
  const sc = $('.statecard', card);
  sc.textContent = s.stateCard ?? '';
  sc.hidden = !s.stateCard;
  const reason = $('.reason', card);
  reason.textContent = running && s.activityReason ? timelessReason(s.activityReason) : '';
  reason.hidden = !reason.textContent;
  const chips = $('.chips', card);
  fill(chips,
    s.worktree ? h('span', { class: 'chip branch', title: `git worktree ${s.worktree.path}, from ${s.worktree.base}` }, `⎇ ${s.worktree.branch}${worktreeState(s.worktree)}`) : null,
    s.unread ? h('span', { class: 'chip unread', title: 'unread messages' }, `✉ ${s.unread} unread`) : null,
    s.owes ? h('span', { class: 'chip owes', title: 'open requests and tasks it owes' }, `☐ ${s.owes} open`) : null,
    ...s.tags.map((t) => h('span', { class: 'chip tag' }, `#${t}`)),
  );
  chips.hidden = !chips.childElementCount;
  $('.dialog-keys', card).hidden = !(running && s.activity === 'waiting_for_input');
  $('.send', card).hidden = !running;
  $('.open', card).textContent = running ? 'Open' : 'Screen';
  $('.kill', card).hidden = !running;
  $('.rm', card).hidden = running;
}

function render(): void {
  const now = Date.now();
  const ids = new Set(sessions.map((s) => s.id));
  for (const [id, el] of cards) {
    if (!ids.has(id)) {
      el.remove();
      cards.delete(id);
    }
  }
  sessions.forEach((s, i) => {
    let card = cards.get(s.id);
    if (!card) {
      card = buildCard(s);
      cards.set(s.id, card);
    }
    fillCard(card, s, now);
    if (gridEl.children[i] !== card) gridEl.insertBefore(card, gridEl.children[i] ?? null);
  });
  emptyEl.hidden = sessions.length > 0;
  const running = sessions.filter((s) => s.state === 'running');
  const count = (a: string): number => running.filter((s) => s.activity === a).length;
  fill(summaryEl,
    h('span', {}, `${running.length} running`),
    h('span', { class: 'act-working' }, `${count('working')} working`),
    h('span', { class: 'act-waiting_for_input' }, `${count('waiting_for_input')} waiting`),
    h('span', { class: 'act-idle' }, `${count('idle')} idle`),
    sessions.length > running.length ? h('span', { class: 'dim' }, `${sessions.length - running.length} ended`) : null,
  );
  openWorkBadge.textContent = String(messages.open.length);
  openWorkBadge.hidden = messages.open.length === 0;
  renderTermBar();
}

function renderTermBar(): void {
  const id = term.sessionId;
  const s = id === null ? undefined : sessions.find((x) => x.id === id);
  if (!s) return;
  badge(termBadge, s);
  const waiting = s.state === 'running' && s.activity === 'waiting_for_input';
  if (waiting && termKeys.dataset.session !== String(s.id)) {
    dialogKeys(termKeys, s.id);
    termKeys.dataset.session = String(s.id);
  }
  termKeys.hidden = !waiting;
}

function upsert(s: SessionInfo): void {
  const i = sessions.findIndex((x) => x.id === s.id);
  if (i >= 0) sessions[i] = { ...sessions[i], ...s };
  else sessions.push(s);
  render();
}

// --- live data ------------------------------------------------------------------------------------------

let listTimer: ReturnType<typeof setTimeout> | null = null;
let messagesTimer: ReturnType<typeof setTimeout> | null = null;

/** Coalesces bursts of events into one `list` (events carry the change; list brings counts and output times). */
function scheduleList(): void {
  if (listTimer) return;
  listTimer = setTimeout(() => {
    listTimer = null;
    void refreshList();
  }, 150);
}

function scheduleMessages(): void {
  if (messagesTimer) return;
  messagesTimer = setTimeout(() => {
    messagesTimer = null;
    void refreshMessages();
  }, 150);
}

async function refreshList(): Promise<void> {
  if (!ch) return;
  try {
    const r = await ch.request('list', { status: 'all' });
    sessions = r.sessions;
    render();
  } catch (err) {
    if (!ch?.error) fail(err);
  }
}

async function refreshMessages(): Promise<void> {
  if (!ch) return;
  try {
    messages = await ch.request('messages', { limit: 200 });
    renderMessages(messagesView, messages, sessions);
    openWorkBadge.textContent = String(messages.open.length);
    openWorkBadge.hidden = messages.open.length === 0;
  } catch (err) {
    if (!ch?.error) fail(err);
  }
}

function onEvent(ev: EventRecord): void {
  if (ev.type === 'activity' && ev.sessionId !== null) {
    // Apply at once (the badge changes with no round trip), then let list fill in the rest.
    const s = sessions.find((x) => x.id === ev.sessionId);
    if (s) {
      const d = ev.data as { activity?: SessionInfo['activity']; since?: string; reason?: string };
      if (d.activity) s.activity = d.activity;
      if (d.since) s.activitySince = d.since;
      if (d.reason !== undefined) s.activityReason = d.reason;
      render();
    }
  }
  if (/^(message|request|task)\./.test(ev.type)) scheduleMessages();
  scheduleList();
}

let retryMs = 500;
let failures = 0;

function setConn(state: 'live' | 'connecting' | 'down', text: string): void {
  connEl.dataset.state = state;
  connEl.textContent = text;
}

async function connect(): Promise<void> {
  setConn('connecting', 'connecting…');
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  try {
    const c = await connectWeb(url);
    ch = c;
    failures = 0;
    retryMs = 500;
    setConn('live', 'live');
    c.onClose(() => {
      if (ch !== c) return;
      ch = null;
      setConn('down', 'reconnecting…');
      setTimeout(() => void connect(), retryMs);
    });
    // The live event stream first, so nothing between the list and the stream is missed.
    await c.openStream('events', { follow: true, tail: 0 }, {
      output: () => {},
      event: (e: StreamEventOf) => {
        if (e.type === 'event') onEvent(e.event);
      },
    });
    await Promise.all([refreshList(), refreshMessages()]);
    // Reattach the open terminal after a reconnect.
    const open = term.sessionId;
    if (view === 'terminal' && open !== null) {
      const s = sessions.find((x) => x.id === open);
      if (s) void term.open(s, false);
    }
  } catch (err) {
    failures++;
    setConn('down', failures >= 3 ? 'not connected: logged out? run `cw ui` for a new link' : `reconnecting… (${(err as Error).message})`);
    retryMs = Math.min(retryMs * 2, 10_000);
    setTimeout(() => void connect(), retryMs);
  }
}

// Relative times ("12s") move on their own; this re-renders text only and asks the daemon nothing.
setInterval(() => {
  if (view === 'sessions') render();
}, 1000);

document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && view === 'terminal' && !term.interactive) void closeTerminal();
});

void connect();
