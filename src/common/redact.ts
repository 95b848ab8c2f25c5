// Credentials never reach a terminal, a log, --json or a page: every URL cw prints goes through here first.
// A URL's user information (nats://user:password@host, nats://TOKEN@host, wss://user:pass@host) is a secret
// wherever it appears, the user part included (some servers take a token there: nats://TOKEN@host); so are
// the query parameters that carry a token or a password.

/** What stands in for a credential. */
export const REDACTED = '***';

/** Query parameters whose value is a secret (`?token=...`; ntfy's `?auth=`). Not `code`: `cw ui` prints its one-time link on purpose. */
const SECRET_PARAM_RE = /([?&](?:token|access_token|auth_token|auth|password|passwd|pass|secret|api_key|apikey)=)[^&#\s'"]*/gi;

/** scheme://userinfo@ inside a longer text: the userinfo runs to the authority's last '@'. */
const USERINFO_IN_TEXT_RE = /(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/?#'"@]*(?:@[^\s/?#'"@]*)*@/gi;

/**
 * One URL, or a bare HOST:PORT as NATS takes them, with its credentials replaced:
 * `nats://fleet:s3cret@h:4222` → `nats://***@h:4222`, `fleet:s3cret@h:4222` → `***@h:4222`.
 */
export function redactUrl(url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0] ?? '';
  const rest = url.slice(scheme.length);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@');
  const bare = at < 0 ? url : `${scheme}${REDACTED}@${rest.slice(at + 1)}`;
  return bare.replace(SECRET_PARAM_RE, `$1${REDACTED}`);
}

/** Every scheme://URL in a text (an error message that quotes one) with its credentials replaced. */
export function redactUrls(text: string): string {
  return text.replace(USERINFO_IN_TEXT_RE, `$1${REDACTED}@`).replace(SECRET_PARAM_RE, `$1${REDACTED}`);
}
