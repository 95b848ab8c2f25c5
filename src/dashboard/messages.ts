// The messages view: open requests and tasks as "who waits on whom", then the recent messages between sessions.
import type { MessageInfo, MessagesResult, SessionInfo } from '../protocol/messages.js';
import { ago, h } from './dom.js';

function who(name: string, sessions: SessionInfo[], id: number | null): HTMLElement {
  const s = id === null ? undefined : sessions.find((x) => x.id === id);
  const a = s && s.state === 'running' ? s.activity : s ? s.state : 'operator';
  return h('span', { class: `who act-${a}`, title: s ? `${s.name ?? s.id}: ${a.replace(/_/g, ' ')}` : name }, name);
}

function kindChip(m: MessageInfo): HTMLElement {
  return h('span', { class: `kind kind-${m.kind}` }, m.kind);
}

export function renderMessages(root: HTMLElement, data: MessagesResult, sessions: SessionInfo[]): void {
  const now = Date.now();
  const waits = h('div', { class: 'waits', 'data-testid': 'open-work' });
  if (!data.open.length) waits.append(h('p', { class: 'dim' }, 'Nobody waits on anybody: no open requests or tasks.'));
  for (const m of data.open) {
    waits.append(
      h(
        'div',
        { class: `wait work-${m.workState ?? 'open'}` },
        h('div', { class: 'pair' }, who(m.from, sessions, m.fromSession), h('span', { class: 'arrow' }, ' waits on '), who(m.to, sessions, m.toSession)),
        h('div', { class: 'what' }, kindChip(m), h('span', { class: 'mid' }, m.id), h('span', { class: 'body' }, m.body)),
        h(
          'div',
          { class: 'when dim' },
          `${m.workState ?? 'open'} · asked ${ago(m.createdAt, now)}${ago(m.createdAt, now) === 'now' ? '' : ' ago'}`,
          m.workState === 'blocked' && m.result ? h('span', { class: 'blocked' }, ` · blocked: ${m.result}`) : null,
        ),
      ),
    );
  }

  const list = h('div', { class: 'msglist', 'data-testid': 'messages' });
  if (!data.messages.length) list.append(h('p', { class: 'dim' }, 'No messages yet. Sessions talk with `cw msg`, `cw request` and `cw reply`.'));
  for (const m of [...data.messages].reverse()) {
    const body = h('div', { class: 'body clipped', title: 'click to expand' }, m.body);
    body.addEventListener('click', () => body.classList.toggle('clipped'));
    list.append(
      h(
        'div',
        { class: `msg kind-${m.kind}` },
        h(
          'div',
          { class: 'head' },
          h('span', { class: 'mid' }, m.id),
          kindChip(m),
          who(m.from, sessions, m.fromSession),
          h('span', { class: 'arrow' }, '→'),
          who(m.to, sessions, m.toSession),
          m.re ? h('span', { class: 're dim' }, `re ${m.re}`) : null,
          h('span', { class: 'spacer' }),
          h('span', { class: `state st-${m.state}` }, m.state),
          h('span', { class: 'dim', title: m.createdAt }, ago(m.createdAt, now) === 'now' ? 'just now' : `${ago(m.createdAt, now)} ago`),
        ),
        body,
      ),
    );
  }

  root.replaceChildren(
    h('div', { class: 'cols' },
      h('section', { class: 'panel' }, h('h2', {}, 'Who waits on whom ', h('span', { class: 'count' }, String(data.open.length))), waits),
      h('section', { class: 'panel' }, h('h2', {}, 'Recent messages ', h('span', { class: 'count' }, String(data.messages.length))), list),
    ),
  );
}
