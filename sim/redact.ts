/**
 * What the request log keeps of a secret: enough to tell two apart (a scheme and a short
 * fingerprint), never the secret itself. The log is read by tests and tools; a credential in it
 * would be one more place to leak from.
 */
import { createHash } from 'node:crypto';

/** Headers whose value is `Scheme credential`. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization']);

/** Query parameters that carry a secret, wherever a client puts them. */
const SECRET_PARAMETERS = ['access_token', 'refresh_token', 'code', 'client_secret', 'password'];

/** `sha256:` and the first 8 hex digits of the SHA-256 of `secret`: the same secret, the same fingerprint. */
export function fingerprint(secret: string): string {
  return `sha256:${createHash('sha256').update(secret).digest('hex').slice(0, 8)}`;
}

/** `Bearer abc…` → `Bearer sha256:1a2b3c4d`; a value with no scheme is fingerprinted whole. */
export function redactCredential(value: string): string {
  const match = /^(\S+)\s+(.*)$/s.exec(value.trim());
  return match ? `${match[1]} ${fingerprint(match[2] ?? '')}` : fingerprint(value);
}

/** The headers as the log keeps them: credentials and cookie values reduced to fingerprints. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (CREDENTIAL_HEADERS.has(name)) out[name] = redactCredential(value);
    else if (name === 'cookie') out[name] = value.replace(/=([^;]*)/g, (_, cookie: string) => `=${fingerprint(cookie)}`);
    else out[name] = value;
  }
  return out;
}

/** The URL as the log keeps it: a secret in its query reduced to a fingerprint (the rest as sent). */
export function redactUrl(url: URL): string {
  if (!SECRET_PARAMETERS.some((name) => url.searchParams.has(name))) return url.href;
  const copy = new URL(url.href);
  const params = [...url.searchParams].map(([name, value]) => [name, SECRET_PARAMETERS.includes(name) ? fingerprint(value) : value]);
  copy.search = new URLSearchParams(params).toString();
  return copy.href;
}
