// A server's TLS certificate, fetched without sending it anything: for `cw server add --pin` (trust on first
// use, shown to the user) and for `--pin SHA256` / CODEWIRE_PIN on an ad hoc `--server wss://...`.
import type { PeerCertificate } from 'node:tls';
import { ClientError, ExitCode } from '../channel/errors.js';
import { tls } from '../common/builtins.js';

/** How long fetching a certificate may take (TCP and the TLS handshake). */
const CERT_FETCH_TIMEOUT_MS = 10_000;

/** The certificate the server at url (https: or wss:) shows; nothing is sent after the handshake. */
export function fetchCertificate(url: URL): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const sock = tls().connect({ host, port: Number(url.port || 443), servername: /^[\d.:]+$/.test(host) ? undefined : host, rejectUnauthorized: false }, () => {
      const cert = sock.getPeerCertificate(false);
      sock.end();
      if (!cert || !cert.raw) reject(new ClientError(`${url.host} sent no certificate`, undefined, ExitCode.TLS, 'tls'));
      else resolve(cert);
    });
    sock.setTimeout(CERT_FETCH_TIMEOUT_MS, () => sock.destroy(new Error('timed out')));
    sock.on('error', (err) => reject(new ClientError(`cannot fetch the certificate of ${url.host}: ${err.message}`, undefined, ExitCode.UNREACHABLE, 'unreachable')));
  });
}

export function toPem(raw: Buffer): string {
  const b64 = raw.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/** "ab:cd:..." or "ABCD..." → "ABCD...": fingerprints compare however they were written. */
export const normalizeFingerprint = (fp: string): string => fp.replace(/[^0-9a-f]/gi, '').toUpperCase();

/** True for a SHA-256 fingerprint: 64 hex digits, with or without colons. */
export function isSha256Fingerprint(fp: string): boolean {
  return /^[0-9a-f:\s]+$/i.test(fp) && normalizeFingerprint(fp).length === 64;
}

/**
 * The server's certificate as PEM, when its SHA-256 fingerprint is `fingerprint`; a TLS error (exit 6) otherwise.
 * The caller then trusts exactly that certificate, as for a pinned saved server.
 */
export async function pinnedCertificate(wssUrl: string, fingerprint: string): Promise<string> {
  const cert = await fetchCertificate(new URL(wssUrl.replace(/^wss:/i, 'https:')));
  if (normalizeFingerprint(cert.fingerprint256) !== normalizeFingerprint(fingerprint)) {
    throw new ClientError(
      `the certificate of ${new URL(wssUrl).host} has fingerprint ${cert.fingerprint256}, not the pinned one`,
      'someone may be in the middle; check the fingerprint on the server (`openssl x509 -noout -fingerprint -sha256 -in CERT`)',
      ExitCode.TLS,
      'tls',
    );
  }
  return toPem(cert.raw);
}

/** How to trust a wss:// server: a CA bundle file, a pinned certificate (PEM), or a fingerprint to pin now. */
export interface Trust {
  ca?: string;
  cert?: string;
  pin?: string;
}

function usageError(message: string, hint?: string): ClientError {
  return new ClientError(message, hint, ExitCode.USAGE, 'usage');
}

const PIN_HINT = '--pin takes the SHA-256 fingerprint of the server certificate (`cw server add NAME URL --pin` shows it)';

/**
 * The trust for one connection to url: `--ca`/`--pin` on the command line first, then the saved server's, then
 * CODEWIRE_CA / CODEWIRE_PIN (the same order as the token: command line, saved, environment). The options are a
 * usage error on a ws:// URL; the environment is ignored there (it may be set for other servers).
 */
export function chooseTrust(url: string, given: { ca?: string; pin?: string }, saved: Trust, env: NodeJS.ProcessEnv = process.env): Trust {
  const secure = /^wss:/i.test(url);
  if (given.ca !== undefined || given.pin !== undefined) {
    if (given.ca !== undefined && given.pin !== undefined) throw usageError('give --ca or --pin, not both');
    if (!secure) throw usageError('--ca and --pin are for wss:// URLs');
    if (given.pin !== undefined && !isSha256Fingerprint(given.pin)) throw usageError(`--pin: '${given.pin}' is not a SHA-256 fingerprint`, PIN_HINT);
    return given.pin !== undefined ? { pin: given.pin } : { ca: given.ca! };
  }
  if (saved.cert !== undefined || saved.ca !== undefined) return saved;
  const ca = env.CODEWIRE_CA || undefined;
  const pin = env.CODEWIRE_PIN || undefined;
  if (!secure || (ca === undefined && pin === undefined)) return {};
  if (ca !== undefined && pin !== undefined) throw usageError('CODEWIRE_CA and CODEWIRE_PIN are both set: set one');
  if (pin !== undefined && !isSha256Fingerprint(pin)) throw usageError(`CODEWIRE_PIN: '${pin}' is not a SHA-256 fingerprint`, PIN_HINT);
  return pin !== undefined ? { pin } : { ca: ca! };
}
