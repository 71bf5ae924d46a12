/**
 * The server knows every certificate of the hierarchy it starts with (issue 13):
 * - without KYSO_DEMO_CA_DIR it makes the demo hierarchy in its data directory with its public URL
 *   (KYSO_PUBLIC_URL, else the address it listens on, PORT=0 included) in every CRL/OCSP/CA-issuers
 *   URL, and reuses it on restart;
 * - its OCSP responder answers good or revoked (with the CRL's time and reason) for every
 *   certificate of that hierarchy, checked with `openssl ocsp` as the client over HTTP;
 * - it continues the CRL numbering it inherits, and no two CRLs of one issuer ever carry the same
 *   number: across restarts and across a fresh database over the same keys (`openssl crl -text`).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Certificate } from '@kyso/pki-core';
import { generateDemoHierarchy } from '../../pki-core/src/cli/demo-certs.js';
import { requireTool, tmpDir } from '../../pki-core/test/helpers/tools.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { createKyso, type RunningServer, startServer } from '../src/server.js';
import { type Fetcher, provision } from './helpers/client.js';
import { testEnv } from './helpers/env.js';

const hasOpenssl = requireTool('openssl');
const pexec = promisify(execFile);

/** Runs openssl without blocking the event loop (the server under test runs in this process). */
async function openssl(args: string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await pexec('openssl', args, { encoding: 'utf8', maxBuffer: 8 << 20 });
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${x.message}\n${x.stdout ?? ''}${x.stderr ?? ''}`);
  }
}

/** Every URI in a certificate's extensions as openssl prints them. */
async function urisOf(certFile: string): Promise<string[]> {
  const { stdout } = await openssl(['x509', '-in', certFile, '-noout', '-text']);
  return [...stdout.matchAll(/URI:(\S+)/g)].map((m) => m[1]!);
}

/** Issuer and CRL number of a CRL, as `openssl crl -text` reads them. */
async function crlIdentity(der: Uint8Array): Promise<{ issuer: string; number: bigint; text: string }> {
  const f = path.join(tmpDir('kyso-crl-'), 'x.crl');
  fs.writeFileSync(f, der);
  const { stdout } = await openssl(['crl', '-inform', 'DER', '-in', f, '-noout', '-text']);
  const issuer = /Issuer: (.+)/.exec(stdout)?.[1]?.trim();
  const num = /X509v3 CRL Number:\s*\n\s*([0-9A-Fa-f:]+)/.exec(stdout)?.[1];
  if (!issuer || !num) throw new Error(`openssl could not read issuer/number:\n${stdout}`);
  // openssl prints small numbers in decimal, large ones as colon-separated hex.
  const number =
    num.includes(':') || /[A-Fa-f]/.test(num) ? BigInt(`0x${num.replace(/:/g, '')}`) : BigInt(num);
  return { issuer, number, text: stdout };
}

interface Entity {
  id: string;
  certificate: string;
  status: 'valid' | 'revoked' | 'expired';
  serialNumber: string;
}

/** Every CRL the database holds, read back through openssl. */
async function dbCrls(srv: RunningServer): Promise<{ issuer: string; number: bigint; der: string }[]> {
  const rows = (await srv.kyso.ctx.db.query<{ der: Uint8Array }>('SELECT der FROM crls')).rows;
  const out = [];
  for (const r of rows) {
    const id = await crlIdentity(r.der);
    out.push({ issuer: id.issuer, number: id.number, der: Buffer.from(r.der).toString('hex') });
  }
  return out;
}

/** Asserts that no (issuer, number) pair is carried by two different CRLs. */
function expectUniqueNumbers(crls: { issuer: string; number: bigint; der: string }[]): void {
  const seen = new Map<string, string>();
  for (const c of crls) {
    const k = `${c.issuer}#${c.number}`;
    const prev = seen.get(k);
    if (prev !== undefined) expect(prev, `two different CRLs numbered ${k}`).toBe(c.der);
    seen.set(k, c.der);
  }
}

describe.runIf(hasOpenssl)('the demo hierarchy the server makes on first start (PGlite, PORT=0)', () => {
  let env: Record<string, string>;
  let srv: RunningServer;
  let dir: string;
  let entities: Entity[];
  const seenCrls: { issuer: string; number: bigint; der: string }[] = [];

  beforeAll(async () => {
    env = testEnv('pglite', { PORT: '0' });
    srv = await startServer(loadConfig(env), createLogger('silent'));
    dir = path.join(env.KYSO_DATA_DIR!, 'demo-ca', 'ecdsa');
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, '..', 'manifest.json'), 'utf8')) as {
      baseUrl: string;
      variants: { entities: Entity[] }[];
    };
    expect(manifest.baseUrl).toBe(srv.url);
    entities = manifest.variants[0]!.entities;
  }, 120_000);
  afterAll(async () => {
    await srv?.stop();
  });

  it('writes its public URL (the port actually bound) into every URL of the hierarchy', async () => {
    expect(srv.port).not.toBe(0);
    expect(srv.kyso.ctx.config.publicBaseUrl).toBe(srv.url);
    const files = ['issuing.pem', ...entities.map((e) => path.basename(e.certificate))];
    expect(files).toContain('official.pem');
    for (const f of files) {
      const uris = await urisOf(path.join(dir, f));
      expect(uris.length, f).toBeGreaterThan(0);
      for (const u of uris) expect(u.startsWith(`${srv.url}/pki/`), `${f}: ${u}`).toBe(true);
    }
    // The CA-issuers and CRL URLs of the official's certificate answer on this server.
    const uris = await urisOf(path.join(dir, 'official.pem'));
    for (const u of uris.filter((x) => x.endsWith('.cer') || x.endsWith('.crl'))) {
      const r = await fetch(u);
      expect(r.status, u).toBe(200);
    }
    expect(fs.readFileSync(path.join(dir, '..', 'README.md'), 'utf8')).toMatch(/TEST KEYS ONLY/);
  });

  it('answers OCSP good or revoked for every certificate of the hierarchy (openssl ocsp as client)', async () => {
    const staticCrl = await crlIdentity(fs.readFileSync(path.join(dir, 'issuing.crl')));
    const cases: { name: string; issuer: string; cert: string; want: 'good' | 'revoked' }[] = [
      { name: 'issuing', issuer: 'root.pem', cert: 'issuing.pem', want: 'good' },
      ...entities.map((e) => ({
        name: e.id,
        issuer: 'issuing.pem',
        cert: path.basename(e.certificate),
        want: e.status === 'revoked' ? ('revoked' as const) : ('good' as const),
      })),
    ];
    expect(cases.map((c) => c.name).sort()).toEqual(
      ['agency-seal', 'citizen', 'expired', 'issuing', 'ocsp-signer', 'official', 'revoked', 'tsa'].sort(),
    );
    for (const c of cases) {
      const { stdout, stderr } = await openssl([
        'ocsp',
        '-issuer',
        path.join(dir, c.issuer),
        '-cert',
        path.join(dir, c.cert),
        '-url',
        `${srv.url}/pki/ocsp`,
        '-CAfile',
        path.join(dir, 'chain.pem'),
        '-no_nonce',
      ]);
      expect(stderr + stdout, c.name).toMatch(/Response verify OK/);
      const status = new RegExp(`${c.cert.replace('.', '\\.')}: (good|revoked|unknown)`).exec(stdout)?.[1];
      expect(status, `${c.name}: ${stdout}`).toBe(c.want);
      if (c.want === 'revoked') {
        expect(stdout).toMatch(/Reason: keyCompromise/);
        // The revocation time is the one the hierarchy's CRL gives (openssl prints both alike).
        const t = /Revocation Time: (.+)/.exec(stdout)?.[1]?.trim();
        expect(t).toBeTruthy();
        const serial = entities.find((e) => e.id === c.name)!.serialNumber.toUpperCase();
        expect(staticCrl.text).toContain(`Serial Number: ${serial}`);
        expect(staticCrl.text.split(`Serial Number: ${serial}`)[1]).toContain(`Revocation Date: ${t}`);
      }
    }
  });

  it('a certificate it issues afterwards names the same URLs, and its OCSP says good', async () => {
    const f: Fetcher = (u, init) => fetch(`${srv.url}${u}`, init);
    const p = await provision(f, srv.kyso.firstOperatorKey!);
    const file = path.join(tmpDir('kyso-issued-'), 'issued.pem');
    fs.writeFileSync(file, p.certificatePem);
    const uris = await urisOf(file);
    expect(uris.length).toBeGreaterThanOrEqual(3);
    for (const u of uris) expect(u.startsWith(`${srv.url}/pki/`), u).toBe(true);
    const { stdout } = await openssl([
      'ocsp',
      '-issuer',
      path.join(dir, 'issuing.pem'),
      '-cert',
      file,
      '-url',
      `${srv.url}/pki/ocsp`,
      '-CAfile',
      path.join(dir, 'chain.pem'),
      '-no_nonce',
    ]);
    expect(stdout).toMatch(/issued\.pem: good/);
  });

  it("continues the inherited CRL numbering: the server's CRL is past the static issuing.crl", async () => {
    const staticCrl = await crlIdentity(fs.readFileSync(path.join(dir, 'issuing.crl')));
    seenCrls.push({
      issuer: staticCrl.issuer,
      number: staticCrl.number,
      der: fs.readFileSync(path.join(dir, 'issuing.crl')).toString('hex'),
    });
    // Force a CRL of the server's own (the inherited one is still fresh and is served as is).
    await srv.kyso.ctx.db.tx((q) => srv.kyso.ca.issueCrl(q, 'kyso-demo-ecdsa'));
    await srv.kyso.ctx.db.tx((q) => srv.kyso.ca.issueCrl(q, 'kyso-demo-ecdsa-root'));
    const served = new Uint8Array(
      await (await fetch(`${srv.url}/pki/crl/kyso-demo-ecdsa.crl`)).arrayBuffer(),
    );
    const id = await crlIdentity(served);
    expect(id.issuer).toBe(staticCrl.issuer);
    expect(id.number > staticCrl.number).toBe(true);
    // It lists the revoked certificate of the hierarchy, with the same reason.
    const revoked = entities.find((e) => e.status === 'revoked')!;
    expect(id.text).toContain(`Serial Number: ${revoked.serialNumber.toUpperCase()}`);
    expect(id.text).toMatch(/Key Compromise/);
    for (const c of await dbCrls(srv)) seenCrls.push(c);
    expectUniqueNumbers(seenCrls);
  });

  it('restarts on the same data directory: same hierarchy, CRL numbers still unique', async () => {
    const issuingBefore = fs.readFileSync(path.join(dir, 'issuing.pem'), 'utf8');
    const port = srv.port;
    await srv.stop();
    // Same port, so the URLs in the hierarchy still name this server: it is reused, not remade.
    srv = await startServer(loadConfig({ ...env, PORT: String(port) }), createLogger('silent'));
    expect(fs.readFileSync(path.join(dir, 'issuing.pem'), 'utf8')).toBe(issuingBefore);
    expect(fs.readdirSync(path.join(env.KYSO_DATA_DIR!)).filter((f) => f.startsWith('demo-ca.'))).toEqual([]);
    await srv.kyso.ctx.db.tx((q) => srv.kyso.ca.issueCrl(q, 'kyso-demo-ecdsa'));
    for (const c of await dbCrls(srv)) seenCrls.push(c);
    expectUniqueNumbers(seenCrls);
    expect(new Set(seenCrls.map((c) => `${c.issuer}#${c.number}`)).size).toBeGreaterThanOrEqual(5);
  });
});

describe.runIf(hasOpenssl)('KYSO_PUBLIC_URL and KYSO_DEMO_CA_DIR', () => {
  it('puts KYSO_PUBLIC_URL into every URL of the hierarchy it makes', async () => {
    const env = testEnv('pglite', { KYSO_PUBLIC_URL: 'https://kyso.example.gov.vn/' });
    const k = await createKyso(loadConfig(env), { log: createLogger('silent') });
    try {
      const dir = path.join(env.KYSO_DATA_DIR!, 'demo-ca', 'ecdsa');
      for (const f of ['issuing.pem', 'official.pem', 'agency-seal.pem', 'revoked.pem']) {
        const uris = await urisOf(path.join(dir, f));
        expect(uris.length, f).toBeGreaterThan(0);
        for (const u of uris)
          expect(u.startsWith('https://kyso.example.gov.vn/pki/'), `${f}: ${u}`).toBe(true);
      }
    } finally {
      await k.close();
    }
  }, 60_000);

  it('refuses a KYSO_PUBLIC_URL that is not an http(s) URL', () => {
    expect(() => loadConfig(testEnv('pglite', { KYSO_PUBLIC_URL: 'ftp://x/' }))).toThrow(/KYSO_PUBLIC_URL/);
    expect(() => loadConfig(testEnv('pglite', { KYSO_PUBLIC_URL: 'http://x/?a=1' }))).toThrow(
      /KYSO_PUBLIC_URL/,
    );
  });

  it('moves aside a data-directory hierarchy whose URLs are not the public URL, and makes a new one', async () => {
    const env = testEnv('pglite', { KYSO_PUBLIC_URL: 'http://127.0.0.1:18443' });
    const old = path.join(env.KYSO_DATA_DIR!, 'demo-ca');
    fs.mkdirSync(old, { recursive: true });
    await generateDemoHierarchy(old, { variants: ['ecdsa'], baseUrl: 'http://127.0.0.1:8080' });
    const k = await createKyso(loadConfig(env), { log: createLogger('silent') });
    try {
      const aside = fs.readdirSync(env.KYSO_DATA_DIR!).filter((f) => f.startsWith('demo-ca.'));
      expect(aside).toHaveLength(1);
      const cert = Certificate.parseAll(fs.readFileSync(path.join(old, 'ecdsa', 'official.pem'), 'utf8'))[0]!;
      const uris = await urisOf(path.join(old, 'ecdsa', 'official.pem'));
      expect(uris.every((u) => u.startsWith('http://127.0.0.1:18443/'))).toBe(true);
      // The server loaded the new hierarchy: it knows the official's certificate as valid.
      expect((await k.ca.lookup('kyso-demo-ecdsa', cert.serialHex)).status).toBe('good');
    } finally {
      await k.close();
    }
  }, 60_000);

  it('an explicit directory (certs/demo layout): statuses from its CRL, numbering past it, also over a fresh database', async () => {
    const ca = tmpDir('kyso-demo-');
    const manifest = await generateDemoHierarchy(ca, { variants: ['ecdsa'] });
    const dir = path.join(ca, 'ecdsa');
    const seen: { issuer: string; number: bigint; der: string }[] = [];
    const staticDer = fs.readFileSync(path.join(dir, 'issuing.crl'));
    const s = await crlIdentity(staticDer);
    seen.push({ issuer: s.issuer, number: s.number, der: staticDer.toString('hex') });
    // Two databases in turn over the same keys: the second must not re-use the first's numbers.
    for (let round = 0; round < 2; round++) {
      const k = await createKyso(loadConfig(testEnv('pglite', { KYSO_DEMO_CA_DIR: dir })), {
        log: createLogger('silent'),
      });
      try {
        for (const e of manifest.variants[0]!.entities) {
          const want = e.status === 'revoked' ? 'revoked' : 'good';
          expect((await k.ca.lookup('kyso-demo-ecdsa', e.serialNumber)).status, e.id).toBe(want);
        }
        for (let i = 0; i < 3; i++) await k.ctx.db.tx((q) => k.ca.issueCrl(q, 'kyso-demo-ecdsa'));
        const rows = (await k.ctx.db.query<{ der: Uint8Array }>('SELECT der FROM crls')).rows;
        for (const r of rows) {
          const id = await crlIdentity(r.der);
          seen.push({ issuer: id.issuer, number: id.number, der: Buffer.from(r.der).toString('hex') });
          if (id.issuer === s.issuer) expect(id.number >= s.number).toBe(true);
        }
      } finally {
        await k.close();
      }
    }
    expectUniqueNumbers(seen);
    expect(seen.length).toBeGreaterThanOrEqual(1 + 2 * 4);
  }, 120_000);

  it('warns when the hierarchy it loads names another URL than KYSO_PUBLIC_URL', async () => {
    const ca = tmpDir('kyso-demo-');
    await generateDemoHierarchy(ca, { variants: ['ecdsa'] });
    const lines: string[] = [];
    const sink = { write: (l: string) => lines.push(l) };
    const env = testEnv('pglite', {
      KYSO_DEMO_CA_DIR: path.join(ca, 'ecdsa'),
      KYSO_PUBLIC_URL: 'http://127.0.0.1:18444',
    });
    const k = await createKyso(loadConfig(env), { log: createLogger('warn', sink as never) });
    await k.close();
    const warning = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.hierarchyUrl);
    expect(warning).toMatchObject({
      hierarchyUrl: 'http://127.0.0.1:8080',
      publicUrl: 'http://127.0.0.1:18444',
    });
  }, 60_000);

  it('KYSO_DEMO_CA_DIR=none generates the hierarchy inside the vault; a missing directory is an error', async () => {
    const env = testEnv('pglite', { KYSO_DEMO_CA_DIR: 'none' });
    const k = await createKyso(loadConfig(env), { log: createLogger('silent') });
    try {
      expect([...k.ca.cas.keys()].sort()).toEqual(['kyso-local', 'kyso-local-root']);
      expect(fs.existsSync(path.join(env.KYSO_DATA_DIR!, 'demo-ca'))).toBe(false);
    } finally {
      await k.close();
    }
    const missing = testEnv('pglite', { KYSO_DEMO_CA_DIR: path.join(tmpDir(), 'nope') });
    await expect(createKyso(loadConfig(missing), { log: createLogger('silent') })).rejects.toThrow(
      /KYSO_DEMO_CA_DIR/,
    );
  }, 60_000);
});
