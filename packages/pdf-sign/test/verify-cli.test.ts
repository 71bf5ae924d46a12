/** `kyso pdf verify`: exit codes 0 / 1 / 2, readable report in Vietnamese and English, JSON. */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { etsiSchemaErrors, etsiValues } from '../../pki-core/test/helpers/etsi.js';
import { requireTool, tmpDir } from '../../pki-core/test/helpers/tools.js';
import { pdfCommands } from '../src/cli/index.js';
import { IncrementalWriter, PdfDict, PdfReader, PdfStream, signPdf } from '../src/node/index.js';
import { makeSamplePdf } from './helpers/docs.js';
import { type PdfTestPki, makePdfTestPki } from './helpers/pki.js';

const verifyCmd = pdfCommands.find((c) => c.path[0] === 'pdf' && c.path[1] === 'verify')!;
async function run(positionals: string[], options: Record<string, string | boolean | string[]>) {
  let out = '';
  let err = '';
  const code = await verifyCmd.run(
    { positionals, options },
    { out: (t) => (out += t), err: (t) => (err += t) },
  );
  return { code, out, err };
}

describe('kyso pdf verify', () => {
  let pki: PdfTestPki;
  let dir: string;
  let good: string;
  let tampered: string;
  let root: string;
  beforeAll(async () => {
    pki = await makePdfTestPki({ leafSpec: { type: 'EC', curve: 'P-256' } });
    dir = tmpDir();
    root = (await pki.writeFiles(dir)).root;
    const base = await makeSamplePdf();
    const one = await signPdf(base, {
      signer: pki.official,
      certify: 2,
      level: 'B-LT',
      timeStamper: pki.timeStamper,
      revocation: pki.revocation,
    });
    const two = await signPdf(one.pdf, {
      signer: pki.seal,
      level: 'B-LTA',
      timeStamper: pki.timeStamper,
      revocation: pki.revocation,
    });
    good = path.join(dir, 'good.pdf');
    fs.writeFileSync(good, two.pdf);
    const r = PdfReader.open(two.pdf);
    const w = new IncrementalWriter(r);
    w.editDict(r.pages()[0]!).set(
      'Contents',
      w.add(new PdfStream(new PdfDict(), new TextEncoder().encode('0 0 m'))),
    );
    const u = w.write();
    tampered = path.join(dir, 'tampered.pdf');
    fs.writeFileSync(tampered, Buffer.concat([two.pdf, u.appended]));
  });

  it('valid: exit 0, Vietnamese report by default, English on request', async () => {
    const vi = await run([good], { trust: [root] });
    expect(vi.code, vi.out + vi.err).toBe(0);
    expect(vi.out).toMatch(/Kết luận: HỢP LỆ/);
    expect(vi.out).toMatch(/Người ký: Nguyễn Văn An/);
    expect(vi.out).toMatch(/Mức PAdES: B-LTA, DocMDP P=2/);
    expect(vi.out).toMatch(/Kết luận \(ETSI EN 319 102-1\): HỢP LỆ — TOTAL-PASSED/);
    const en = await run([good], { trust: [root], lang: 'en' });
    expect(en.code).toBe(0);
    expect(en.out).toMatch(/Result: VALID/);
    expect(en.out).toMatch(/Changes after signing: form filling, further signatures — allowed/);
  });

  it('--json gives the structured report; --at years later still valid offline', async () => {
    const later = new Date(pki.officialCert.notAfter.getTime() + 3 * 365 * 86_400_000).toISOString();
    const j = await run([good], { trust: [root], json: true, at: later });
    expect(j.code, j.out).toBe(0);
    const rep = JSON.parse(j.out);
    expect(rep.valid).toBe(true);
    expect(rep.validationTime).toBe(later);
    expect(rep.signatures[0].signer.commonName).toBe('Nguyễn Văn An');
    expect(rep.signatures[0].revocationSource).toBe('embedded');
    // The EN 319 102-1 verdict next to valid/status, for the document and each signature.
    expect(rep.verdict).toEqual({ indication: 'TOTAL-PASSED', reasons: [] });
    expect(rep.signatures.map((s: { verdict: { indication: string } }) => s.verdict.indication)).toEqual(
      rep.signatures.map(() => 'TOTAL-PASSED'),
    );
    expect(rep.signatures.length).toBeGreaterThanOrEqual(2);
  });

  it('--json verdicts of a tampered document and of unknown roots; --report etsi (TS 119 102-2)', async () => {
    const t = JSON.parse((await run([tampered], { trust: [root], json: true })).out);
    expect(t.status).toBe('invalid');
    expect(t.verdict.indication).toBe('TOTAL-FAILED');
    expect(t.verdict.subIndication).toBe('SIG_CONSTRAINTS_FAILURE');
    expect(t.verdict.reasons).toContain('DISALLOWED_CHANGES');
    const u = JSON.parse((await run([good], { 'vn-roots': true, json: true })).out);
    expect(u.status).toBe('indeterminate');
    expect(u.verdict).toMatchObject({
      indication: 'INDETERMINATE',
      subIndication: 'NO_CERTIFICATE_CHAIN_FOUND',
    });
    expect(u.signatures[0].verdict.reasons).toContain('CERTIFICATE_UNKNOWN_ISSUER');
    expect((await run([good], { trust: [root], report: 'etsi', json: true })).code).toBe(2);
    expect((await run([good], { trust: [root], report: 'html' })).code).toBe(2);
    if (!requireTool('xmllint')) return;
    const x = await run([good], { trust: [root], report: 'etsi' });
    expect(x.code).toBe(0);
    expect(etsiSchemaErrors(x.out)).toBe('');
    expect(etsiValues(x.out, 'DAIdentifier').length).toBe(
      JSON.parse((await run([good], { trust: [root], json: true })).out).signatures.length,
    );
    expect(etsiValues(x.out, 'SubFilterElement')).toContain('ETSI.CAdES.detached');
    // The signer and its chain, read from the document's CMS and DSS, are validation objects.
    expect(x.out).toContain('<vr:SignerCertificate VOReference="C-1"/>');
    expect(etsiValues(x.out, 'Signer')).toContain(pki.officialCert.subject.toString());
    expect(x.out).toMatch(/<vr:TrustAnchor VOReference="C-\d+"\/>/);
    expect(x.out.match(/<vr:ValidationObject /g)!.length).toBeGreaterThanOrEqual(3);
    const bad = await run([tampered], { trust: [root], report: 'etsi' });
    expect(bad.code).toBe(1);
    expect(etsiSchemaErrors(bad.out)).toBe('');
    expect(etsiValues(bad.out, 'MainIndication')).toContain('urn:etsi:019102:mainindication:total-failed');
  });

  it('invalid or indeterminate: exit 1 (tampered, unknown roots, no anchors)', async () => {
    const t = await run([tampered], { trust: [root] });
    expect(t.code).toBe(1);
    expect(t.out).toMatch(/KHÔNG HỢP LỆ/);
    // Every sentence of the Vietnamese report is Vietnamese (issue 15); --lang en keeps the detail.
    expect(t.out).toMatch(/thay đổi nội dung khác \[[A-Z_]+\], trang 1/);
    expect(t.out).not.toMatch(/Contents changed|was supplied|certificate/);
    const en = await run([tampered], { trust: [root], lang: 'en' });
    expect(en.out).toMatch(/page 1: \/Contents changed/);
    const vn = await run([good], { 'vn-roots': true, lang: 'en' });
    expect(vn.code).toBe(1);
    expect(vn.out).toMatch(/UNKNOWN_ISSUER/);
    const none = await run([good], {});
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/chưa có chứng thư gốc tin cậy/);
  });

  it('usage errors and unreadable input: exit 2', async () => {
    expect((await run([good], { trust: [root], lang: 'fr' })).code).toBe(2);
    expect((await run([good], { trust: [root], at: 'yesterday' })).code).toBe(2);
    expect((await run([path.join(dir, 'missing.pdf')], {})).code).toBe(2);
    expect((await run([good], { trust: [path.join(dir, 'password.txt')] })).code).toBe(2);
    const junk = path.join(dir, 'junk.pdf');
    fs.writeFileSync(junk, 'not a pdf at all');
    const r = await run([junk], {});
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unreadable PDF/);
  });
});
