// `cw completion`: the scripts come from the commander program itself, and session names from the daemon through
// `cw __complete sessions`, which never starts one. Every shell is driven for real: bash's completion function is
// called as its programmable completion calls it, fish is asked with its own `complete -C`, and zsh gets Tab at its
// prompt in a terminal (zsh and fish come from Debian's packages: scripts/test-deps.mjs).
import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CW, makeHome, type Home } from '../support/harness.js';
import { disposeTerminals, userTerminal } from '../support/user-terminal.js';

let h: Home | null = null;
afterEach(async () => {
  disposeTerminals();
  await h?.cleanup();
  h = null;
});

/** A `cw` on PATH for the shell (the completion function runs `cw __complete sessions` by that name). */
function cwOnPath(home: Home): string {
  const bin = join(home.dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'cw'), `#!/bin/sh\nexec '${process.execPath}' '${CW}' "$@"\n`);
  chmodSync(join(bin, 'cw'), 0o755);
  return bin;
}

/** The completions bash offers for the words typed so far (the last one is being completed). */
function complete(home: Home, bin: string, words: string[]): Promise<string[]> {
  const quoted = words.map((w) => `'${w.replace(/'/g, "'\\''")}'`).join(' ');
  const script = `source <(cw completion bash) || exit 9
complete -p cw >/dev/null || exit 8
COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}
_cw_complete
printf '%s\\n' "\${COMPREPLY[@]}"`;
  return new Promise((resolve, reject) => {
    execFile('bash', ['--norc', '--noprofile', '-c', script], { env: { ...home.env, PATH: `${bin}:${process.env.PATH}` }, timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`bash failed: ${err.message}\n${stderr}`));
      else resolve(stdout.split('\n').filter((l) => l !== ''));
    });
  });
}

describe('cw completion', () => {
  it('bash: commands, subcommands, aliases and options from the program; session names from the daemon', { timeout: 60_000 }, async () => {
    h = makeHome();
    const bin = cwOnPath(h);
    await h.ok(['launch', '--name', 'backend-api', '--', 'bash', '--norc', '--noprofile']);
    await h.ok(['launch', '--name', 'builder', '--', 'bash', '--norc', '--noprofile']);
    expect(await complete(h, bin, ['cw', 'attach', 'ba'])).toEqual(['backend-api']);
    expect((await complete(h, bin, ['cw', 'kill', 'b'])).sort()).toEqual(['backend-api', 'builder']);
    expect(await complete(h, bin, ['cw', 'status', ''])).toEqual(expect.arrayContaining(['backend-api', 'builder', '1', '2']));
    // Every command word, aliases and the new ones included.
    expect(await complete(h, bin, ['cw', ''])).toEqual(expect.arrayContaining(['launch', 'list', 'ls', 'attach', 'rename', 'notify', 'completion', 'help']));
    expect(await complete(h, bin, ['cw', ''])).not.toContain('__complete');
    expect(await complete(h, bin, ['cw', 'ser'])).toEqual(['server', 'service']);
    expect((await complete(h, bin, ['cw', 'server', ''])).sort()).toEqual(['add', 'list', 'ls', 'remove', 'rm']);
    expect(await complete(h, bin, ['cw', 'notify', ''])).toEqual(['test']);
    expect(await complete(h, bin, ['cw', 'completion', ''])).toEqual(['bash', 'zsh', 'fish']);
    expect(await complete(h, bin, ['cw', 'launch', '--prompt'])).toEqual(['--prompt', '--prompt-file', '--prompt-timeout']);
    // An alias has its command's options; a value after an option is not taken for a subcommand.
    expect(await complete(h, bin, ['cw', 'ls', '--act'])).toEqual(['--activity']);
    expect(await complete(h, bin, ['cw', '--server', 'list', 'attach', 'bu'])).toEqual(['builder']);
    expect(await complete(h, bin, ['cw', '--ser'])).toEqual(['--server']);
  });

  it('`cw __complete sessions` prints nothing and starts no daemon when none runs', { timeout: 30_000 }, async () => {
    h = makeHome();
    const r = await h.cw(['__complete', 'sessions']);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(existsSync(join(h.dir, 'daemon.pid'))).toBe(false);
    const bin = cwOnPath(h);
    expect(await complete(h, bin, ['cw', 'attach', ''])).toEqual([]);
    expect(existsSync(join(h.dir, 'daemon.pid'))).toBe(false);
    // Hidden from the help.
    expect((await h.cw(['--help'])).stdout).not.toContain('__complete');
  });

  it('zsh and fish scripts name the same commands and options', { timeout: 30_000 }, async () => {
    h = makeHome();
    const zsh = await h.ok(['completion', 'zsh']);
    expect(zsh.startsWith('#compdef cw\n')).toBe(true);
    expect(zsh).toContain("_cw_canon+=('cw|ls' 'list')");
    expect(zsh).toContain("_cw_sess+=('cw attach' '1')");
    expect(zsh).toContain('compdef _cw cw');
    const fish = await h.ok(['completion', 'fish']);
    expect(fish).toContain("complete -c cw -n '__fish_use_subcommand' -a 'rename'");
    expect(fish).toContain("complete -c cw -n '__fish_seen_subcommand_from launch' -l prompt-file -r -F");
    expect(fish).toContain("complete -c cw -n '__fish_seen_subcommand_from attach a' -a '(cw __complete sessions 2>/dev/null)'");
    expect(fish).toContain("complete -c cw -n '__fish_seen_subcommand_from server; and not __fish_seen_subcommand_from add list ls remove rm' -a 'add'");
    const bad = await h.cw(['completion', 'tcsh']);
    expect(bad.code).toBe(2);
  });

  it('fish completes for real: commands, options and session names', { timeout: 60_000 }, async () => {
    h = makeHome();
    const bin = cwOnPath(h);
    await h.ok(['launch', '--name', 'backend-api', '--', 'bash', '--norc', '--noprofile']);
    // fish's own `complete -C` asks the loaded completions what they offer for a command line, as Tab does.
    const fish = (line: string): Promise<string[]> =>
      new Promise((resolve, reject) => {
        execFile('fish', ['--no-config', '-c', `cw completion fish | source; or exit 9; complete -C ${JSON.stringify(line)}`], { env: { ...h!.env, PATH: `${bin}:${process.env.PATH}` }, timeout: 20_000 }, (err, stdout, stderr) => {
          if (err) reject(new Error(`fish failed: ${err.message}\n${stderr}`));
          else resolve(stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t')[0]!));
        });
      });
    expect(await fish('cw attach ba')).toEqual(['backend-api']);
    expect(await fish('cw ser')).toEqual(['server', 'service']);
    expect(await fish('cw launch --prompt')).toEqual(['--prompt', '--prompt-file', '--prompt-timeout']);
    expect(await fish('cw server ')).toEqual(expect.arrayContaining(['add', 'list', 'remove']));
  });

  it('zsh completes for real, at its prompt in a terminal, as a person presses Tab', { timeout: 60_000 }, async () => {
    h = makeHome();
    const bin = cwOnPath(h);
    await h.ok(['launch', '--name', 'backend-api', '--', 'bash', '--norc', '--noprofile']);
    const z = userTerminal(h, 'zsh', ['-f', '-i'], 100, 20, { PATH: `${bin}:${process.env.PATH}`, PS1: '%% ' });
    z.type('autoload -U compinit && compinit -u && source <(cw completion zsh) && echo loaded-$((6*7))\r');
    await z.waitScreen((l) => l.includes('loaded-42'), 'the completion loaded');
    z.type('cw attach ba\t');
    await z.waitScreen((l) => l.some((x) => x.includes('cw attach backend-api')), 'the session name completed');
    z.type('\x15cw launch --prompt-f\t');
    await z.waitScreen((l) => l.some((x) => x.includes('cw launch --prompt-file')), 'the option completed');
    z.type('\x15exit\r');
    expect(await z.exited).toBe(0);
  });
});
