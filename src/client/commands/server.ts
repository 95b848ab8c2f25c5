// cw server add NAME URL [--token T] [--ca FILE] [--pin [--fingerprint SHA256]] | cw server list | cw server remove NAME
import type { Command } from 'commander';
import type { PeerCertificate } from 'node:tls';
import { codewireHome } from '../../common/paths.js';
import { ClientError, ExitCode } from '../../channel/errors.js';
import { printJson, say, table, usage } from '../run.js';
import { SERVER_NAME_RE, loadServers, saveServers, type SavedServer } from '../servers.js';
import { tls } from '../../common/builtins.js';

/** Fetches the server's certificate without sending anything (trust on first use, shown to the user). */
function fetchCertificate(url: URL): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const sock = tls().connect({ host, port: Number(url.port || 443), servername: /^[\d.:]+$/.test(host) ? undefined : host, rejectUnauthorized: false }, () => {
      const cert = sock.getPeerCertificate(false);
      sock.end();
      if (!cert || !cert.raw) reject(new ClientError(`${url.host} sent no certificate`, undefined, ExitCode.TLS, 'tls'));
      else resolve(cert);
    });
    sock.setTimeout(10_000, () => sock.destroy(new Error('timed out')));
    sock.on('error', (err) => reject(new ClientError(`cannot fetch the certificate of ${url.host}: ${err.message}`, undefined, ExitCode.UNREACHABLE, 'unreachable')));
  });
}

function toPem(raw: Buffer): string {
  const b64 = raw.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

const normalizeFp = (fp: string): string => fp.replace(/[^0-9a-f]/gi, '').toUpperCase();

export function register(program: Command): void {
  const server = program.command('server').description('saved servers for `cw --server NAME`');

  server
    .command('add')
    .description('save a server (its URL, token and how to trust its certificate)')
    .argument('<name>', 'a short name, used as `cw --server NAME`')
    .argument('<url>', 'ws://host:port or wss://host:port')
    .option('--token <token>', 'the token (`cw token` on the server prints it)')
    .option('--ca <file>', 'verify the server with this CA bundle instead of the system roots')
    .option('--pin', 'trust exactly the certificate the server shows now (self-signed servers)')
    .option('--fingerprint <sha256>', 'with --pin: refuse unless the certificate has this SHA-256 fingerprint')
    .option('--json', 'print the saved entry as JSON (without the token)')
    .action(async (name: string, url: string, o: { token?: string; ca?: string; pin?: boolean; fingerprint?: string; json?: boolean }) => {
      if (!SERVER_NAME_RE.test(name)) throw usage(`invalid server name '${name}'`, 'names are 1-64 of [a-zA-Z0-9._-], starting with a letter or digit');
      const { normalizeUrl } = await import('../remote.js');
      const wsUrl = normalizeUrl(url);
      if (o.fingerprint && !o.pin) throw usage('--fingerprint goes with --pin');
      if ((o.pin || o.ca) && !wsUrl.startsWith('wss:')) throw usage('--pin and --ca are for wss:// URLs');
      const entry: SavedServer = { url: wsUrl };
      if (o.token) entry.token = o.token;
      if (o.ca) entry.ca = o.ca;
      if (o.pin) {
        const cert = await fetchCertificate(new URL(wsUrl.replace(/^wss:/, 'https:')));
        const fp = cert.fingerprint256;
        if (o.fingerprint && normalizeFp(o.fingerprint) !== normalizeFp(fp)) {
          throw new ClientError(`the certificate of ${wsUrl} has fingerprint ${fp}, not the one given`, 'someone may be in the middle; check the fingerprint on the server', ExitCode.TLS, 'tls');
        }
        entry.cert = toPem(cert.raw);
        entry.fingerprint = fp;
        say(`Pinned the certificate of ${wsUrl}: SHA-256 ${fp}`);
      }
      const home = codewireHome();
      const servers = loadServers(home);
      const replaced = name in servers;
      servers[name] = entry;
      saveServers(home, servers);
      if (o.json) printJson({ name, url: entry.url, ca: entry.ca ?? null, fingerprint: entry.fingerprint ?? null, token: entry.token ? 'saved' : null });
      say(`${replaced ? 'Updated' : 'Saved'} server '${name}' (${entry.url})${entry.token ? '' : '; no token saved: give --token or set CODEWIRE_TOKEN'}`);
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
        url: s.url,
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
