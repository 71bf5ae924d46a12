/**
 * Credential repository: the one module with SQL on the `credentials` table — lookup (by id, or
 * as granted to a client), creation, state changes (enabled, certificate, key, authorisation
 * policy), the subscriber behind a credential, and the credential's key handle (its `vault_keys`
 * row: sealed key or token reference). Statements elsewhere that must touch the table in the same
 * statement (the signHash fast path, SADs ended by subscriber or CA) embed the SQL fragments
 * exported here (`grantedCredentialSql`, `credentialIdsSql`). test/route-sweep.test.ts checks
 * that no other module names the table in SQL.
 */
import { rowKey } from '../services/common.js';
import type { StoredKey } from '../vault/types.js';
import type { Queryable } from './db.js';

export interface CredentialRow {
  id: string;
  subscriber_id: string;
  key_id: string;
  ca_id: string | null;
  profile: string;
  enabled: boolean;
  cert_serial: string | null;
  /** Issuer chain of an imported certificate (DER, parent first). */
  external_chain: Uint8Array[];
  description: string | null;
  multisign: number;
  auth_policy: string;
  /** Factors that approve an authorisation (migration 030): 'pin+otp', 'passkey', 'passkey+pin'. */
  factors: string;
}

export type AuthPolicy = 'explicit' | 'async';

/**
 * SQL for the credential `credentialId` as granted to `clientId` (placeholders or subqueries),
 * aliased `cr`, selecting `cols` (of `cr`). Used by `grantedCredential` and embedded by the
 * signHash fast path's single statement.
 */
export function grantedCredentialSql(clientId: string, credentialId: string, cols = 'cr.*'): string {
  return `SELECT ${cols} FROM credentials cr
  JOIN grants g ON g.credential_id = cr.id AND g.client_id = ${clientId}
  WHERE cr.id = ${credentialId}`;
}

/** A subquery for the ids of the credentials of a subscriber or of the credentials a CA issued. */
export function credentialIdsSql(of: 'subscriber' | 'ca', placeholder: string): string {
  return `SELECT id FROM credentials WHERE ${of === 'subscriber' ? 'subscriber_id' : 'ca_id'} = ${placeholder}`;
}

const GRANTED = grantedCredentialSql('$1', '$2');

/** The credential if it exists and is granted to the client (one answer for both refusals). */
export async function grantedCredential(
  q: Queryable,
  clientId: string,
  credentialId: string,
): Promise<CredentialRow | undefined> {
  return (await q.query<CredentialRow>(GRANTED, [clientId, credentialId])).rows[0];
}

/** A credential by id; `forUpdate` locks the row until the transaction ends. */
export async function getCredential(
  q: Queryable,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<CredentialRow | undefined> {
  return (
    await q.query<CredentialRow>(
      `SELECT * FROM credentials WHERE id = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`,
      [id],
    )
  ).rows[0];
}

export async function credentialExists(q: Queryable, id: string): Promise<boolean> {
  return (await q.query('SELECT 1 FROM credentials WHERE id = $1', [id])).rows.length > 0;
}

export async function insertCredential(
  q: Queryable,
  c: {
    id: string;
    subscriberId: string;
    keyId: string;
    profile: string;
    description?: string | null;
    multisign: number;
  },
): Promise<void> {
  await q.query(
    'INSERT INTO credentials (id, subscriber_id, key_id, ca_id, profile, description, multisign) VALUES ($1, $2, $3, NULL, $4, $5, $6)',
    [c.id, c.subscriberId, c.keyId, c.profile, c.description ?? null, c.multisign],
  );
}

/** The certificate the built-in CA `caId` issued for the credential becomes its current one. */
export async function setIssuedCertificate(
  q: Queryable,
  id: string,
  serial: string,
  caId: string,
): Promise<void> {
  await q.query('UPDATE credentials SET cert_serial = $2, ca_id = $3 WHERE id = $1', [id, serial, caId]);
}

/** An imported certificate (issued elsewhere, `chain` parent first) becomes the current one. */
export async function setImportedCertificate(
  q: Queryable,
  id: string,
  serial: string,
  chain: Uint8Array[],
): Promise<void> {
  await q.query('UPDATE credentials SET cert_serial = $2, external_chain = $3 WHERE id = $1', [
    id,
    serial,
    chain,
  ]);
}

/** Rekey: the credential's new key and certificate. */
export async function setCredentialKey(
  q: Queryable,
  id: string,
  keyId: string,
  serial: string,
): Promise<void> {
  await q.query('UPDATE credentials SET key_id = $2, cert_serial = $3 WHERE id = $1', [id, keyId, serial]);
}

/** Enables or disables a credential; false when there is no such credential. */
export async function setCredentialEnabled(q: Queryable, id: string, enabled: boolean): Promise<boolean> {
  return (
    (await q.query('UPDATE credentials SET enabled = $2 WHERE id = $1 RETURNING id', [id, enabled])).rows
      .length > 0
  );
}

/** Sets how the credential's signatures are authorised; false when there is no such credential. */
export async function setAuthPolicy(q: Queryable, id: string, policy: AuthPolicy): Promise<boolean> {
  return (
    (await q.query('UPDATE credentials SET auth_policy = $2 WHERE id = $1 RETURNING id', [id, policy])).rows
      .length > 0
  );
}

export async function authPolicy(q: Queryable, id: string): Promise<string | undefined> {
  // A credential approved with a passkey is always asynchronous (or oauth2code): its factor
  // cannot be relayed by the client.
  return (
    await q.query<{ auth_policy: string }>(
      `SELECT CASE WHEN factors <> 'pin+otp' THEN 'async' ELSE auth_policy END AS auth_policy FROM credentials WHERE id = $1`,
      [id],
    )
  ).rows[0]?.auth_policy;
}

/** The factors that approve an authorisation of the credential (migration 030). */
export async function credentialFactors(q: Queryable, id: string): Promise<string | undefined> {
  return (await q.query<{ factors: string }>('SELECT factors FROM credentials WHERE id = $1', [id])).rows[0]
    ?.factors;
}

export async function setCredentialFactors(q: Queryable, id: string, factors: string): Promise<boolean> {
  return (
    (await q.query('UPDATE credentials SET factors = $2 WHERE id = $1 RETURNING id', [id, factors])).rows
      .length === 1
  );
}

/** The subscriber behind a credential, its multisign limit and whether the subscriber is locked. */
export async function credentialHolder(
  q: Queryable,
  id: string,
): Promise<{ subscriber_id: string; multisign: number; locked: boolean } | undefined> {
  return (
    await q.query<{ subscriber_id: string; multisign: number; locked: boolean }>(
      'SELECT c.subscriber_id, c.multisign, s.locked FROM credentials c JOIN subscribers s ON s.id = c.subscriber_id WHERE c.id = $1',
      [id],
    )
  ).rows[0];
}

/** The key handle of a credential's key (`credentials.key_id`): its `vault_keys` row. */
export async function credentialKey(q: Queryable, keyId: string): Promise<StoredKey> {
  const r = await q.query<{ id: string; vault: string; spec: unknown; spki: Uint8Array; blob: unknown }>(
    'SELECT id, vault, spec, spki, blob FROM vault_keys WHERE id = $1',
    [keyId],
  );
  const row = r.rows[0];
  if (!row) throw new Error(`vault key ${keyId} missing`);
  return rowKey(row);
}
