/**
 * `kyso xml sign --level B-LT|B-LTA`, `kyso xml extend` and `kyso xml countersign` through the built
 * `kyso` binary, against a test PKI served over HTTP by this process (RFC 3161 TSA, OCSP responder
 * and CRLs at the URLs the certificates name). kyso's verifier reports the level reached, nothing
 * signed changes on an upgrade, and xmlsec1 verifies the XML-DSig core of every result.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  type Certificate,
  LocalSigner,
  Name,
  OcspResponder,
  TimeStampAuthority,
  exportPkcs12,
  exportPkcs8,
  generateKeyPair,
  issueCertificate,
  issueCrl,
  pemEncode,
} from '@kyso/pki-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool, tmpDir } from '../../pki-core/test/helpers/tools.js';
import { DSIG_NS } from '../src/index.js';

const ROOT = path.resolve(__dirname, '../../..');
const KYSO = path.join(ROOT, 'packages/signing-server/bin/kyso.js');
const DAY = 86_400_000;
const run = promisify(execFile);
const dir = tmpDir('kyso-xml-levels-');
const f = (n: string) => path.join(dir, n);
const DOC = `<?xml version="1.0" encoding="UTF-8"?>\n<ToKhai><NoiDung Id="nd">Tờ khai thuế &amp; phụ lục</NoiDung></ToKhai>\n`;

let server: http.Server;
let base = '';
const served = { tsa: 0, ocsp: 0, crl: 0 };
/** When true, OCSP and CRL requests get 404 (revocation sources down). */
let revocationDown = false;

/** Runs the built `kyso` (async: this process serves its TSA/OCSP/CRL requests meanwhile). */
async function kyso(args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await run(process.execPath, [KYSO, ...args], { cwd: dir, timeout: 120_000 });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : -1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

function xmlsec1(file: string, extra: string[] = []) {
  return spawnSync(
    'xmlsec1',
    [
      'verify',
      '--trusted-pem',
      f('root.pem'),
      '--untrusted-pem',
      f('issuing.pem'),
      '--id-attr:Id',
      'http://uri.etsi.org/01903/v1.3.2#:SignedProperties',
      '--id-attr:Id',
      `${DSIG_NS}:SignatureValue`,
      ...extra,
      file,
    ],
    { encoding: 'utf8' },
  );
}

interface JsonReport {
  valid: boolean;
  signatures: { status: string; level?: string; counterSignatureOf?: number }[];
}

/** `kyso xml verify --json`; revocation embedded-only (the default) unless `fetch` (B-B, B-T). */
async function verifyJson(
  file: string,
  fetch = false,
): Promise<{ code: number; rep: JsonReport; err: string }> {
  const r = await kyso([
    'xml',
    'verify',
    file,
    '--trust',
    f('root.pem'),
    '--json',
    ...(fetch ? ['--revocation', 'fetch'] : []),
  ]);
  return { code: r.code, rep: JSON.parse(r.out || '{}') as JsonReport, err: r.err };
}

const body = (req: http.IncomingMessage): Promise<Uint8Array> =>
  new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(parts))));
    req.on('error', reject);
  });

beforeAll(async () => {
  // The binary runs from dist: build what this test's sources changed.
  execFileSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'packages/signing-server/tsconfig.build.json'],
    { cwd: ROOT, stdio: 'pipe' },
  );
  let handler: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> = async () => {};
  server = http.createServer((req, res) => {
    handler(req, res).catch(() => {
      res.statusCode = 500;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const subj = (cn: string) =>
    Name.fromAttributes([
      ['C', 'VN'],
      ['O', 'Kyso XML Test (TEST ONLY)'],
      ['CN', cn],
    ]);
  const nb = new Date(Date.now() - 30 * DAY);
  const rootKey = await generateKeyPair({ type: 'EC', curve: 'P-256' });
  const rootSigner = new LocalSigner(rootKey);
  const root = await issueCertificate({
    profile: 'root-ca',
    subject: subj('Kyso XML Test Root'),
    publicKey: rootKey.publicKeyInfo,
    signer: rootSigner,
    notBefore: nb,
    validityDays: 3650,
  });
  const issKey = await generateKeyPair({ type: 'EC', curve: 'P-256' });
  const issuing = await issueCertificate({
    profile: 'sub-ca',
    subject: subj('Kyso XML Test Issuing CA'),
    publicKey: issKey.publicKeyInfo,
    issuer: { certificate: root, signer: rootSigner },
    notBefore: nb,
    validityDays: 3000,
    crlUrls: [`${base}/crl/root.crl`],
  });
  const issuer = { certificate: issuing, signer: new LocalSigner(issKey) };
  const links = { ocspUrls: [`${base}/ocsp`], crlUrls: [`${base}/crl/issuing.crl`] };
  const leaf = async (profile: 'person-signing' | 'tsa', cn: string, rsa: boolean) => {
    const k = await generateKeyPair(
      rsa ? { type: 'RSA', modulusLength: 2048 } : { type: 'EC', curve: 'P-256' },
    );
    const cert = await issueCertificate({
      profile,
      subject: subj(cn),
      publicKey: k.publicKeyInfo,
      issuer,
      notBefore: nb,
      validityDays: 365,
      ...links,
    });
    return { k, cert };
  };
  const official = await leaf('person-signing', 'Nguyễn Văn An', true);
  const citizen = await leaf('person-signing', 'Trần Thị Bình', false);
  const tsaLeaf = await leaf('tsa', 'Kyso XML Test TSA', false);
  const tsa = new TimeStampAuthority({
    certificate: tsaLeaf.cert,
    chain: [issuing, root],
    signer: new LocalSigner(tsaLeaf.k, [tsaLeaf.cert.der]),
    policyOid: '1.3.6.1.4.1.99999.2.1',
    includeChain: true,
  });
  const ocspKey = await generateKeyPair({ type: 'EC', curve: 'P-256' });
  const ocspCert = await issueCertificate({
    profile: 'ocsp-signer',
    subject: subj('Kyso XML Test OCSP'),
    publicKey: ocspKey.publicKeyInfo,
    issuer,
    notBefore: nb,
    validityDays: 365,
  });
  const responder = new OcspResponder({
    issuer: issuing,
    signer: new LocalSigner(ocspKey, [ocspCert.der]),
    lookup: async () => ({ status: 'good' }),
  });
  const crl = async (iss: Certificate, signer: LocalSigner) =>
    (
      await issueCrl({
        issuer: iss,
        signer,
        thisUpdate: nb,
        nextUpdate: new Date(Date.now() + 30 * DAY),
        crlNumber: 1,
      })
    ).der;
  const crls: Record<string, Uint8Array> = {
    '/crl/root.crl': await crl(root, rootSigner),
    '/crl/issuing.crl': await crl(issuing, issuer.signer),
  };
  handler = async (req, res) => {
    const url = req.url ?? '';
    let out: Uint8Array | undefined;
    if (revocationDown && url !== '/tsa') out = undefined;
    else if (req.method === 'POST' && url === '/tsa') {
      served.tsa++;
      out = await tsa.respond(await body(req));
    } else if (req.method === 'POST' && url === '/ocsp') {
      served.ocsp++;
      out = await responder.respond(await body(req));
    } else if (req.method === 'GET' && crls[url]) {
      served.crl++;
      out = crls[url];
    }
    res.statusCode = out ? 200 : 404;
    res.end(out ? Buffer.from(out) : undefined);
  };

  writeFileSync(f('root.pem'), pemEncode('CERTIFICATE', root.der));
  writeFileSync(f('issuing.pem'), pemEncode('CERTIFICATE', issuing.der));
  writeFileSync(f('pw.txt'), 'test\n');
  for (const [name, l] of [
    ['official', official],
    ['citizen', citizen],
  ] as const) {
    const p12 = await exportPkcs12({
      privateKey: await exportPkcs8(l.k),
      certificates: [l.cert.der, issuing.der, root.der],
      password: 'test',
      iterations: 2048,
    });
    writeFileSync(f(`${name}.p12`), p12);
  }
  writeFileSync(f('doc.xml'), DOC);
}, 300_000);

afterAll(async () => {
  await new Promise((r) => server?.close(r));
});

const p12 = (who: string) => ['--p12', f(`${who}.p12`), '--password-file', f('pw.txt')];

describe('kyso xml sign --level B-LT|B-LTA, xml extend, xml countersign (through the binary)', () => {
  it('sign --level B-LTA: TSA, OCSP and CRL fetched; kyso verifies B-LTA; xmlsec1 verifies the core', async () => {
    const out = f('lta.xml');
    const before = { ...served };
    const s = await kyso([
      'xml',
      'sign',
      f('doc.xml'),
      '--out',
      out,
      ...p12('official'),
      '--level',
      'B-LTA',
      '--tsa',
      `${base}/tsa`,
    ]);
    expect(s.code, s.err).toBe(0);
    expect(s.out).toContain('signed at B-LTA');
    expect(s.err).toBe('');
    // Two time-stamps (signature, archive); OCSP for the signer and the TSA; the root's CRL for the CA.
    expect(served.tsa - before.tsa).toBe(2);
    expect(served.ocsp - before.ocsp).toBeGreaterThanOrEqual(2);
    expect(served.crl - before.crl).toBeGreaterThanOrEqual(1);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('<xades:CertificateValues');
    expect(text).toContain('<xades:EncapsulatedOCSPValue>');
    expect(text).toContain('<xades:EncapsulatedCRLValue>');
    const v = await verifyJson(out);
    expect(v.code, JSON.stringify(v.rep)).toBe(0);
    expect(v.rep.signatures.map((x) => [x.status, x.level])).toEqual([['valid', 'B-LTA']]);
    if (requireTool('xmlsec1')) {
      const x = xmlsec1(out);
      expect(`${x.status} ${x.stderr}`).toMatch(/^0 OK/);
    }
  });

  it('sign --level B-LT without --tsa is a usage error (exit 2), and --level B-X too', async () => {
    const a = await kyso([
      'xml',
      'sign',
      f('doc.xml'),
      '--out',
      f('x.xml'),
      ...p12('official'),
      '--level',
      'B-LT',
    ]);
    expect(a.code).toBe(2);
    expect(a.err).toContain('needs --tsa');
    const b = await kyso([
      'xml',
      'sign',
      f('doc.xml'),
      '--out',
      f('x.xml'),
      ...p12('official'),
      '--level',
      'B-X',
    ]);
    expect(b.code).toBe(2);
  });

  it('extend B-B → B-T → B-LT → B-LTA (and renew): each step keeps every earlier byte; levels as asked', async () => {
    const bb = f('bb.xml');
    const s = await kyso([
      'xml',
      'sign',
      f('doc.xml'),
      '--out',
      bb,
      ...p12('official'),
      '--profile',
      'xades',
    ]);
    expect(s.code, s.err).toBe(0);
    // No validation data yet: valid once the verifier fetches the status itself.
    expect((await verifyJson(bb)).rep.signatures[0]!.status).toBe('indeterminate');
    expect((await verifyJson(bb, true)).rep.signatures[0]).toMatchObject({ status: 'valid', level: 'B-B' });
    let prev = bb;
    for (const level of ['B-T', 'B-LT', 'B-LTA', 'B-LTA'] as const) {
      const next = f(`ext-${level}-${prev === bb ? 0 : path.basename(prev)}`);
      const r = await kyso(['xml', 'extend', prev, '--out', next, '--level', level, '--tsa', `${base}/tsa`]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain(`extended to ${level} (added`);
      // Everything up to the end of the previous unsigned properties is unchanged.
      const was = readFileSync(prev, 'utf8');
      const now = readFileSync(next, 'utf8');
      const cut = was.includes('</xades:UnsignedSignatureProperties>')
        ? was.lastIndexOf('</xades:UnsignedSignatureProperties>')
        : was.indexOf('</xades:QualifyingProperties>');
      expect(now.slice(0, cut)).toBe(was.slice(0, cut));
      expect(now.length).toBeGreaterThan(was.length);
      const v = await verifyJson(next, level === 'B-T');
      expect(v.rep.signatures[0], JSON.stringify(v.rep)).toMatchObject({ status: 'valid', level });
      if (requireTool('xmlsec1')) {
        const x = xmlsec1(next);
        expect(`${x.status} ${x.stderr}`).toMatch(/^0 OK/);
      }
      prev = next;
    }
    // The renewal added a second archive time-stamp.
    expect(readFileSync(prev, 'utf8').match(/<xades141:ArchiveTimeStamp /g)).toHaveLength(2);
    // Asking for a level already reached adds nothing.
    const same = await kyso([
      'xml',
      'extend',
      prev,
      '--out',
      f('same.xml'),
      '--level',
      'B-LT',
      '--tsa',
      `${base}/tsa`,
    ]);
    expect(same.code, same.err).toBe(0);
    expect(same.out).toContain('nothing to add');
    expect(readFileSync(f('same.xml'), 'utf8')).toBe(readFileSync(prev, 'utf8'));
  });

  it('B-LT with the revocation sources down: exit 1 naming the certificates, nothing written; --allow-lower-level writes it with a warning', async () => {
    revocationDown = true;
    try {
      const out = f('down.xml');
      const args = [
        'xml',
        'sign',
        f('doc.xml'),
        '--out',
        out,
        ...p12('official'),
        '--level',
        'B-LT',
        '--tsa',
        `${base}/tsa`,
      ];
      const r = await kyso(args);
      expect(r.code, r.err).toBe(1);
      expect(r.err).toContain('level B-LT cannot be reached');
      expect(r.err).toContain('Nguyễn Văn An');
      expect(existsSync(out)).toBe(false);
      const lower = await kyso([...args, '--allow-lower-level']);
      expect(lower.code, lower.err).toBe(0);
      expect(lower.err).toContain('warning: no revocation data proving the status of CN=Nguyễn Văn An');
      expect(lower.err).toContain('incomplete validation data');
      // The certificates are there, no revocation value: offline the status stays unknown; with
      // the sources back, fetching settles it.
      expect(readFileSync(out, 'utf8')).not.toContain('EncapsulatedOCSPValue');
      const offline = await verifyJson(out);
      expect(offline.code).toBe(1);
      expect(offline.rep.signatures[0]!.status).toBe('indeterminate');
      revocationDown = false;
      const v = await verifyJson(out, true);
      expect(v.rep.signatures[0]).toMatchObject({ status: 'valid' });
    } finally {
      revocationDown = false;
    }
  });

  it('detached: sign at B-LT, extend to B-LTA with --detached-dir; verify B-LTA next to the data', async () => {
    writeFileSync(f('to-khai.pdf'), 'bytes of a PDF form, signed detached');
    const lt = f('to-khai.lt.xml');
    const s = await kyso([
      'xml',
      'sign',
      f('to-khai.pdf'),
      '--out',
      lt,
      ...p12('official'),
      '--detached',
      '--level',
      'B-LT',
      '--tsa',
      `${base}/tsa`,
    ]);
    expect(s.code, s.err).toBe(0);
    const lta = f('to-khai.lta.xml');
    const noDir = await kyso(['xml', 'extend', lt, '--out', lta, '--level', 'B-LTA', '--tsa', `${base}/tsa`]);
    // Without the signed file the archive time-stamp's input cannot be computed.
    expect(noDir.code).toBe(2);
    expect(existsSync(lta)).toBe(false);
    const e = await kyso([
      'xml',
      'extend',
      lt,
      '--out',
      lta,
      '--level',
      'B-LTA',
      '--tsa',
      `${base}/tsa`,
      '--detached-dir',
      dir,
    ]);
    expect(e.code, e.err).toBe(0);
    const v = await kyso(['xml', 'verify', lta, '--trust', f('root.pem'), '--json', '--detached-dir', dir]);
    expect(v.code, v.out).toBe(0);
    expect((JSON.parse(v.out) as JsonReport).signatures[0]).toMatchObject({
      status: 'valid',
      level: 'B-LTA',
    });
    // The data changed after the archive time-stamp: not valid.
    writeFileSync(f('to-khai.pdf'), 'bytes of a PDF form, signed detached, then altered');
    const w = await kyso(['xml', 'verify', lta, '--trust', f('root.pem'), '--json', '--detached-dir', dir]);
    expect(w.code).toBe(1);
  });

  it('extend refuses a plain XML-DSig signature (no QualifyingProperties) with exit 2', async () => {
    const plain = f('plain.xml');
    expect((await kyso(['xml', 'sign', f('doc.xml'), '--out', plain, ...p12('official')])).code).toBe(0);
    const r = await kyso([
      'xml',
      'extend',
      plain,
      '--out',
      f('plain-t.xml'),
      '--level',
      'B-T',
      '--tsa',
      `${base}/tsa`,
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('not a XAdES signature');
  });

  it('countersign: a second signer countersigns a B-T signature; both valid; xmlsec1 verifies both', async () => {
    const bt = f('cs-bt.xml');
    const s = await kyso([
      'xml',
      'sign',
      f('doc.xml'),
      '--out',
      bt,
      ...p12('official'),
      '--level',
      'B-T',
      '--tsa',
      `${base}/tsa`,
    ]);
    expect(s.code, s.err).toBe(0);
    const cs = f('cs.xml');
    const c = await kyso(['xml', 'countersign', bt, '--out', cs, ...p12('citizen')]);
    expect(c.code, c.err).toBe(0);
    const before = readFileSync(bt, 'utf8');
    const after = readFileSync(cs, 'utf8');
    const cut = before.lastIndexOf('</xades:UnsignedSignatureProperties>');
    expect(after.slice(0, cut)).toBe(before.slice(0, cut));
    const v = await verifyJson(cs, true);
    expect(v.code, JSON.stringify(v.rep)).toBe(0);
    expect(v.rep.signatures.map((x) => [x.status, x.counterSignatureOf])).toEqual([
      ['valid', undefined],
      ['valid', 0],
    ]);
    expect(v.rep.signatures[0]!.level).toBe('B-T');
    // Then the master goes to B-LTA: the counter-signature stays valid under the archive time-stamp.
    const lta = f('cs-lta.xml');
    const e = await kyso(['xml', 'extend', cs, '--out', lta, '--level', 'B-LTA', '--tsa', `${base}/tsa`]);
    expect(e.code, e.err).toBe(0);
    const w = await verifyJson(lta, true);
    expect(w.rep.signatures.map((x) => [x.status, x.level ?? null])).toEqual([
      ['valid', 'B-LTA'],
      ['valid', w.rep.signatures[1]!.level ?? null],
    ]);
    if (requireTool('xmlsec1')) {
      const m = xmlsec1(lta);
      expect(`${m.status} ${m.stderr}`).toMatch(/^0 OK/);
      const id = /<ds:Signature [^>]*Id="([^"]+)"/g;
      const ids = [...after.matchAll(id)].map((x) => x[1]!);
      expect(ids).toHaveLength(2);
      const x = xmlsec1(lta, ['--id-attr:Id', `${DSIG_NS}:Signature`, '--node-id', ids[1]!]);
      expect(`${x.status} ${x.stderr}`).toMatch(/^0 OK/);
    }
    // A counter-signature without a key is a usage error.
    const u = await kyso(['xml', 'countersign', bt, '--out', f('cs2.xml')]);
    expect(u.code).toBe(2);
  });
});
