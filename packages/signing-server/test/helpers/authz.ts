/** Helpers for the server-collected authorisation tests: PKCE, page forms, cookies. */
import crypto from 'node:crypto';
import { call, type Fetcher } from './client.js';

export const REDIRECT = 'http://127.0.0.1:9999/callback';

export function pkce(): { verifier: string; challenge: string } {
  const verifier = crypto.randomBytes(32).toString('base64url');
  return { verifier, challenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
}

export async function registerRedirect(f: Fetcher, operatorKey: string, clientId: string, uri = REDIRECT) {
  const r = await call(f, 'POST', `/admin/clients/${clientId}/redirect-uris`, {
    token: operatorKey,
    json: { redirectUris: [uri] },
  });
  if (r.status !== 200) throw new Error(`redirect registration failed ${JSON.stringify(r.body)}`);
}

export function authorizeUrl(p: {
  clientId: string;
  credentialId: string;
  hashes: string[];
  labels?: string[];
  challenge: string;
  state?: string;
  lang?: string;
  redirectUri?: string;
  details?: boolean;
}): string {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: p.clientId,
    redirect_uri: p.redirectUri ?? REDIRECT,
    scope: 'credential',
    code_challenge: p.challenge,
    code_challenge_method: 'S256',
    state: p.state ?? 'st-123',
    ...(p.lang ? { lang: p.lang } : {}),
  });
  if (p.details) {
    q.set(
      'authorization_details',
      JSON.stringify([
        {
          type: 'credential',
          credentialID: p.credentialId,
          hashAlgorithmOID: '2.16.840.1.101.3.4.2.1',
          documentDigests: p.hashes.map((hash, i) => ({ hash, label: p.labels?.[i] })),
        },
      ]),
    );
  } else {
    q.set('credentialID', p.credentialId);
    q.set('hashes', p.hashes.join(','));
    q.set('hashAlgorithmOID', '2.16.840.1.101.3.4.2.1');
    q.set('numSignatures', String(p.hashes.length));
    if (p.labels) q.set('labels', p.labels.map(encodeURIComponent).join(','));
  }
  return `/csc/v2/oauth2/authorize?${q}`;
}

/** A cookie jar for Hono's app.request. */
export class Jar {
  cookies = new Map<string, string>();
  take(r: Response): void {
    for (const c of r.headers.getSetCookie()) {
      const [kv] = c.split(';');
      const i = kv!.indexOf('=');
      const k = kv!.slice(0, i);
      const v = kv!.slice(i + 1);
      if (v === '' || /Max-Age=0/i.test(c)) this.cookies.delete(k);
      else this.cookies.set(k, v);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export function hidden(html: string, name: string): string | undefined {
  return new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
}

export async function postForm(
  f: Fetcher,
  path: string,
  fields: Record<string, string>,
  jar?: Jar,
): Promise<Response> {
  const r = await f(path, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(jar ? { cookie: jar.header() } : {}),
    },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
  jar?.take(r);
  return r;
}

export async function exchange(
  f: Fetcher,
  clientId: string,
  clientSecret: string,
  code: string,
  verifier: string,
  redirectUri = REDIRECT,
) {
  const r = await f('/csc/v2/oauth2/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: redirectUri,
      client_id: clientId,
      client_secret: clientSecret,
    }).toString(),
  });
  return { status: r.status, body: (await r.json()) as Record<string, any> };
}
