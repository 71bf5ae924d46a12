/** Tiny HTTP helpers over Hono's app.request (or a real base URL). */
import type { OtpDevice } from './env.js';

export type Fetcher = (path: string, init?: RequestInit) => Promise<Response>;

export interface Json {
  status: number;
  body: Record<string, any>;
}

export async function call(
  f: Fetcher,
  method: string,
  path: string,
  opts: {
    token?: string;
    json?: unknown;
    raw?: BodyInit;
    type?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<Json> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: BodyInit | undefined = opts.raw;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['content-type'] = 'application/json';
  }
  if (opts.type) headers['content-type'] = opts.type;
  const r = await f(path, { method, headers, body });
  const text = await r.text();
  let parsed: Record<string, any> = {};
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = { _text: text };
  }
  return { status: r.status, body: parsed };
}

/** Operator sets up: citizen, credential, client, grant; returns what a relying party needs. */
export async function provision(
  f: Fetcher,
  operatorKey: string,
  key: { type: 'EC' | 'RSA'; curve?: string; modulusLength?: number } = { type: 'EC', curve: 'P-256' },
  name = 'Nguyễn Văn An',
  opts: { cccd?: string; clientName?: string } = {},
) {
  // A CCCD of her own (sign-in identifiers are unique): 0792 and 8 random digits.
  const cccd = opts.cccd ?? `0792${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  const sub = await call(f, 'POST', '/admin/subscribers', {
    token: operatorKey,
    json: { kind: 'citizen', name, cccd, pin: '246810', province: 'Thành phố Hồ Chí Minh' },
  });
  if (sub.status !== 201) throw new Error(`enrol failed ${JSON.stringify(sub)}`);
  const ids = await call(f, 'POST', `/admin/subscribers/${sub.body.id}/sign-in`, {
    token: operatorKey,
    json: { cccd },
  });
  if (ids.status !== 200) throw new Error(`sign-in identifiers failed ${JSON.stringify(ids)}`);
  const cred = await call(f, 'POST', '/admin/credentials', {
    token: operatorKey,
    json: { subscriberId: sub.body.id, key, description: 'test credential' },
  });
  if (cred.status !== 201) throw new Error(`credential failed ${JSON.stringify(cred)}`);
  const cl = await call(f, 'POST', '/admin/clients', {
    token: operatorKey,
    json: { name: opts.clientName ?? 'Agency portal' },
  });
  const g = await call(f, 'POST', `/admin/clients/${cl.body.clientId}/grants`, {
    token: operatorKey,
    json: { credentialId: cred.body.credentialId },
  });
  if (g.status !== 201) throw new Error(`grant failed ${JSON.stringify(g)}`);
  return {
    subscriberId: sub.body.id as string,
    /** The citizen ID she signs in with on /approve (also in her certificate). */
    cccd,
    otpauthUri: sub.body.otpauthUri as string,
    credentialId: cred.body.credentialId as string,
    certificatePem: cred.body.certificate as string,
    clientId: cl.body.clientId as string,
    clientSecret: cl.body.clientSecret as string,
  };
}

export async function token(f: Fetcher, clientId: string, clientSecret: string): Promise<string> {
  const r = await f('/csc/v2/oauth2/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
    }).toString(),
  });
  const b = (await r.json()) as { access_token: string };
  if (r.status !== 200) throw new Error(`token failed ${JSON.stringify(b)}`);
  return b.access_token;
}

export const SHA256_OID = '2.16.840.1.101.3.4.2.1';

export async function authorize(
  f: Fetcher,
  tok: string,
  credentialId: string,
  hashes: string[],
  otp: OtpDevice,
  pin = '246810',
): Promise<Json> {
  return call(f, 'POST', '/csc/v2/credentials/authorize', {
    token: tok,
    json: {
      credentialID: credentialId,
      numSignatures: hashes.length,
      hashes,
      hashAlgorithmOID: SHA256_OID,
      authData: [
        { id: 'PIN', value: pin },
        { id: 'OTP', value: otp.next() },
      ],
    },
  });
}
