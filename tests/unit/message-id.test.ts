// Message ids: a form no session name can take, and the unambiguous forms still read.
import { describe, expect, it } from 'vitest';
import { formatMessageId, parseMessageIdNumber } from '../../src/common/message-id.js';
import { SESSION_NAME_RE } from '../../src/protocol/index.js';

describe('message ids', () => {
  it('are msg:N, which no session name can be', () => {
    expect(formatMessageId(12)).toBe('msg:12');
    expect(SESSION_NAME_RE.test(formatMessageId(12))).toBe(false);
  });

  it('read msg:N, and where only an id is taken the bare number, #N and the old mN', () => {
    expect(parseMessageIdNumber('msg:12')).toBe(12);
    expect(parseMessageIdNumber(' msg:7 ')).toBe(7);
    expect(parseMessageIdNumber('12')).toBe(12);
    expect(parseMessageIdNumber('#12')).toBe(12);
    expect(parseMessageIdNumber('m12')).toBe(12);
    for (const bad of ['', 'msg:', 'msg-12', 'mm12', 'msg:12x', 'deploy', 'msg:-1', '1e3']) expect(parseMessageIdNumber(bad), bad).toBeNull();
  });
});
