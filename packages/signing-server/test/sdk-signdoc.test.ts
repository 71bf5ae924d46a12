/**
 * The agencies' SDK (`@kyso/signing-server/client`) and signDoc, over the Hono app (PGlite and
 * PostgreSQL):
 * RemoteSigner (ECDSA, RSA PKCS#1 v1.5, RSA-PSS) in pdf-sign's two-step flow; signDoc with
 * documentDigests (CMS back) and with documents after prepareDoc (signed PDF back, B-B..B-LTA);
 * a digest the SAD does not cover is refused with invalid_hash and nothing is signed; the client
 * entry point imports no server or Node module.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  embedSignature,
  type PdfValidationReport,
  preparePdfSignature,
  type Rect,
  signPreparedDigest,
  verifyPdfIntegrity,
} from '@kyso/pdf-sign/node';
import { pdfCommands } from '@kyso/pdf-sign/cli';
import { congVanSample, demoSealPng, demoSignaturePng } from '../../pdf-sign/src/samples/index.js';
import { requireTool, tmpDir } from '../../pki-core/test/helpers/tools.js';
import { spawnSync } from 'node:child_process';
import { CscClient, CscError, fromBase64, RemoteSigner, SHA256_OID } from '../src/client/index.js';
import {
  type Backend,
  demoCaDir,
  OtpDevice,
  requirePostgres,
  startTestServer,
  type TestServer,
} from './helpers/env.js';
import { type Fetcher, provision } from './helpers/client.js';
import { hidden, Jar, postForm } from './helpers/authz.js';

const hasPdfsig = requireTool('pdfsig');
const hasPdftoppm = requireTool('pdftoppm');

/** Renders one page (1-based) with pdftoppm and counts blue / red pixels inside a page-space rect. */
function colourIn(pdf: Uint8Array, page: number, r: Rect, pageHeight = 842, dpi = 72) {
  const d = tmpDir();
  const file = path.join(d, 'p.pdf');
  fs.writeFileSync(file, pdf);
  const out = spawnSync('pdftoppm', ['-r', String(dpi), '-f', `${page}`, '-l', `${page}`, file]);
  const buf = out.stdout as Buffer;
  const header: string[] = [];
  let i = 0;
  while (header.length < 4) {
    while (buf[i] === 0x20 || buf[i] === 0x0a) i++;
    let tok = '';
    while (buf[i] !== 0x20 && buf[i] !== 0x0a) tok += String.fromCharCode(buf[i++]!);
    header.push(tok);
  }
  const width = Number(header[1]);
  const data = buf.subarray(i + 1);
  const s = dpi / 72;
  const c = { blue: 0, red: 0 };
  for (let y = Math.ceil((pageHeight - r[3]) * s); y < Math.floor((pageHeight - r[1]) * s); y++)
    for (let x = Math.ceil(r[0] * s); x < Math.floor(r[2] * s); x++) {
      const o = (y * width + x) * 3;
      const [R, G, B] = [data[o]!, data[o + 1]!, data[o + 2]!];
      if (B > 120 && B > R + 60 && B > G + 40) c.blue++;
      if (R > 150 && G < 110 && B < 110) c.red++;
    }
  return c;
}

const verifyCmd = pdfCommands.find((c) => c.path[0] === 'pdf' && c.path[1] === 'verify')!;

function pdfsigOk(pdf: Uint8Array): { ok: boolean; out: string } {
  const d = tmpDir();
  const f = path.join(d, 'signed.pdf');
  fs.writeFileSync(f, pdf);
  const r = spawnSync('pdfsig', ['-nocert', f], { encoding: 'utf8' });
  return { ok: r.status === 0 && /Signature is Valid/.test(r.stdout), out: r.stdout + r.stderr };
}

const backends: Backend[] = ['pglite'];
if (requirePostgres()) backends.push('postgres');

describe.each(backends)('SDK and signDoc (%s)', (backend) => {
  let s: TestServer;
  let f: Fetcher;
  let sample: Uint8Array;
  beforeAll(async () => {
    s = await startTestServer(backend, { KYSO_DOCUMENT_LIMIT_BYTES: String(2 * 1024 * 1024) });
    f = (p, init) => Promise.resolve(s.kyso.app.request(p, init));
    sample = (await congVanSample()).bytes;
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  const fetchVia: typeof fetch = (input, init) =>
    Promise.resolve(s.kyso.app.request(typeof input === 'string' ? input : (input as Request).url, init));

  async function setup(key: { type: 'EC' | 'RSA'; curve?: string; modulusLength?: number }) {
    const p = await provision(f, s.operatorKey, key);
    const csc = new CscClient({
      baseUrl: 'http://kyso.test',
      clientId: p.clientId,
      clientSecret: p.clientSecret,
      fetch: fetchVia,
    });
    return { p, csc, otp: new OtpDevice(p.otpauthUri) };
  }

  for (const [name, key, alg] of [
    ['ECDSA P-256', { type: 'EC', curve: 'P-256' }, undefined],
    ['RSA PKCS#1 v1.5', { type: 'RSA', modulusLength: 2048 }, { name: 'RSA-PKCS1', hash: 'SHA-256' }],
    ['RSA-PSS', { type: 'RSA', modulusLength: 2048 }, { name: 'RSA-PSS', hash: 'SHA-256', saltLength: 32 }],
  ] as const) {
    it(`RemoteSigner (${name}) signs a PDF in three lines of pdf-sign's two-step flow`, async () => {
      const { p, csc, otp } = await setup(key);
      const seen: string[] = [];
      const signer = await RemoteSigner.open(csc, p.credentialId, {
        authorize: async (hashes) => {
          seen.push(...hashes);
          return csc.authorize({ credentialID: p.credentialId, hashes, pin: '246810', otp: otp.next() });
        },
      });
      const prepared = await preparePdfSignature(sample, { signerCertificate: signer.certificate });
      const signed = embedSignature(
        prepared,
        await signPreparedDigest(prepared, signer, alg ? { signatureAlgorithm: alg } : {}),
      );
      expect(seen).toHaveLength(1);
      const report = await verifyPdfIntegrity(signed);
      expect(report.ok, JSON.stringify(report.signatures[0]?.checks)).toBe(true);
      if (hasPdfsig) expect(pdfsigOk(signed).ok, pdfsigOk(signed).out).toBe(true);
    });
  }

  it('README three lines: RemoteSigner authorised by asynchronous approval on /approve, pdf-sign two-step flow', async () => {
    const { p, csc, otp } = await setup({ type: 'EC', curve: 'P-256' });
    const credentialID = p.credentialId;
    const pdf = sample;
    // The subscriber, on the approval page: sign in with the PIN, approve the pending request with the OTP.
    const approver = (async () => {
      const jar = new Jar();
      const login = await f('/approve');
      jar.take(login);
      await postForm(
        f,
        '/approve/login',
        { identifier: p.cccd, pin: '246810', csrf: hidden(await login.text(), 'csrf')! },
        jar,
      );
      for (let i = 0; i < 100; i++) {
        const page = await (await f('/approve', { headers: { cookie: jar.header() } })).text();
        const request = hidden(page, 'request');
        if (request) {
          // What she reads: the document's name and the description the agency passed.
          if (!page.includes('Tờ khai đăng ký thường trú CT01.pdf')) return -1;
          if (!page.includes('Dịch vụ công: đăng ký thường trú')) return -2;
          const r = await postForm(
            f,
            '/approve/decide',
            { request, csrf: hidden(page, 'csrf')!, decision: 'approve', otp: otp.next() },
            jar,
          );
          return r.status;
        }
        await new Promise((res) => setTimeout(res, 100));
      }
      return 0;
    })();

    // --- README.md / docs/server.md, as written there (the poll interval shortened) ---
    const authorize = async (hashes: string[]) => {
      const { handle } = await csc.authorizeAsync({
        credentialID,
        hashes,
        labels: ['Tờ khai đăng ký thường trú CT01.pdf'],
        description: 'Dịch vụ công: đăng ký thường trú',
      });
      return { SAD: await csc.waitForApproval(handle, { intervalMs: 100 }) };
    };
    const signer = await RemoteSigner.open(csc, credentialID, { authorize });
    const prepared = await preparePdfSignature(pdf, { signerCertificate: signer.certificate });
    const signed = embedSignature(prepared, await signPreparedDigest(prepared, signer));
    // ---
    expect(await approver).toBe(303);
    const report = await verifyPdfIntegrity(signed);
    expect(report.ok).toBe(true);
    expect(report.signatures[0]!.signer).toContain('Nguyễn Văn An');
  });

  it('signDoc with documentDigests: the SAD must cover the digest; CMS back with a time-stamp and validation info', async () => {
    const { p, csc, otp } = await setup({ type: 'EC', curve: 'P-256' });
    const info = await csc.credentialInfo(p.credentialId);
    expect(info.signatureQualifier).toBe('eu_eidas_aes');
    expect(info.lang).toBe('en-US');
    const leaf = fromBase64(info.cert.certificates[0]!);
    const { Certificate } = await import('@kyso/pki-core');
    const prepared = await preparePdfSignature(sample, {
      signerCertificate: Certificate.fromDer(leaf),
      placeholderSize: 24 * 1024,
    });
    const { SAD } = await csc.authorize({
      credentialID: p.credentialId,
      hashes: [prepared.digest],
      pin: '246810',
      otp: otp.next(),
    });
    // A different digest under this SAD: 403 invalid_hash, and the SAD is still usable.
    const other = new Uint8Array(prepared.digest);
    other[0]! ^= 1;
    await expect(
      csc.signDoc({ credentialID: p.credentialId, SAD, documentDigests: [{ hashes: [other] }] }),
    ).rejects.toMatchObject({ status: 403, error: 'invalid_hash' });
    const r = await csc.signDoc({
      credentialID: p.credentialId,
      SAD,
      documentDigests: [{ hashes: [prepared.digest], conformance_level: 'Ades-B-T' }],
      returnValidationInfo: true,
    });
    expect(r.SignatureObject).toHaveLength(1);
    expect(r.validationInfo!.ocsp.length).toBeGreaterThan(0);
    expect(r.validationInfo!.certificates.length).toBeGreaterThanOrEqual(3);
    const signed = embedSignature(prepared, fromBase64(r.SignatureObject![0]!));
    const report = await verifyPdfIntegrity(signed);
    expect(report.ok).toBe(true);
    expect(report.signatures[0]!.timestamp).toBeInstanceOf(Date);
    // Used once.
    await expect(
      csc.signDoc({ credentialID: p.credentialId, SAD, documentDigests: [{ hashes: [prepared.digest] }] }),
    ).rejects.toBeInstanceOf(CscError);
  });

  for (const level of ['Ades-B-B', 'Ades-B-LT', 'Ades-B-LTA'] as const) {
    it(`signDoc with documents (prepareDoc first), ${level}: the signed PDF verifies`, async () => {
      const { p, csc, otp } = await setup({ type: 'EC', curve: 'P-256' });
      const prep = await csc.prepareDoc({
        credentialID: p.credentialId,
        documents: [
          { document: sample, conformance_level: level, label: 'Công văn số 12', reason: 'Ký duyệt' },
        ],
      });
      expect(prep.documentDigests[0]!.label).toBe('Công văn số 12');
      // The digest is not the hash of the original file: it is the prepared document's ByteRange digest.
      const { SAD } = await csc.authorize({
        credentialID: p.credentialId,
        hashes: prep.documentDigests.map((d) => d.hash),
        pin: '246810',
        otp: otp.next(),
      });
      const r = await csc.signDoc({
        credentialID: p.credentialId,
        SAD,
        documents: [{ document: sample, conformance_level: level }],
      });
      const signed = fromBase64(r.DocumentWithSignature![0]!);
      expect(Buffer.from(signed.subarray(0, sample.length)).equals(Buffer.from(sample))).toBe(true);
      const report = await verifyPdfIntegrity(signed);
      expect(report.ok, JSON.stringify(report.signatures.map((x) => x.checks))).toBe(true);
      expect(report.signatures).toHaveLength(level === 'Ades-B-LTA' ? 2 : 1);
      const text = Buffer.from(signed).toString('latin1');
      if (level !== 'Ades-B-B') expect(text).toContain('/DSS');
      if (hasPdfsig) expect(pdfsigOk(signed).ok, pdfsigOk(signed).out).toBe(true);
    });
  }

  it("visible signatures (Decree 30): the official's signature image, then the agency seal over it; kyso pdf verify and pdfsig", async () => {
    // The công văn reserves both places as empty signature fields (the seal's over the left third
    // of the signature image): the official signs a document that holds the seal's place, and the
    // verifier names the seal over the signature as a field reserved before signing.
    const cv = await congVanSample({ emptyFields: true });
    const sig = cv.signature;
    const official = await setup({ type: 'EC', curve: 'P-256' });
    const prep = await official.csc.prepareDoc({
      credentialID: official.p.credentialId,
      documents: [
        {
          document: cv.bytes,
          conformance_level: 'Ades-B-LT',
          label: 'Công văn (mẫu)',
          fieldName: sig.fields!.person,
          appearance: {
            kind: 'person',
            page: sig.page,
            rect: sig.person,
            title: sig.titleLines,
            name: sig.signerName,
            image: demoSignaturePng(),
          },
        },
      ],
    });
    const a1 = await official.csc.authorize({
      credentialID: official.p.credentialId,
      hashes: prep.documentDigests.map((d) => d.hash),
      pin: '246810',
      otp: official.otp.next(),
    });
    const r1 = await official.csc.signDoc({
      credentialID: official.p.credentialId,
      SAD: a1.SAD,
      documents: [{ document: cv.bytes, conformance_level: 'Ades-B-LT' }],
    });
    const byOfficial = fromBase64(r1.DocumentWithSignature![0]!);

    // The agency seal: another credential (same client would do too), over the left third of the image.
    const agency = await setup({ type: 'EC', curve: 'P-256' });
    const prep2 = await agency.csc.prepareDoc({
      credentialID: agency.p.credentialId,
      documents: [
        {
          document: byOfficial,
          conformance_level: 'Ades-B-LT',
          fieldName: sig.fields!.agency,
          // No rect: the reserved field's own rectangle (sig.seal).
          appearance: { kind: 'seal', page: sig.page, image: demoSealPng() },
        },
      ],
    });
    const a2 = await agency.csc.authorize({
      credentialID: agency.p.credentialId,
      hashes: prep2.documentDigests.map((d) => d.hash),
      pin: '246810',
      otp: agency.otp.next(),
    });
    const r2 = await agency.csc.signDoc({
      credentialID: agency.p.credentialId,
      SAD: a2.SAD,
      documents: [{ document: byOfficial, conformance_level: 'Ades-B-LT' }],
    });
    const final = fromBase64(r2.DocumentWithSignature![0]!);
    const file = path.join(tmpDir(), 'cong-van-visible.pdf');
    fs.writeFileSync(file, final);

    let out = '';
    let err = '';
    const code = await verifyCmd.run(
      { positionals: [file], options: { json: true, trust: [path.join(await demoCaDir(), 'root.pem')] } },
      { out: (t) => (out += t), err: (t) => (err += t) },
    );
    const report = JSON.parse(out) as PdfValidationReport;
    expect(code, out + err).toBe(0);
    expect(report.signatures.map((x) => [x.status, x.level])).toEqual([
      ['valid', 'B-LT'],
      ['valid', 'B-LT'],
    ]);
    expect(report.signatures[0]!.changes.allowed).toBe(true);
    if (hasPdfsig) {
      const ps = spawnSync('pdfsig', ['-nocert', file], { encoding: 'utf8' });
      expect((ps.stdout.match(/Signature is Valid/g) ?? []).length, ps.stdout).toBe(2);
    }
    // Both widgets carry an image appearance at the requested places.
    const text = Buffer.from(final).toString('latin1');
    expect((text.match(/\/Subtype\s*\/Image/g) ?? []).length).toBeGreaterThanOrEqual(2);
    if (hasPdftoppm) {
      const page = sig.page + 1;
      const before = colourIn(cv.bytes, page, sig.personImage);
      const afterOfficial = colourIn(byOfficial, page, sig.personImage);
      const sealBefore = colourIn(byOfficial, page, sig.seal);
      const sealAfter = colourIn(final, page, sig.seal);
      expect(before.blue + before.red).toBe(0);
      expect(afterOfficial.blue).toBeGreaterThan(50); // the blue handwritten signature
      expect(sealBefore.red).toBe(0);
      expect(sealAfter.red).toBeGreaterThan(200); // the red seal
    }
  });

  it('prepareDoc appearance: bad images, kinds and rectangles are refused with 400 before anything is stored', async () => {
    const { p, csc } = await setup({ type: 'EC', curve: 'P-256' });
    const bad = async (appearance: Record<string, unknown>) => {
      const r = await f('/csc/v2/signatures/prepareDoc', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${await csc.serviceToken()}`,
        },
        body: JSON.stringify({
          credentialID: p.credentialId,
          documents: [{ document: Buffer.from(sample).toString('base64'), appearance }],
        }),
      });
      return { status: r.status, body: (await r.json()) as { error: string; error_description: string } };
    };
    const notPng = Buffer.from('GIF89a not a png at all, padded to be long enough').toString('base64');
    const huge = Buffer.alloc(300 * 1024, 1).toString('base64');
    const wide = Buffer.from(demoSealPng());
    wide.writeUInt32BE(10_000, 16); // IHDR width
    for (const [a, why] of [
      [{ kind: 'seal' }, /required/],
      [{ kind: 'seal', image: notPng, rect: [100, 100, 200, 200] }, /PNG/],
      [{ kind: 'seal', image: huge, rect: [100, 100, 200, 200] }, /too long|larger/],
      [{ kind: 'seal', image: wide.toString('base64'), rect: [100, 100, 200, 200] }, /pixels/],
      [{ kind: 'person', rect: [200, 200, 100, 300] }, /rect/],
      [{ kind: 'person', rect: [1, 2, 3] }, /rect/],
      [{ kind: 'banner' }, /kind/],
      [{ kind: 'stamp' }, /agency/],
      [{ kind: 'person', rect: [100, 100, 300, 250], page: 99 }, /page|prepared/],
    ] as const) {
      const r = await bad(a);
      expect(r.status, JSON.stringify(a).slice(0, 100)).toBe(400);
      expect(r.body.error_description).toMatch(why);
    }
    const stored = await s.kyso.ctx.db.query('SELECT 1 FROM prepared_documents WHERE credential_id = $1', [
      p.credentialId,
    ]);
    expect(stored.rows).toHaveLength(0);
  });

  it('signDoc with documents: an unprepared or changed document and an uncovered SAD are refused', async () => {
    const { p, csc, otp } = await setup({ type: 'EC', curve: 'P-256' });
    const prep = await csc.prepareDoc({ credentialID: p.credentialId, documents: [{ document: sample }] });
    const { SAD } = await csc.authorize({
      credentialID: p.credentialId,
      hashes: [new Uint8Array(32).fill(7)],
      pin: '246810',
      otp: otp.next(),
    });
    await expect(
      csc.signDoc({ credentialID: p.credentialId, SAD, documents: [{ document: sample }] }),
    ).rejects.toMatchObject({ status: 403, error: 'invalid_hash' });
    const changed = new Uint8Array(sample);
    changed[changed.length - 10] = (changed[changed.length - 10] ?? 0) ^ 1;
    await expect(
      csc.signDoc({ credentialID: p.credentialId, SAD, documents: [{ document: changed }] }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      csc.signDoc({
        credentialID: p.credentialId,
        SAD,
        documents: [{ document: new TextEncoder().encode('not a pdf') }],
      }),
    ).rejects.toMatchObject({ status: 400 });
    expect(prep.hashAlgorithmOID).toBe(SHA256_OID);
  });

  it('documents larger than the document limit are refused with 413', async () => {
    const big = new Uint8Array(s.config.documentLimitBytes + 1024).fill(0x41);
    const r = await f('/csc/v2/signatures/signDoc', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
      body: JSON.stringify({
        credentialID: 'c',
        documents: [{ document: Buffer.from(big).toString('base64') }],
      }),
    });
    expect(r.status).toBe(413);
  });

  it('the client entry point imports nothing from the server or Node', () => {
    const dir = path.join(import.meta.dirname, '../src/client');
    for (const file of fs.readdirSync(dir)) {
      const src = fs.readFileSync(path.join(dir, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      for (const m of src.matchAll(/from '([^']+)'/g)) {
        const spec = m[1]!;
        expect(spec.startsWith('node:') || spec.startsWith('../'), `${file} imports ${spec}`).toBe(false);
        expect(['@kyso/pki-core'].includes(spec) || spec.startsWith('./'), `${file} imports ${spec}`).toBe(
          true,
        );
      }
      expect(src).not.toMatch(/\bBuffer\.|\bprocess\./);
    }
  });
});
