/**
 * The independent Java oracle (issue 13), both ways:
 *  (a) PDFBox 2 + BouncyCastle sign PDFs as PDFBox's external-signing example does (BER CMS from
 *      CMSSignedData.getEncoded() in a zero-padded /Contents): adbe.pkcs7.detached and
 *      ETSI.CAdES.detached, RSA and ECDSA, invisible and visible, then an incremental annotation;
 *      kyso must call them VALID (the annotation: ANNOTATIONS under an approval signature).
 *  (b) BouncyCastle + PDFBox check what kyso makes: CMS/CAdES, TSP tokens, OCSP responses and PAdES
 *      B-B…B-LTA (ByteRange covers all but the hole, CMS over the signed bytes, signing-certificate-v2
 *      matches, no signing-time, DSS holds status for every certificate of each path, the document
 *      time-stamp's imprint is the hash of its ByteRange and it covers the DSS).
 * Sources: test/java/*.java, compiled with javac (helpers/java.ts); Debian packages only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import {
  LocalSigner,
  Name,
  TrustStore,
  generateKeyPair,
  issueCertificate,
  pemEncode,
  signCms,
} from '@kyso/pki-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTool, tmpDir } from '../../pki-core/test/helpers/tools.js';
import { PdfReader, findSignatures, signPdf } from '../src/index.js';
import { verifyPdf } from '../src/verify/index.js';
import { makeSamplePdf } from './helpers/docs.js';
import { pdfsig } from './helpers/interop.js';
import { java, requireJava } from './helpers/java.js';
import { type PdfTestPki, makePdfTestPki } from './helpers/pki.js';

const hasJava = requireJava();

describe.skipIf(!hasJava)('Java oracle (a): PDFBox + BouncyCastle sign, kyso verifies', () => {
  let dir: string;
  let base: string;
  const pkis: Record<'RSA' | 'ECDSA', { pki: PdfTestPki; key: string; chain: string; trust: TrustStore }> =
    {} as never;

  beforeAll(async () => {
    dir = tmpDir();
    base = path.join(dir, 'base.pdf');
    fs.writeFileSync(base, await makeSamplePdf({ pages: 2 }));
    for (const [name, spec] of [
      ['RSA', { type: 'RSA', modulusLength: 2048 }],
      ['ECDSA', { type: 'EC', curve: 'P-256' }],
    ] as const) {
      const pki = await makePdfTestPki({ leafSpec: spec });
      const sub = path.join(dir, name);
      fs.mkdirSync(sub);
      const f = await pki.writeFiles(sub);
      const chain = path.join(sub, 'fullchain.pem');
      fs.writeFileSync(chain, fs.readFileSync(f.cert, 'utf8') + fs.readFileSync(f.chain, 'utf8'));
      const trust = new TrustStore();
      trust.add(pki.root);
      pkis[name] = { pki, key: f.key, chain, trust };
    }
  }, 300_000);

  const cases = [] as ['adbe' | 'cades', 'RSA' | 'ECDSA', 'visible' | 'invisible'][];
  for (const kind of ['adbe', 'cades'] as const)
    for (const alg of ['RSA', 'ECDSA'] as const)
      for (const vis of ['invisible', 'visible'] as const) cases.push([kind, alg, vis]);

  for (const [kind, alg, vis] of cases) {
    it(`${kind === 'adbe' ? 'adbe.pkcs7.detached' : 'ETSI.CAdES.detached'}, ${alg}, ${vis}: VALID; a later annotation is rated ANNOTATIONS`, async () => {
      const p = pkis[alg];
      const out = path.join(dir, `pdfbox-${kind}-${alg}-${vis}.pdf`);
      java('PdfBoxSign', ['sign', base, out, p.key, p.chain, kind, vis]);
      const bytes = new Uint8Array(fs.readFileSync(out));
      const [sig] = findSignatures(PdfReader.open(bytes));
      expect(sig!.subFilter).toBe(kind === 'adbe' ? 'adbe.pkcs7.detached' : 'ETSI.CAdES.detached');
      // PDFBox writes BouncyCastle's BER: indefinite lengths, then zero padding.
      expect([...sig!.contents.subarray(0, 2)]).toEqual([0x30, 0x80]);
      expect(sig!.trailingDataAt).toBeUndefined();
      const rep = await verifyPdf(bytes, { trustStore: p.trust, revocation: 'off' });
      const s = rep.signatures[0]!;
      expect(s.integrity.checks.filter((c) => c.status !== 'passed')).toEqual([]);
      expect(s.certificate.status, JSON.stringify(s.certificate)).toBe('valid');
      expect(s.status, JSON.stringify(s.reasons)).toBe('valid');
      expect(rep.status).toBe('valid');
      if (vis === 'visible') {
        // The widget has a real rectangle on the page.
        const r = PdfReader.open(bytes);
        const page = r.dict(r.array(r.dict(r.catalog().get('Pages'))!.get('Kids'))![0]);
        expect(r.array(page!.get('Annots'))?.length).toBeGreaterThan(0);
      }
      if (requireTool('pdfsig')) expect(pdfsig(out).signatures[0]!.validation).toBe('Signature is Valid.');

      // PDFBox adds a text annotation in an incremental update.
      const annotated = path.join(dir, `pdfbox-${kind}-${alg}-${vis}-annot.pdf`);
      java('PdfBoxSign', ['annotate', out, annotated]);
      const a = await verifyPdf(new Uint8Array(fs.readFileSync(annotated)), {
        trustStore: p.trust,
        revocation: 'off',
      });
      expect(a.revisions).toBe(rep.revisions + 1);
      const as = a.signatures[0]!;
      expect(as.coversWholeFile).toBe(false);
      expect(as.changes.level).toBe('ANNOTATIONS');
      expect(as.changes.findings.map((f) => f.code)).toEqual(['ANNOTATION_ADDED']);
      // kyso's documented rule: without a certification signature the document is held to P=2
      // (an annotation may overlay signed content, the shadow attack), so the change is reported
      // as not allowed; the signature itself still verifies. Under P=3 the same update is VALID
      // (next test).
      expect(as.changes.allowedLevel).toBe('FORM_FILLING');
      expect(as.integrity.status).toBe('passed');
      expect(as.certificate.status).toBe('valid');
    });
  }

  it('kyso certifies with P=3, PDFBox adds an annotation: VALID with ANNOTATIONS allowed', async () => {
    const p = pkis.RSA;
    const signed = await signPdf(new Uint8Array(fs.readFileSync(base)), {
      signer: p.pki.official,
      certify: 3,
      level: 'B-B',
    });
    const f = path.join(dir, 'kyso-p3.pdf');
    fs.writeFileSync(f, signed.pdf);
    const annotated = path.join(dir, 'kyso-p3-annot.pdf');
    java('PdfBoxSign', ['annotate', f, annotated]);
    const a = await verifyPdf(new Uint8Array(fs.readFileSync(annotated)), {
      trustStore: p.trust,
      revocation: 'off',
    });
    const s = a.signatures[0]!;
    expect(s.changes.level).toBe('ANNOTATIONS');
    expect(s.changes.allowedLevel).toBe('ANNOTATIONS');
    expect(s.changes.allowed).toBe(true);
    expect(s.status, JSON.stringify(s.reasons)).toBe('valid');
    expect(a.status).toBe('valid');
  });
});

/** Runs the oracle; returns its PASS/FAIL lines and exit status. */
function oracle(args: string[]): { status: number | null; pass: string[]; fail: string[]; out: string } {
  const r = java('KysoOracle', args, false);
  const lines = r.stdout.split('\n');
  if (r.status === 2 || r.status === null) throw new Error(`oracle error: ${r.stdout}\n${r.stderr}`);
  return {
    status: r.status,
    pass: lines.filter((l) => l.startsWith('PASS ')).map((l) => l.slice(5)),
    fail: lines.filter((l) => l.startsWith('FAIL ')).map((l) => l.slice(5)),
    out: r.stdout,
  };
}

const names = (lines: string[]) => lines.map((l) => l.split(' ')[0]!);

describe.skipIf(!hasJava)('Java oracle (b): kyso signs, BouncyCastle + PDFBox verify', () => {
  let pki: PdfTestPki;
  let dir: string;
  let base: Uint8Array;

  beforeAll(async () => {
    pki = await makePdfTestPki();
    dir = tmpDir();
    base = await makeSamplePdf();
  }, 120_000);

  const write = (name: string, bytes: Uint8Array) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, bytes);
    return f;
  };

  it('CMS/CAdES from signCms verifies in BouncyCastle, signing-certificate-v2 matches', async () => {
    const content = new TextEncoder().encode('kyso → BouncyCastle\n');
    const cms = await signCms({ signer: pki.seal, content, detached: true });
    const r = oracle(['cms', write('cms.der', cms), write('content.txt', content)]);
    expect(r.fail, r.out).toEqual([]);
    expect(names(r.pass)).toEqual(
      expect.arrayContaining([
        'cms.signature',
        'cms.signing-certificate-v2',
        'cms.signing-certificate-v2.match',
      ]),
    );
    // The oracle can fail: other content.
    const bad = oracle(['cms', path.join(dir, 'cms.der'), write('other.txt', new TextEncoder().encode('x'))]);
    expect(names(bad.fail)).toContain('cms.signature');
  });

  it('Ed25519 CMS (RFC 8419, what `kyso cms sign` makes with an Ed25519 key) verifies in BouncyCastle', async () => {
    const k = await generateKeyPair({ type: 'Ed25519' });
    const s = new LocalSigner(k);
    const c = await issueCertificate({
      profile: 'root-ca',
      subject: Name.fromAttributes([['CN', 'Ed25519 test signer (TEST ONLY)']]),
      publicKey: k.publicKeyInfo,
      signer: s,
      validityDays: 30,
    });
    const content = new TextEncoder().encode('Ed25519 → BouncyCastle\n');
    const cms = await signCms({ signer: new LocalSigner(k, [c.der]), content, detached: true });
    const r = oracle(['cms', write('ed.der', cms), write('ed.txt', content)]);
    expect(r.fail, r.out).toEqual([]);
    expect(names(r.pass)).toEqual(
      expect.arrayContaining(['cms.signature', 'cms.signing-certificate-v2.match']),
    );
    expect(
      names(oracle(['cms', path.join(dir, 'ed.der'), write('ed2.txt', new Uint8Array([1]))]).fail),
    ).toContain('cms.signature');
  });

  it('a TSP token from the TSA verifies in BouncyCastle over its data', async () => {
    const data = new TextEncoder().encode('time-stamped by kyso');
    const token = await pki.timeStamper(
      new Uint8Array(createHash('sha256').update(data).digest()),
      'SHA-256',
    );
    const r = oracle(['tsp', write('token.der', token), write('data.txt', data)]);
    expect(r.fail, r.out).toEqual([]);
    expect(names(r.pass)).toEqual(
      expect.arrayContaining(['tsp.imprint', 'tsp.signature', 'tsp.tsa-certificate']),
    );
    expect(
      names(oracle(['tsp', path.join(dir, 'token.der'), write('d2.txt', new Uint8Array([1]))]).fail),
    ).toEqual(['tsp.imprint']);
  });

  it('an OCSP response from the responder: successful, signed by an authorised responder, good', async () => {
    const resp = await pki.revocation.ocsp!(pki.sealCert, pki.issuing);
    const certFile = write('seal.pem', new TextEncoder().encode(pemEncode('CERTIFICATE', pki.sealCert.der)));
    const issFile = write('issuing.pem', new TextEncoder().encode(pemEncode('CERTIFICATE', pki.issuing.der)));
    const r = oracle(['ocsp', write('ocsp.der', resp!), certFile, issFile]);
    expect(r.fail, r.out).toEqual([]);
    expect(names(r.pass)).toEqual(
      expect.arrayContaining([
        'ocsp.response-status',
        'ocsp.signature',
        'ocsp.responder-authorised',
        'ocsp.cert-status',
      ]),
    );
    // Asked about another certificate, the response proves nothing.
    const other = write(
      'official.pem',
      new TextEncoder().encode(pemEncode('CERTIFICATE', pki.officialCert.der)),
    );
    expect(names(oracle(['ocsp', path.join(dir, 'ocsp.der'), other, issFile]).fail)).toContain(
      'ocsp.cert-id',
    );
  });

  for (const level of ['B-B', 'B-T', 'B-LT', 'B-LTA'] as const) {
    it(`PAdES ${level} by kyso: the oracle confirms every structural point of the level`, async () => {
      const signed = await signPdf(base, {
        signer: pki.seal,
        level,
        ...(level === 'B-B' ? {} : { timeStamper: pki.timeStamper }),
        ...(level === 'B-LT' || level === 'B-LTA' ? { revocation: pki.revocation } : {}),
      });
      const f = write(`kyso-${level}.pdf`, signed.pdf);
      const r = oracle(['pdf', f, level]);
      expect(r.fail, r.out).toEqual([]);
      const want = [
        'sig0(ETSI.CAdES.detached).byte-range',
        'sig0(ETSI.CAdES.detached).signature',
        'sig0(ETSI.CAdES.detached).signing-certificate-v2.match',
        'sig0(ETSI.CAdES.detached).no-signing-time',
      ];
      if (level !== 'B-B')
        want.push(
          'sig0(ETSI.CAdES.detached).signature-timestamp.imprint',
          'sig0(ETSI.CAdES.detached).signature-timestamp.signature',
        );
      if (level === 'B-LT' || level === 'B-LTA') want.push('dss.present', 'dss.status');
      if (level === 'B-LTA') want.push('sig1(ETSI.RFC3161).doc-timestamp.imprint', 'lta.covers-dss');
      expect(names(r.pass)).toEqual(expect.arrayContaining(want));
      // The oracle holds the document to a higher level than it has: it fails.
      if (level !== 'B-LTA') {
        const higher = { 'B-B': 'B-T', 'B-T': 'B-LT', 'B-LT': 'B-LTA' }[level];
        expect(oracle(['pdf', f, higher]).status).toBe(1);
      }
    });
  }

  it('the flagship shape: official at B-B, then the seal at B-LTA — the oracle confirms B-LTA for both', async () => {
    const first = await signPdf(base, { signer: pki.official });
    const both = await signPdf(first.pdf, {
      signer: pki.seal,
      level: 'B-LTA',
      timeStamper: pki.timeStamper,
      revocation: pki.revocation,
    });
    expect(both.level).toBe('B-LTA');
    const r = oracle(['pdf', write('two.pdf', both.pdf), 'B-LTA']);
    expect(r.fail, r.out).toEqual([]);
    // The official's B-T comes from the document time-stamp over it (EN 319 142-1 §6.3).
    expect(
      r.pass.some((l) =>
        /^sig0\(ETSI.CAdES.detached\).signature-timestamp.present B-T: a document time-stamp covers it/.test(
          l,
        ),
      ),
      r.out,
    ).toBe(true);
    expect(r.pass.filter((l) => l.startsWith('dss.status ')).length).toBeGreaterThanOrEqual(4);
  });

  it('a byte changed inside the signed range: the oracle refuses the signature', async () => {
    const signed = await signPdf(base, { signer: pki.seal });
    const bad = signed.pdf.slice();
    bad[200] = bad[200] === 0x20 ? 0x0a : 0x20;
    const r = oracle(['pdf', write('tampered.pdf', bad), 'B-B']);
    expect(names(r.fail)).toContain('sig0(ETSI.CAdES.detached).signature');
  });
});
