/**
 * The set-up of the `kyso pdf|xml sign --remote` tests: a demo CA whose CRL/OCSP/TSA URLs name
 * the server, the server on PGlite over real HTTP, an enrolled subscriber with a credential and
 * an OAuth2 client (provision), the client secret in a file, and the subscriber's decision on the
 * /approve page (PIN, then OTP) over its HTTP endpoints.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'vitest';
import { generateDemoHierarchy } from '../../../pki-core/src/cli/demo-certs.js';
import { tmpDir } from '../../../pki-core/test/helpers/tools.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { hidden, Jar, postForm } from './authz.js';
import { type Fetcher, provision } from './client.js';
import { OtpDevice, testEnv } from './env.js';

/** A free TCP port, so the certificates' CRL/OCSP/TSA URLs can name the server before it starts. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** A running server with a subscriber ready to approve remote signatures. */
export interface RemoteSigningSetup {
  srv: RunningServer;
  /** fetch relative to the server's URL. */
  f: Fetcher;
  /** The subscriber, credential and OAuth2 client. */
  p: Awaited<ReturnType<typeof provision>>;
  /** The subscriber's OTP device. */
  otp: OtpDevice;
  /** The demo CA folder (its ECDSA hierarchy is the server's CA: ecdsa/root.pem, ecdsa/issuing.pem). */
  ca: string;
  /** A working folder for the test's files. */
  dir: string;
  /** The OAuth2 client secret, in a file (for --client-secret-file). */
  secretFile: string;
}

/** Starts the server with its own demo CA and provisions a subscriber (call in beforeAll; stop in afterAll). */
export async function startRemoteSigning(dirPrefix?: string): Promise<RemoteSigningSetup> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const ca = tmpDir('kyso-demo-');
  await generateDemoHierarchy(ca, { variants: ['ecdsa'], baseUrl: base });
  const config = loadConfig(
    testEnv('pglite', {
      PORT: String(port),
      KYSO_PUBLIC_URL: base,
      KYSO_DEMO_CA_DIR: path.join(ca, 'ecdsa'),
    }),
  );
  const srv = await startServer(config, createLogger('silent'));
  const f: Fetcher = (u, init) => fetch(`${srv.url}${u}`, init);
  const p = await provision(f, srv.kyso.firstOperatorKey!);
  const dir = tmpDir(dirPrefix);
  const secretFile = path.join(dir, 'client-secret');
  fs.writeFileSync(secretFile, `${p.clientSecret}\n`);
  return { srv, f, p, otp: new OtpDevice(p.otpauthUri), ca, dir, secretFile };
}

/**
 * The subscriber signs in on /approve with the PIN and decides the (first) pending request; the
 * request is polled for (it appears once the command has asked: in a folder, file after file).
 * Returns the page that listed it.
 */
export async function decide(s: RemoteSigningSetup, decision: 'approve' | 'refuse'): Promise<string> {
  const { f, p } = s;
  const jar = new Jar();
  const login = await f('/approve?lang=en');
  jar.take(login);
  const ok = await postForm(
    f,
    '/approve/login',
    { identifier: p.cccd, pin: '246810', csrf: hidden(await login.text(), 'csrf')! },
    jar,
  );
  expect(ok.status).toBe(303);
  let page = '';
  let request: string | undefined;
  for (let i = 0; i < 200 && !request; i++) {
    if (i > 0) await new Promise((res) => setTimeout(res, 100));
    const list = await f('/approve?lang=en', { headers: { cookie: jar.header() } });
    jar.take(list);
    page = await list.text();
    request = hidden(page, 'request');
  }
  expect(request, page).toBeTruthy();
  const r = await postForm(
    f,
    '/approve/decide',
    {
      request: request!,
      csrf: hidden(page, 'csrf')!,
      decision,
      ...(decision === 'approve' ? { otp: s.otp.next() } : {}),
    },
    jar,
  );
  expect(r.status).toBe(303);
  return page;
}
