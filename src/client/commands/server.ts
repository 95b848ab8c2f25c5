// cw server add NAME URL [--token T] [--ca FILE] [--pin [--fingerprint SHA256]] [--no-check] | cw server list | cw server remove NAME
// `add` checks the server before saving it (reached, its TLS trusted, the token accepted): a typo found at `add`
// costs one line, found at the next `cw --server NAME` it costs a puzzle.
import type { Command } from 'commander';
import { connect as netConnect } from 'node:net';
import { readFileSync } from 'node:fs';
import { codewireHome } from '../../common/paths.js';
import { redactUrl } from '../../common/redact.js';
import { ClientError, ExitCode } from '../../channel/errors.js';
import { printJson, say, table, usage } from '../run.js';
import { SERVER_NAME_RE, loadServers, saveServers, type SavedServer } from '../servers.js';
import { fetchCertificate, normalizeFingerprint, toPem } from '../certificates.js';
import { tls } from '../../common/builtins.js';

/** How long the check before saving may take in all: TCP, TLS, the upgrade and the daemon's hello. */
const SERVER_CHECK_TIMEOUT_MS = 10_000;

const NO_CHECK_HINT = 'or save it unchecked with --no-check';

/**
 * Without a token to try: reaches the server and, for wss://, completes the TLS handshake with the trust the
 * entry will use. Sends nothing, so the daemon counts no failed login against this address.
 */
function probe(url: string, entry: SavedServer): Promise<void> {
  const u = new URL(url.replace(/^ws/i, 'http'));
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const secure = u.protocol === 'https:';
  const port = Number(u.port || (secure ? 443 : 80));
  return new Promise((resolve, reject) => {
    let trust = {};
    try {
      trust = entry.cert ? { ca: entry.cert, checkServerIdentity: () => undefined } : entry.ca ? { ca: readFileSync(entry.ca) } : {};
    } catch (err) {
      reject(new ClientError(`cannot read the CA file ${entry.ca}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, undefined, ExitCode.TLS, 'tls'));
      return;
    }
    const sock = secure
      ? tls().connect({ host, port, servername: /^[\d.:]+$/.test(host) ? undefined : host, ...trust }, () => {
          sock.end();
          resolve();
        })
      : netConnect({ host, port }, () => {
          sock.end();
          resolve();
        });
    sock.setTimeout(SERVER_CHECK_TIMEOUT_MS, () => sock.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    sock.on('error', (err: NodeJS.ErrnoException) => {
      const isTls = secure && (/^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO)/.test(err.code ?? '') || /certificate|ssl|tls/i.test(err.message));
      if (isTls) reject(new ClientError(`TLS with ${redactUrl(url)} failed: ${err.message}`, 'trust its CA with --ca FILE, or pin its certificate with --pin', ExitCode.TLS, 'tls'));
      else reject(new ClientError(`cannot reach ${redactUrl(url)}: ${err.message}`, 'is the daemon listening there (`cw daemon --listen`), and the address right?', ExitCode.UNREACHABLE, 'unreachable'));
    });
  });
}

/** Connects as `cw --server NAME` will and waits for the daemon's hello: reached, TLS trusted, token accepted. */
async function checkWithToken(url: string, entry: SavedServer, token: string): Promise<void> {
  const { connectRemote } = await import('../remote.js');
  const { channel } = await connectRemote({ name: null, url, token, ...(entry.ca ? { ca: entry.ca } : {}), ...(entry.cert ? { cert: entry.cert } : {}) });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      channel.hello,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new ClientError(`${redactUrl(url)} did not answer as a cw daemon within ${SERVER_CHECK_TIMEOUT_MS / 1000}s`, 'is it a cw daemon listening there?', ExitCode.UNREACHABLE, 'unreachable')), SERVER_CHECK_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    channel.end();
  }
}

/** Runs the check; a failure keeps its exit code (5 unreachable, 6 TLS, 7 token) and says nothing was saved. */
async function checkServer(name: string, url: string, entry: SavedServer, token: string | undefined): Promise<void> {
  try {
    if (token) await checkWithToken(url, entry, token);
    else await probe(url, entry);
  } catch (err) {
    if (!(err instanceof ClientError)) throw err;
    throw new ClientError(`server '${name}' not saved: ${err.message}`, err.hint ? `${err.hint}; ${NO_CHECK_HINT}` : NO_CHECK_HINT, err.exitCode, err.code);
  }
}

export function register(program: Command): void {
  const server = program.command('server').description('saved servers for `cw --server NAME`');

  server
    .command('add')
    .description('check a server, then save it (its URL, token and how to trust its certificate)')
    .argument('<name>', 'a short name, used as `cw --server NAME`')
    .argument('<url>', 'ws://host:port or wss://host:port')
    .option('--token <token>', 'the token (`cw token` on the server prints it); default: CODEWIRE_TOKEN for the check, nothing saved')
    .option('--ca <file>', 'verify the server with this CA bundle instead of the system roots')
    .option('--pin', 'trust exactly the certificate the server shows now (self-signed servers)')
    .option('--fingerprint <sha256>', 'with --pin: refuse unless the certificate has this SHA-256 fingerprint')
    .option('--no-check', 'save without connecting first (a server that is down now, a token to come)')
    .option('--json', 'print the saved entry as JSON (without the token)')
    .action(async (name: string, url: string, o: { token?: string; ca?: string; pin?: boolean; fingerprint?: string; check: boolean; json?: boolean }) => {
      if (!SERVER_NAME_RE.test(name)) throw usage(`invalid server name '${name}'`, 'names are 1-64 of [a-zA-Z0-9._-], starting with a letter or digit');
      const { normalizeUrl } = await import('../remote.js');
      const wsUrl = normalizeUrl(url);
      const shown = redactUrl(wsUrl);
      if (o.fingerprint && !o.pin) throw usage('--fingerprint goes with --pin');
      if ((o.pin || o.ca) && !wsUrl.startsWith('wss:')) throw usage('--pin and --ca are for wss:// URLs');
      const entry: SavedServer = { url: wsUrl };
      if (o.token) entry.token = o.token;
      if (o.ca) entry.ca = o.ca;
      if (o.pin) {
        const cert = await fetchCertificate(new URL(wsUrl.replace(/^wss:/, 'https:')));
        const fp = cert.fingerprint256;
        if (o.fingerprint && normalizeFingerprint(o.fingerprint) !== normalizeFingerprint(fp)) {
          throw new ClientError(`the certificate of ${shown} has fingerprint ${fp}, not the one given`, 'someone may be in the middle; check the fingerprint on the server', ExitCode.TLS, 'tls');
        }
        entry.cert = toPem(cert.raw);
        entry.fingerprint = fp;
        say(`Pinned the certificate of ${shown}: SHA-256 ${fp}`);
      }
      // The token the entry will be used with: its own, else CODEWIRE_TOKEN (see resolveTarget in remote.ts).
      const token = o.token ?? (process.env.CODEWIRE_TOKEN || undefined);
      const checked = !o.check ? 'no' : token ? 'token' : 'reachable';
      if (o.check) await checkServer(name, wsUrl, entry, token);
      const home = codewireHome();
      const servers = loadServers(home);
      const replaced = name in servers;
      servers[name] = entry;
      saveServers(home, servers);
      if (o.json) printJson({ name, url: shown, ca: entry.ca ?? null, fingerprint: entry.fingerprint ?? null, token: entry.token ? 'saved' : null, checked });
      const how =
        checked === 'token' ? 'checked: reached, token accepted' : checked === 'reachable' ? 'checked: reached; no token to try' : 'not checked';
      say(`${replaced ? 'Updated' : 'Saved'} server '${name}' (${shown}; ${how})${entry.token ? '' : '; no token saved: give --token or set CODEWIRE_TOKEN'}`);
    });

  server
    .command('list')
    .alias('ls')
    .description('the saved servers')
    .option('--json', 'print JSON (tokens are not shown)')
    .action((o: { json?: boolean }) => {
      const servers = loadServers(codewireHome());
      const rows = Object.entries(servers).map(([name, s]) => ({
        name,
        url: redactUrl(s.url),
        token: s.token ? 'saved' : 'none',
        trust: s.fingerprint ? `pinned ${s.fingerprint.slice(0, 23)}…` : s.ca ? `ca ${s.ca}` : s.url.startsWith('wss:') ? 'system roots' : 'no TLS',
      }));
      if (o.json) {
        printJson(rows);
        return;
      }
      if (rows.length === 0) {
        say('no saved servers (add one with `cw server add NAME URL --token T`)');
        return;
      }
      process.stdout.write(`${table([['NAME', 'URL', 'TOKEN', 'TRUST'], ...rows.map((r) => [r.name, r.url, r.token, r.trust])])}\n`);
    });

  server
    .command('remove')
    .alias('rm')
    .description('forget a saved server')
    .argument('<name>')
    .action((name: string) => {
      const home = codewireHome();
      const servers = loadServers(home);
      if (!(name in servers)) throw new ClientError(`no saved server '${name}'`, 'see `cw server list`');
      delete servers[name];
      saveServers(home, servers);
      say(`Removed server '${name}'`);
    });
}
