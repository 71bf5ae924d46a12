/**
 * Client repository: relying-party credentials (RFC 6749 §2.3.1). One secret check and one
 * HTTP Basic parser, used by every path that authenticates a client (token endpoint for both
 * grants, revocation).
 */
import crypto from 'node:crypto';
import type { Queryable } from './db.js';
import { timingSafeEqual } from '@kyso/pki-core';

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest();
const DUMMY = sha256('no such client');

/**
 * True when `id` is an enabled client whose secret is `secret`. The comparison runs against a
 * dummy hash when the client is unknown, so timing does not reveal client ids.
 */
export async function verifyClientSecret(q: Queryable, id: string, secret: string): Promise<boolean> {
  if (id.length === 0 || id.length > 100 || secret.length > 1000) return false;
  const r = await q.query<{ secret_hash: Uint8Array; disabled: boolean }>(
    'SELECT secret_hash, disabled FROM clients WHERE id = $1',
    [id],
  );
  const row = r.rows[0];
  const expected = Buffer.from(row?.secret_hash ?? DUMMY);
  const same = timingSafeEqual(sha256(secret), expected.length === 32 ? expected : DUMMY);
  return same && row !== undefined && !row.disabled;
}

/**
 * HTTP Basic client credentials (RFC 6749 §2.3.1: client id and secret form-urlencoded, then
 * RFC 7617). Returns undefined when the header is not Basic (scheme case-insensitive, RFC 7235
 * §2.1); `malformed` when it is Basic but cannot be read.
 */
export function parseBasicAuth(
  header: string | undefined,
): { id: string; secret: string } | 'malformed' | undefined {
  if (!header) return undefined;
  const m = /^basic +(\S*) *$/i.exec(header);
  if (!m) return undefined;
  const v = m[1]!;
  if (v.length === 0 || v.length > 600 || !/^[A-Za-z0-9+/]+={0,2}$/.test(v)) return 'malformed';
  const text = Buffer.from(v, 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i < 0) return 'malformed';
  try {
    return { id: decodeURIComponent(text.slice(0, i)), secret: decodeURIComponent(text.slice(i + 1)) };
  } catch {
    return 'malformed';
  }
}
