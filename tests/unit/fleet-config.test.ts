// config.toml's [daemon] name/external_url, [nats] and [fleet]; node names from hostnames; NODE:SESSION targets.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadDaemonConfig } from '../../src/common/config.js';
import { nodeNameFromHostname, parseNodeTarget, nodeSubject, NODE_NAME_RE } from '../../src/common/fleet/subjects.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function load(toml: string) {
  const dir = mkdtempSync('/tmp/cwf-cfg-');
  dirs.push(dir);
  writeFileSync(join(dir, 'config.toml'), toml);
  return loadDaemonConfig(dir, {});
}

describe('fleet config', () => {
  it('reads name, external_url, [nats] and [fleet], with defaults and ~ expanded', () => {
    const c = load('[daemon]\nname = "gpu-box"\nexternal_url = "wss://gpu-box.example:9100"\n[nats]\nurl = "nats://a:4222, nats://b:4222"\ncreds_file = "~/.codewire/fleet.creds"\n');
    expect(c.name).toBe('gpu-box');
    expect(c.externalUrl).toBe('wss://gpu-box.example:9100');
    expect(c.nats).toEqual({ servers: ['nats://a:4222', 'nats://b:4222'], credsFile: join(homedir(), '.codewire/fleet.creds') });
    expect(c.fleet).toEqual({ join: true, allowLaunch: true, allowKill: true, allowSend: true });
    const f = load('[nats]\nurl = "127.0.0.1:4222"\nuser = "u"\npassword = "p"\n[fleet]\nallow_launch = false\nallow_kill = false\nheartbeat_ms = 500\nexpiry_ms = 2000\n');
    expect(f.nats).toEqual({ servers: ['127.0.0.1:4222'], user: 'u', password: 'p' });
    expect(f.fleet).toEqual({ join: true, allowLaunch: false, allowKill: false, allowSend: true, heartbeatMs: 500, expiryMs: 2000 });
  });

  it('refuses what would be unsafe or ambiguous, naming the key', () => {
    expect(() => load('[daemon]\nname = "gpu.box"\n')).toThrow(/daemon\.name: names are 1-64 of \[a-zA-Z0-9_-\]/);
    expect(() => load('[daemon]\nname = "a*"\n')).toThrow(/daemon\.name/);
    expect(() => load('[daemon]\nexternal_url = "http://x:1"\n')).toThrow(/daemon\.external_url: must be a ws:\/\/ or wss:\/\/ URL/);
    expect(() => load('[nats]\ntoken = "t"\n')).toThrow(/nats\.url/);
    expect(() => load('[nats]\nurl = "nats://a:1"\ntoken = "t"\nuser = "u"\npassword = "p"\n')).toThrow(/give one of creds_file, token, or user and password/);
    expect(() => load('[nats]\nurl = "nats://a:1"\nuser = "u"\n')).toThrow(/user and password go together/);
    expect(() => load('[nats]\nurl = "http://a:1/x"\n')).toThrow(/nats\.url: 'http:\/\/a:1\/x' is not/);
    expect(() => load('[nats]\nurl = "nats://a:1"\nsubject = "x"\n')).toThrow(/nats: unknown key 'subject'/);
    expect(() => load('[fleet]\nallow_lunch = false\n')).toThrow(/fleet: unknown key 'allow_lunch'/);
    expect(() => load('[fleet]\nheartbeat_ms = 1000\nexpiry_ms = 1500\n')).toThrow(/expiry_ms must be at least twice/);
  });
});

describe('node names', () => {
  it('defaults from the hostname, safe as one subject token', () => {
    expect(nodeNameFromHostname('gpu-box.example.com')).toBe('gpu-box');
    expect(nodeNameFromHostname('My Laptop')).toBe('My-Laptop');
    expect(nodeNameFromHostname('x'.repeat(80))).toBe('x'.repeat(64));
    expect(nodeNameFromHostname('')).toBe('node');
    for (const h of ['a.b', 'a b', 'a*>', 'ünï']) expect(NODE_NAME_RE.test(nodeNameFromHostname(h))).toBe(true);
    expect(nodeSubject('gpu-box', 'launch')).toBe('cw.node.gpu-box.launch');
  });

  it('parses NODE:SESSION', () => {
    expect(parseNodeTarget('gpu-box:train')).toEqual({ node: 'gpu-box', session: 'train' });
    expect(parseNodeTarget('gpu-box:@3')).toEqual({ node: 'gpu-box', session: '@3' });
    expect(parseNodeTarget('train')).toBeNull();
    expect(parseNodeTarget('a.b:c')).toBeNull();
    expect(parseNodeTarget('a:')).toBeNull();
  });
});
