// Connecting to NATS from config.toml's [nats]: the same options for the daemon's fleet agent and `cw fleet`.
// Loaded lazily by both (the NATS client never weighs on `cw list`).
import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import type { NatsConfig } from '../config.js';
import { redactUrl, redactUrls } from '../redact.js';

export type { NatsConnection };

/** nats://host:port, for messages. config.ts already took any credentials out of the URLs; redacted all the same. */
export function describeServers(cfg: NatsConfig): string {
  return cfg.servers.map(redactUrl).join(',');
}

/**
 * The client options for cfg. Reads creds_file now (so a credentials rotation is picked up at the next
 * connection). Throws a plain Error with a one-line message when the file cannot be read.
 */
export function natsOptions(cfg: NatsConfig): NodeConnectionOptions {
  const opts: NodeConnectionOptions = { servers: cfg.servers };
  if (cfg.credsFile !== undefined) {
    let creds: Uint8Array;
    try {
      creds = readFileSync(cfg.credsFile);
    } catch (err) {
      throw new Error(`cannot read nats.creds_file ${cfg.credsFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    opts.authenticator = credsAuthenticator(creds);
  }
  if (cfg.token !== undefined) opts.token = cfg.token;
  if (cfg.user !== undefined) {
    opts.user = cfg.user;
    opts.pass = cfg.password ?? '';
  }
  // TLS: required when the URL says tls:// or a CA or client certificate is configured; otherwise the client
  // upgrades when the server demands it.
  const wantsTls = cfg.servers.some((s) => /^tls:\/\//i.test(s)) || cfg.tlsCa !== undefined || cfg.tlsCert !== undefined;
  if (wantsTls) {
    opts.tls = {
      ...(cfg.tlsCa !== undefined ? { caFile: cfg.tlsCa } : {}),
      ...(cfg.tlsCert !== undefined ? { certFile: cfg.tlsCert } : {}),
      ...(cfg.tlsKey !== undefined ? { keyFile: cfg.tlsKey } : {}),
    };
  }
  return opts;
}

export { connect };

/** What kind of failure a connection error is: scripts and logs tell wrong credentials from a server that is down. */
export function classifyNatsError(err: unknown): { kind: 'auth' | 'tls' | 'unreachable' | 'other'; message: string } {
  const e = err as Error & { code?: string; cause?: Error & { code?: string } };
  const name = e?.name ?? '';
  // The client's messages may quote a server URL: never with its credentials.
  const text = redactUrls([e?.message, e?.cause?.message].filter(Boolean).join(': ') || String(err));
  if (name === 'AuthorizationError' || name === 'UserAuthenticationExpiredError' || /authori[sz]ation|authentication/i.test(text)) return { kind: 'auth', message: text };
  if (/certificate|tls|ssl/i.test(text)) return { kind: 'tls', message: text };
  if (name === 'ConnectionError' || name === 'TimeoutError' || /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ETIMEDOUT|timeout|refused/i.test(text)) return { kind: 'unreachable', message: text };
  return { kind: 'other', message: text };
}

/** True when a request failed because nobody subscribes to the subject (the node is not in the fleet). */
export function isNoResponders(err: unknown): boolean {
  const e = err as Error & { cause?: Error };
  return e?.name === 'NoRespondersError' || e?.cause?.name === 'NoRespondersError' || /no responders/i.test(e?.message ?? '');
}

export function isTimeout(err: unknown): boolean {
  const e = err as Error & { cause?: Error };
  return e?.name === 'TimeoutError' || e?.cause?.name === 'TimeoutError' || /timeout/i.test(e?.message ?? '');
}
