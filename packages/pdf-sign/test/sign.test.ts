import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTool, tmpDir } from '../../pki-core/test/helpers/tools.js';
import {
  PdfReader,
  embedSignature,
  findSignatures,
  preparePdfSignature,
  signPdf,
  signPreparedDigest,
  verifyPdfIntegrity,
} from '../src/index.js';
import { isKysoError, pemEncode } from '@kyso/pki-core';
import { openssl } from '../../pki-core/test/helpers/tools.js';
import { makeSamplePdf, qpdfConvert } from './helpers/docs.js';
import { mutoolVerify, opensslVerifyAll, pdfsig, qpdfCheck } from './helpers/interop.js';
import { type PdfTestPki, makePdfTestPki } from './helpers/pki.js';

const tools = ['pdfsig', 'qpdf', 'mutool', 'openssl'].every((t) => requireTool(t));

describe.skipIf(!tools)('PAdES signing, checked by pdfsig, qpdf, mutool and openssl', () => {
  let pki: PdfTestPki;
  let dir: string;
  let classic: Uint8Array;
  beforeAll(async () => {
    pki = await makePdfTestPki();
    dir = tmpDir();
    classic = await makeSamplePdf({ pages: 2 });
  });

  const check = async (name: string, pdf: Uint8Array, expectSigs: number) => {
    const file = path.join(dir, `${name}.pdf`);
    fs.writeFileSync(file, pdf);
    const ps = pdfsig(file);
    expect(ps.signatures.length, ps.stdout + ps.stderr).toBe(expectSigs);
    for (const s of ps.signatures) {
      // poppler cannot verify ETSI.RFC3161 document time-stamps: it lists them (checked with openssl ts below).
      if (s.type === 'unknown' && /DocTimeStamp/.test(s.field ?? '')) continue;
      expect(s.validation, s.raw).toBe('Signature is Valid.');
    }
    const q = qpdfCheck(file);
    expect(q.status, q.output).toBe(0);
    expect(q.output).toMatch(/No syntax or stream encoding errors found/);
    const report = await verifyPdfIntegrity(pdf);
    expect(report.signatures.length).toBe(expectSigs);
    for (const s of report.signatures) {
      expect(s.intact, JSON.stringify(s.checks)).toBe(true);
      expect(s.valid, JSON.stringify(s.checks)).toBe(true);
      expect(s.coverageOk, JSON.stringify(s.checks)).toBe(true);
    }
    const sigs = findSignatures(PdfReader.open(pdf)).filter((s) => s.kind === 'signature');
    for (const o of opensslVerifyAll(
      pdf,
      sigs.map((s) => ({ byteRange: s.byteRange!, contents: s.contents })),
      dir,
    )) {
      expect(o.ok, o.output).toBe(true);
    }
    return { file, ps, report };
  };

  it('B-B on a classic-xref file: every tool agrees, original bytes untouched', async () => {
    const { pdf, fieldName } = await signPdf(classic, {
      signer: pki.official,
      reason: 'Phê duyệt',
      location: 'Hà Nội',
    });
    expect(fieldName).toBe('Signature1');
    expect(Buffer.from(pdf.subarray(0, classic.length)).equals(Buffer.from(classic))).toBe(true);
    const { file, ps } = await check('bb-classic', pdf, 1);
    expect(ps.signatures[0]!.type).toBe('ETSI.CAdES.detached');
    expect(ps.signatures[0]!.totalDocument).toBe(true);
    const mu = mutoolVerify(file);
    expect(mu, mu).toMatch(/The document is unchanged since signing/);
    expect(mu).not.toMatch(/(?<!un)changed since signing|not verified|Digest mismatch/i);
  });

  it('two-step: prepare, sign the digest elsewhere, embed', async () => {
    const prepared = await preparePdfSignature(classic, { fieldName: 'Approval', placeholderSize: 8192 });
    expect(prepared.byteRange[0]).toBe(0);
    expect(prepared.byteRange[1]).toBe(prepared.reservedRegion.start);
    expect(prepared.byteRange[2]).toBe(prepared.reservedRegion.end);
    expect(prepared.byteRange[2] + prepared.byteRange[3]).toBe(prepared.document.length);
    const cms = await signPreparedDigest(prepared, pki.official);
    const pdf = embedSignature(prepared, cms);
    await check('two-step', pdf, 1);
  });

  it('a CMS that does not fit fails loudly (never truncated)', async () => {
    const prepared = await preparePdfSignature(classic, { placeholderSize: 256 });
    const cms = await signPreparedDigest(prepared, pki.official);
    try {
      embedSignature(prepared, cms);
      expect.unreachable('must throw');
    } catch (e) {
      expect(isKysoError(e)).toBe(true);
      expect((e as { reason?: string }).reason).toBe('PLACEHOLDER_TOO_SMALL');
    }
  });

  it('object streams + xref stream, linearized and hybrid inputs', async () => {
    const variants: [string, string[]][] = [
      ['objstm', ['--object-streams=generate']],
      ['linearized', ['--linearize']],
      ['linearized-objstm', ['--linearize', '--object-streams=generate']],
    ];
    for (const [name, args] of variants) {
      const input = qpdfConvert(classic, args, dir, name);
      const r = PdfReader.open(input);
      const { pdf } = await signPdf(input, { signer: pki.official });
      const r2 = PdfReader.open(pdf);
      expect(r2.lastXrefKind).toBe(r.lastXrefKind);
      await check(`signed-${name}`, pdf, 1);
    }
  });

  it('official then agency: both signatures stay valid; certification + approval', async () => {
    const first = await signPdf(classic, { signer: pki.official, certify: 2, reason: 'Ký duyệt' });
    const second = await signPdf(first.pdf, { signer: pki.seal, reason: 'Đóng dấu' });
    const { ps, report } = await check('two-sigs', second.pdf, 2);
    expect(ps.signatures.filter((s) => s.totalDocument).length).toBe(1);
    expect(report.signatures[0]!.coversWholeFile).toBe(false);
    expect(report.signatures[1]!.coversWholeFile).toBe(true);
    expect(report.signatures[0]!.signature.docMdp).toBe(2);
  });

  it('B-T, B-LT (DSS) and B-LTA (document time-stamp)', async () => {
    const bt = await signPdf(classic, { signer: pki.official, level: 'B-T', timeStamper: pki.timeStamper });
    const rbt = await check('bt', bt.pdf, 1);
    expect(rbt.report.signatures[0]!.timestamp).toBeInstanceOf(Date);
    const lta = await signPdf(classic, {
      signer: pki.official,
      level: 'B-LTA',
      timeStamper: pki.timeStamper,
      revocation: pki.revocation,
    });
    expect(lta.validationData!.ocsps.length).toBeGreaterThan(0);
    expect(lta.validationData!.crls.length).toBeGreaterThan(0);
    const r = PdfReader.open(lta.pdf);
    const dss = r.dict(r.catalog().get('DSS'))!;
    expect(r.array(dss.get('Certs'))!.length).toBeGreaterThanOrEqual(4);
    expect(r.array(dss.get('OCSPs'))!.length).toBeGreaterThan(0);
    expect(r.array(dss.get('CRLs'))!.length).toBeGreaterThan(0);
    const { ps, report } = await check('lta', lta.pdf, 2);
    // pdfsig 22.12 lists the document time-stamp (field, TSA signer, total document) as type 'unknown'.
    const listed = ps.signatures[1]!;
    expect(listed.field).toBe('DocTimeStamp1');
    expect(listed.raw).toMatch(/Kyso PDF Test TSA/);
    expect(listed.totalDocument).toBe(true);
    expect(report.signatures.map((s) => s.signature.kind)).toEqual(['signature', 'doc-timestamp']);
    expect(report.revisions).toBe(4);
    // The document time-stamp token verifies with openssl ts over the signed ranges.
    const dts = findSignatures(PdfReader.open(lta.pdf)).find((s) => s.kind === 'doc-timestamp')!;
    const [a, b, c, d] = dts.byteRange as [number, number, number, number];
    const data = path.join(dir, 'dts.bin');
    const tok = path.join(dir, 'dts.tst');
    const ca = path.join(dir, 'ca.pem');
    fs.writeFileSync(data, Buffer.concat([lta.pdf.subarray(a, a + b), lta.pdf.subarray(c, c + d)]));
    fs.writeFileSync(tok, dts.contents);
    fs.writeFileSync(ca, pemEncode('CERTIFICATE', pki.root.der) + pemEncode('CERTIFICATE', pki.issuing.der));
    const ts = openssl([
      'ts',
      '-verify',
      '-token_in',
      '-in',
      tok,
      '-data',
      data,
      '-CAfile',
      ca,
      '-partial_chain',
    ]);
    expect(ts.stdout + ts.stderr).toMatch(/Verification: OK/);
  });
});
