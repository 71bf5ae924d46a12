/**
 * Issue 6 acceptance ("Done when"), as one scenario: a công văn signed by the competent official
 * (Decree 30 person appearance: blue signature image between the title lines and the name) at
 * B-LT, then by the agency (red seal over the left third of the official's signature) at B-LT,
 * then a B-LTA document time-stamp. Independent checks: poppler's pdfsig (with an NSS database
 * trusting the test root), qpdf --check, mutool sign -v, openssl cms -verify per extracted CMS
 * (openssl ts -verify for the document time-stamp), and `kyso pdf verify` through the CLI
 * command; still valid offline from the DSS alone after the signer certificate expired; the
 * rendered page keeps the Vietnamese text (pdftoppm, pdftotext, pdffonts); four kinds of tampering
 * (changed byte, appended content change, shifted ByteRange, three shadow-style overlays) are each
 * reported invalid (exit 1).
 */
import fs from 'node:fs';
import path from 'node:path';
import { TrustStore, pemEncode } from '@kyso/pki-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTool, run, tmpDir, toolPath } from '../../pki-core/test/helpers/tools.js';
import { type PersonAppearanceProvider, personAppearance, sealAppearance } from '../src/appearance/index.js';
import { pdfCommands } from '../src/cli/index.js';
import { PdfDict, PdfName, PdfRef, PdfStream, PdfString, dict } from '../src/pdf/objects.js';
import { PdfReader } from '../src/pdf/reader.js';
import { IncrementalWriter } from '../src/pdf/writer.js';
import type { Rect } from '../src/sign/appearance.js';
import { addDocumentTimeStamp, signPdf } from '../src/sign/pades.js';
import { type SampleDocument, congVanSample, demoSealPng, demoSignaturePng } from '../src/samples/index.js';
import { type PdfValidationReport, verifyPdf } from '../src/verify/pades.js';
import { type PdfSignatureInfo, findSignatures } from '../src/verify/signatures.js';
import { type PdfTestPki, makePdfTestPki } from './helpers/pki.js';

const TOOL_NAMES = ['pdfsig', 'qpdf', 'mutool', 'openssl', 'pdftoppm', 'pdftotext', 'pdffonts', 'certutil'];
// Every tool is asked (not `every`, which stops at the first missing one) so all are reported.
const haveTools = TOOL_NAMES.map((t) => requireTool(t)).every(Boolean);

const tool = (name: string, args: string[]) => run(toolPath(name) ?? name, args);
const enc = new TextEncoder();
const DAY = 86_400_000;

// ---------------------------------------------------------------------------------------------
// `kyso pdf verify` through the CLI command (exit code and output as the user sees them)

const verifyCmd = pdfCommands.find((c) => c.path[0] === 'pdf' && c.path[1] === 'verify')!;

async function kysoVerify(file: string, options: Record<string, string | boolean | string[]>) {
  let out = '';
  let err = '';
  const code = await verifyCmd.run(
    { positionals: [file], options },
    { out: (t) => (out += t), err: (t) => (err += t) },
  );
  return { code, out, err };
}

async function kysoVerifyJson(file: string, options: Record<string, string | boolean | string[]> = {}) {
  const r = await kysoVerify(file, { ...options, json: true });
  return { code: r.code, report: JSON.parse(r.out) as PdfValidationReport, err: r.err };
}

// ---------------------------------------------------------------------------------------------
// Independent tools, their output parsed (pdfsig and mutool exit 0 on broken signatures too)

interface PdfsigBlock {
  field?: string;
  type?: string;
  validation?: string;
  certificate?: string;
  totalDocument: boolean;
  raw: string;
}

/** pdfsig with certificate validation against the NSS database `nssDir`; no network (no OCSP). */
function pdfsigTrusted(file: string, nssDir: string): { blocks: PdfsigBlock[]; stdout: string } {
  const r = tool('pdfsig', ['-nssdir', `sql:${nssDir}`, '-no-ocsp', file]);
  const blocks = r.stdout
    .split(/^Signature #\d+:/m)
    .slice(1)
    .map((b) => {
      const get = (label: string) => b.match(new RegExp(`- ${label}: (.*)`))?.[1]?.trim();
      const out: PdfsigBlock = { totalDocument: /Total document signed/.test(b), raw: b };
      const f = get('Signature Field Name');
      if (f) out.field = f;
      const t = get('Signature Type');
      if (t) out.type = t;
      const v = get('Signature Validation');
      if (v) out.validation = v;
      const c = get('Certificate Validation');
      if (c) out.certificate = c;
      return out;
    });
  return { blocks, stdout: r.stdout + r.stderr };
}

/** `mutool sign -v`: one block per signature object ("Verifying signature N:"). */
function mutoolBlocks(file: string): { object: number; text: string }[] {
  const r = tool('mutool', ['sign', '-v', file]);
  const text = r.stdout + r.stderr;
  return [...text.matchAll(/^Verifying signature (\d+):\n((?:\t.*\n?)*)/gm)].map((m) => ({
    object: Number(m[1]),
    text: m[2]!,
  }));
}

function signedBytes(bytes: Uint8Array, s: PdfSignatureInfo): Buffer {
  const [a, b, c, d] = s.byteRange as [number, number, number, number];
  return Buffer.concat([bytes.subarray(a, a + b), bytes.subarray(c, c + d)]);
}

// ---------------------------------------------------------------------------------------------
// Rendering helpers (pdftoppm PPM output, pixel classes in a page-space rectangle)

function renderPpm(file: string, page: number, dpi: number) {
  const r = run(
    toolPath('pdftoppm') ?? 'pdftoppm',
    ['-r', String(dpi), '-f', `${page}`, '-l', `${page}`, file],
    {
      check: true,
    },
  );
  const buf = r.stdoutBuffer;
  const header: string[] = [];
  let i = 0;
  while (header.length < 4) {
    while (buf[i] === 0x20 || buf[i] === 0x0a) i++;
    let tok = '';
    while (buf[i] !== 0x20 && buf[i] !== 0x0a) tok += String.fromCharCode(buf[i++]!);
    header.push(tok);
  }
  expect(header[0]).toBe('P6');
  return { width: Number(header[1]), height: Number(header[2]), data: buf.subarray(i + 1) };
}

function countPixels(img: ReturnType<typeof renderPpm>, pageHeight: number, r: Rect, dpi: number) {
  const s = dpi / 72;
  const c = { blue: 0, red: 0, dark: 0, total: 0 };
  for (let y = Math.ceil((pageHeight - r[3]) * s); y < Math.floor((pageHeight - r[1]) * s); y++) {
    for (let x = Math.ceil(r[0] * s); x < Math.floor(r[2] * s); x++) {
      const o = (y * img.width + x) * 3;
      const [R, G, B] = [img.data[o]!, img.data[o + 1]!, img.data[o + 2]!];
      c.total++;
      if (B > 120 && B > R + 60 && B > G + 40) c.blue++;
      if (R > 150 && G < 110 && B < 110) c.red++;
      if (R < 90 && G < 90 && B < 90) c.dark++;
    }
  }
  return c;
}

// ---------------------------------------------------------------------------------------------

describe.skipIf(!haveTools)(
  'issue 6 acceptance: công văn signed by the official and the agency, B-LT + B-LTA',
  () => {
    let pki: PdfTestPki;
    let dir: string;
    let cv: SampleDocument;
    let person: PersonAppearanceProvider;
    let personImage: Rect;
    /** After the official's B-LT signature, after the agency's, and the final B-LTA file. */
    let afterOfficial: Uint8Array;
    let afterAgency: Uint8Array;
    let final: Uint8Array;
    let file: string;
    let rootPem: string;
    let nssDir: string;
    let sigs: PdfSignatureInfo[];

    beforeAll(async () => {
      pki = await makePdfTestPki();
      dir = tmpDir();
      cv = await congVanSample({ emptyFields: true });
      const s = cv.signature;
      person = personAppearance({
        titleLines: s.titleLines,
        name: s.signerName,
        signatureImage: demoSignaturePng(),
      });
      const official = await signPdf(cv.bytes, {
        signer: pki.official,
        fieldName: s.fields!.person,
        level: 'B-LT',
        timeStamper: pki.timeStamper,
        revocation: pki.revocation,
        appearance: person,
        reason: 'Ký ban hành công văn',
        location: 'An Lạc',
      });
      afterOfficial = official.pdf;
      personImage = person.lastImageRect!;
      const agency = await signPdf(afterOfficial, {
        signer: pki.seal,
        fieldName: s.fields!.agency,
        level: 'B-LT',
        timeStamper: pki.timeStamper,
        revocation: pki.revocation,
        appearance: sealAppearance({ sealImage: demoSealPng(), personImageRect: personImage }),
      });
      afterAgency = agency.pdf;
      final = await addDocumentTimeStamp(afterAgency, pki.timeStamper);
      file = path.join(dir, 'cong-van-B-LTA.pdf');
      fs.writeFileSync(file, final);
      rootPem = path.join(dir, 'root.pem');
      fs.writeFileSync(rootPem, pemEncode('CERTIFICATE', pki.root.der));
      // An NSS database trusting only the test root, for pdfsig's certificate validation.
      nssDir = path.join(dir, 'nss');
      fs.mkdirSync(nssDir);
      run(toolPath('certutil') ?? 'certutil', ['-N', '-d', `sql:${nssDir}`, '--empty-password'], {
        check: true,
      });
      run(
        toolPath('certutil') ?? 'certutil',
        ['-A', '-d', `sql:${nssDir}`, '-n', 'kyso-test-root', '-t', 'CT,C,C', '-i', rootPem],
        { check: true },
      );
      sigs = findSignatures(PdfReader.open(final));
    }, 60_000);

    it('the file has the two signatures and the document time-stamp, in that order, by incremental updates', () => {
      expect(sigs.map((s) => [s.fieldName, s.kind, s.subFilter])).toEqual([
        [cv.signature.fields!.person, 'signature', 'ETSI.CAdES.detached'],
        [cv.signature.fields!.agency, 'signature', 'ETSI.CAdES.detached'],
        [expect.any(String), 'doc-timestamp', 'ETSI.RFC3161'],
      ]);
      // Incremental: every earlier stage is a byte prefix of the final file.
      expect(Buffer.from(final.subarray(0, cv.bytes.length)).equals(Buffer.from(cv.bytes))).toBe(true);
      expect(Buffer.from(final.subarray(0, afterOfficial.length)).equals(Buffer.from(afterOfficial))).toBe(
        true,
      );
      expect(Buffer.from(final.subarray(0, afterAgency.length)).equals(Buffer.from(afterAgency))).toBe(true);
      // The seal overlaps the left third of the official's signature image.
      const seal = findWidgetRect(final, cv.signature.fields!.agency);
      const third = (personImage[2] - personImage[0]) / 3;
      expect(seal[2]).toBeCloseTo(personImage[0] + third, 1);
      expect(seal[0]).toBeLessThan(personImage[0]);
    });

    it('pdfsig: both signatures "Signature is Valid." and "Certificate is Trusted." (NSS db with the test root)', () => {
      const { blocks, stdout } = pdfsigTrusted(file, nssDir);
      expect(blocks.length, stdout).toBe(3);
      const [official, agency, docTs] = blocks as [PdfsigBlock, PdfsigBlock, PdfsigBlock];
      expect(official.field).toBe(cv.signature.fields!.person);
      expect(agency.field).toBe(cv.signature.fields!.agency);
      for (const b of [official, agency]) {
        expect(b.type, b.raw).toBe('ETSI.CAdES.detached');
        expect(b.validation, b.raw).toBe('Signature is Valid.');
        expect(b.certificate, b.raw).toBe('Certificate is Trusted.');
        expect(b.totalDocument).toBe(false);
      }
      expect(official.raw).toMatch(/Signer Certificate Common Name: Nguyễn Văn An/);
      expect(agency.raw).toMatch(/Signer Certificate Common Name: Ủy ban nhân dân Phường Bến Nghé/);
      // poppler 22 lists the RFC 3161 document time-stamp but does not validate that type.
      expect(docTs.totalDocument, docTs.raw).toBe(true);
      expect(docTs.raw).toMatch(/Kyso PDF Test TSA/);
    });

    it('qpdf --check is clean', () => {
      const q = tool('qpdf', ['--check', file]);
      expect(q.status, q.stdout + q.stderr).toBe(0);
      expect(q.stdout).toMatch(/No syntax or stream encoding errors found/);
      expect(q.stderr).not.toMatch(/WARNING/i);
    });

    it('mutool sign -v agrees: both digests valid, only the (untrusted-for-mutool) test root reported', () => {
      const blocks = mutoolBlocks(file);
      // mutool numbers blocks by widget object: find them by signer instead.
      const official = blocks.filter((b) => /cn=Nguyễn Văn An,/.test(b.text));
      const agency = blocks.filter((b) => /cn=Ủy ban nhân dân Phường Bến Nghé,/.test(b.text));
      expect(official.length, JSON.stringify(blocks)).toBe(1);
      expect(agency.length, JSON.stringify(blocks)).toBe(1);
      for (const { text } of [...official, ...agency]) {
        expect(text).not.toMatch(/Digest error/);
        expect(text).toMatch(/The signature is valid/);
        // mutool has no trust store option: the one certificate complaint allowed is our own root.
        for (const line of text.match(/Certificate error: .*/g) ?? [])
          expect(line).toBe('Certificate error: Self-signed certificate in chain.');
      }
      // mutool does not check RFC 3161 document time-stamps (it reports the field as unsigned).
      expect(blocks.length).toBe(3);
    });

    it('openssl cms -verify accepts each extracted CMS over its byte ranges (chain to the test root)', () => {
      for (const [i, s] of sigs.entries()) {
        const data = path.join(dir, `ranges-${i}.bin`);
        const der = path.join(dir, `cms-${i}.der`);
        fs.writeFileSync(data, signedBytes(final, s));
        fs.writeFileSync(der, s.contents);
        if (s.kind === 'signature') {
          const r = tool('openssl', [
            'cms',
            '-verify',
            '-binary',
            '-inform',
            'DER',
            '-in',
            der,
            '-content',
            data,
            '-CAfile',
            rootPem,
            '-purpose',
            'any',
            '-out',
            '/dev/null',
          ]);
          expect(r.status, r.stderr).toBe(0);
          expect(r.stderr).toMatch(/Verification successful/);
        } else {
          // The document time-stamp is an RFC 3161 token over the ranges.
          const r = tool('openssl', [
            'ts',
            '-verify',
            '-data',
            data,
            '-in',
            der,
            '-token_in',
            '-CAfile',
            rootPem,
          ]);
          expect(r.status, r.stdout + r.stderr).toBe(0);
          expect(r.stdout).toMatch(/Verification: OK/);
        }
      }
      // And the check can fail: the official's CMS over the agency's ranges is refused.
      const wrong = path.join(dir, 'wrong.bin');
      fs.writeFileSync(wrong, signedBytes(final, sigs[1]!));
      const bad = tool('openssl', [
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        path.join(dir, 'cms-0.der'),
        '-content',
        wrong,
        '-CAfile',
        rootPem,
        '-purpose',
        'any',
        '-out',
        '/dev/null',
      ]);
      expect(bad.status).not.toBe(0);
    });

    it('kyso pdf verify --json: both signatures valid, the change between them allowed, B-LTA', async () => {
      const { code, report, err } = await kysoVerifyJson(file, { trust: [rootPem] });
      expect(code, JSON.stringify(report, null, 2) + err).toBe(0);
      expect(report.valid).toBe(true);
      expect(report.status).toBe('valid');
      expect(report.revisions).toBeGreaterThanOrEqual(6);
      const [official, agency, docTs] = report.signatures;
      expect(report.signatures.length).toBe(3);
      expect(official!.field).toBe(cv.signature.fields!.person);
      expect(official!.signer?.commonName).toBe('Nguyễn Văn An');
      expect(agency!.signer?.commonName).toBe('Ủy ban nhân dân Phường Bến Nghé');
      expect(docTs!.kind).toBe('doc-timestamp');
      for (const s of report.signatures) {
        expect(s.status, JSON.stringify(s, null, 2)).toBe('valid');
        expect(s.integrity.intact).toBe(true);
        expect(s.certificate.status).toBe('valid');
      }
      for (const s of [official!, agency!]) {
        expect(s.level).toBe('B-LTA');
        expect(s.signingTime?.source).toBe('signature-timestamp');
        expect(s.revocationSource).toBe('embedded');
      }
      // The changes after the official's signature (its DSS, the agency's signature, the agency's
      // DSS, the document time-stamp) are all allowed, and include the agency's signature.
      expect(official!.changes.allowed).toBe(true);
      expect(official!.changes.findings.length).toBeGreaterThan(0);
      expect(official!.changes.findings.every((f) => f.allowed)).toBe(true);
      expect(official!.changes.findings.some((f) => f.field === cv.signature.fields!.agency)).toBe(true);
      expect(agency!.changes.allowed).toBe(true);
      // The readable report says the same (Vietnamese by default).
      const vi = await kysoVerify(file, { trust: [rootPem] });
      expect(vi.code).toBe(0);
      expect(vi.out).toMatch(/Kết luận: HỢP LỆ/);
      expect(vi.out).toMatch(/Mức PAdES: B-LTA/);
    });

    it('still valid offline from the DSS alone with the clock after the signer certificate expired', async () => {
      const expiredAt = new Date(
        Math.max(
          pki.officialCert.notAfter.getTime(),
          pki.sealCert.notAfter.getTime(),
          pki.tsaCert.notAfter.getTime(),
        ) +
          30 * DAY,
      );
      const report = await verifyPdf(final, {
        trustStore: new TrustStore([pki.root]),
        time: expiredAt,
        revocation: 'dss-only',
      });
      expect(report.valid, JSON.stringify(report.signatures, null, 2)).toBe(true);
      expect(report.validationTime).toBe(expiredAt.toISOString());
      for (const s of report.signatures.filter((x) => x.kind === 'signature')) {
        expect(s.status).toBe('valid');
        expect(s.revocationSource).toBe('embedded');
        // Validated at the proven signing time, before the certificate expired.
        expect(new Date(s.certificate.validatedAt).getTime()).toBeLessThan(
          pki.officialCert.notAfter.getTime(),
        );
      }
      // The same through the CLI with --at.
      const cli = await kysoVerifyJson(file, { trust: [rootPem], at: expiredAt.toISOString() });
      expect(cli.code).toBe(0);
      expect(cli.report.valid).toBe(true);
      expect(cli.report.validationTime).toBe(expiredAt.toISOString());
      // Without the time-stamps' proof the same clock would not do: B-B only, expired at validation.
      const bb = await signPdf(cv.bytes, { signer: pki.official, fieldName: cv.signature.fields!.person });
      const bbFile = path.join(dir, 'b-b.pdf');
      fs.writeFileSync(bbFile, bb.pdf);
      expect((await kysoVerify(bbFile, { trust: [rootPem], at: expiredAt.toISOString() })).code).toBe(1);
    });

    it('the signature page rendered with pdftoppm keeps the Vietnamese text (pdftotext), fonts embedded (pdffonts)', () => {
      const page = cv.signature.page + 1;
      // Render to PNG (the artefact) and to PPM (pixels checked).
      const png = path.join(dir, 'page');
      run(
        toolPath('pdftoppm') ?? 'pdftoppm',
        ['-png', '-r', '100', '-f', `${page}`, '-l', `${page}`, file, png],
        {
          check: true,
        },
      );
      const pngs = fs.readdirSync(dir).filter((f) => f.startsWith('page') && f.endsWith('.png'));
      expect(pngs.length).toBe(1);
      expect(fs.statSync(path.join(dir, pngs[0]!)).size).toBeGreaterThan(10_000);
      const img = renderPpm(file, page, 100);
      const H = 841.89;
      const seal = findWidgetRect(final, cv.signature.fields!.agency);
      // Blue signature right of the seal, red seal left of the signature, red over the overlap.
      const sigOnly = countPixels(img, H, [seal[2] + 2, personImage[1], personImage[2], personImage[3]], 100);
      expect(sigOnly.blue, JSON.stringify(sigOnly)).toBeGreaterThan(150);
      const sealOnly = countPixels(img, H, [seal[0], seal[1], personImage[0] - 2, seal[3]], 100);
      expect(sealOnly.red, JSON.stringify(sealOnly)).toBeGreaterThan(300);
      const overlap = countPixels(
        img,
        H,
        [personImage[0] + 1, personImage[1], seal[2] - 1, personImage[3]],
        100,
      );
      expect(overlap.red).toBeGreaterThan(50);
      // Title lines above the image and the name below it are drawn (dark pixels).
      const block = cv.signature.person;
      expect(
        countPixels(img, H, [block[0], personImage[3] + 1, block[2], block[3]], 100).dark,
      ).toBeGreaterThan(200);
      expect(
        countPixels(img, H, [block[0], block[1], block[2], personImage[1] - 1], 100).dark,
      ).toBeGreaterThan(100);

      // Text: the person block alone (cropped to its rectangle), then the whole page.
      const s = 100 / 72;
      const crop = tool('pdftotext', [
        '-f',
        `${page}`,
        '-l',
        `${page}`,
        '-r',
        '100',
        '-x',
        `${Math.floor(block[0] * s)}`,
        '-y',
        `${Math.floor((H - block[3]) * s)}`,
        '-W',
        `${Math.ceil((block[2] - block[0]) * s)}`,
        '-H',
        `${Math.ceil((block[3] - block[1]) * s)}`,
        file,
        '-',
      ]).stdout;
      const cropLines = crop
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      expect(cropLines).toEqual([
        ...cv.signature.titleLines.map((l) => l.toLocaleUpperCase('vi')),
        'Nguyễn Văn An',
      ]);
      const all = tool('pdftotext', ['-layout', '-f', `${page}`, '-l', `${page}`, file, '-']).stdout;
      for (const t of [
        cv.header.parentAgency,
        cv.header.agency,
        `Số: ${cv.header.number}`,
        'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
        'Độc lập - Tự do - Hạnh phúc',
        ...cv.signature.titleLines,
        cv.signature.signerName,
      ])
        expect(all, t).toContain(t);

      // pdffonts: every font (page and appearance streams) embedded, subset, with ToUnicode.
      const lines = tool('pdffonts', ['-f', `${page}`, '-l', `${page}`, file])
        .stdout.split('\n')
        .slice(2)
        .filter((l) => l.trim());
      expect(lines.length).toBeGreaterThan(0);
      const fonts = lines.map((l) => {
        const c = l.trim().split(/\s+/);
        const n = c.length;
        return { name: c[0]!, emb: c[n - 5], sub: c[n - 4], uni: c[n - 3] };
      });
      for (const f of fonts) {
        expect(f.emb, `${f.name} embedded`).toBe('yes');
        expect(f.sub, `${f.name} subset`).toBe('yes');
        expect(f.uni, `${f.name} ToUnicode`).toBe('yes');
      }
      expect(fonts.some((f) => /^[A-Z]{6}\+LiberationSerif-Bold/.test(f.name))).toBe(true);
    });

    describe('tampering: each reported invalid by kyso pdf verify (exit 1)', () => {
      const write = (name: string, bytes: Uint8Array) => {
        const f = path.join(dir, name);
        fs.writeFileSync(f, bytes);
        return f;
      };

      it('a changed byte inside the signed original', async () => {
        const t = Buffer.from(final);
        // A byte of the first stream's data (the page content of the original revision): the file
        // still parses, only the digests change.
        const at = t.indexOf('stream\n') + 7 + 5;
        expect(at).toBeLessThan(sigs[0]!.byteRange![1]!);
        t[at] = t[at]! ^ 0x20;
        const f = write('t-byte.pdf', t);
        const { code, report } = await kysoVerifyJson(f, { trust: [rootPem] });
        expect(code).toBe(1);
        expect(report.valid).toBe(false);
        for (const s of report.signatures) {
          expect(s.status).toBe('invalid');
          expect(s.integrity.intact).toBe(false);
        }
        // pdfsig agrees (and so the pdfsig parsing above can fail).
        const ps = pdfsigTrusted(f, nssDir);
        expect(ps.blocks[0]!.validation).not.toBe('Signature is Valid.');
        expect(ps.blocks[1]!.validation).not.toBe('Signature is Valid.');
        // And mutool.
        const mu = mutoolBlocks(f).filter((b) => /cn=/.test(b.text));
        expect(mu.length).toBe(2);
        for (const b of mu) expect(b.text).toMatch(/The signature is invalid|Digest error/);
      });

      it('an appended content change (incremental update replacing the page content)', async () => {
        const r = PdfReader.open(final);
        const w = new IncrementalWriter(r);
        const pageRef = r.pages()[cv.signature.page]!;
        w.editDict(pageRef).set(
          'Contents',
          w.add(
            new PdfStream(new PdfDict(), enc.encode('BT /F1 12 Tf 100 700 Td (Khong con hieu luc) Tj ET')),
          ),
        );
        const f = write('t-content.pdf', Buffer.concat([final, w.write().appended]));
        const { code, report } = await kysoVerifyJson(f, { trust: [rootPem] });
        expect(code).toBe(1);
        expect(report.valid).toBe(false);
        for (const s of report.signatures) {
          // Intact, but followed by a change nothing permits.
          expect(s.integrity.intact).toBe(true);
          expect(s.changes.allowed).toBe(false);
          expect(s.status).not.toBe('valid');
        }
        expect(
          report.signatures[0]!.changes.findings.some((x) => !x.allowed && /Contents/.test(x.description)),
        ).toBe(true);
      });

      it("a shifted ByteRange (the official's, same length, gap moved off /Contents)", async () => {
        const buf = Buffer.from(final);
        const [a, b, c, d] = sigs[0]!.byteRange as [number, number, number, number];
        const old = `/ByteRange [${a} ${b} ${c} ${d}]`;
        const at = buf.indexOf(old);
        expect(at).toBeGreaterThan(0);
        const neu = `/ByteRange [${a} ${b + 1} ${c + 1} ${d - 1}]`.padEnd(old.length, ' ');
        expect(neu.length).toBe(old.length);
        buf.write(neu, at, 'latin1');
        const f = write('t-byterange.pdf', buf);
        const { code, report } = await kysoVerifyJson(f, { trust: [rootPem] });
        expect(code).toBe(1);
        expect(report.valid).toBe(false);
        const first = report.signatures[0]!;
        expect(first.status).toBe('invalid');
        expect(first.integrity.checks.find((x) => x.check === 'byte-range')?.status).toBe('failed');
      });

      /** A white box with other text over `bbox`: what a reader would now show. */
      const overlayForm = (w: IncrementalWriter, bbox: Rect, text: string) =>
        new PdfStream(
          dict({
            Type: PdfName.of('XObject'),
            Subtype: PdfName.of('Form'),
            BBox: [...bbox],
            Resources: dict({
              Font: dict({
                Helv: w.add(
                  dict({
                    Type: PdfName.of('Font'),
                    Subtype: PdfName.of('Type1'),
                    BaseFont: PdfName.of('Helvetica'),
                  }),
                ),
              }),
            }),
          }),
          enc.encode(
            `1 g ${bbox[0]} ${bbox[1]} ${bbox[2] - bbox[0]} ${bbox[3] - bbox[1]} re f 0 g BT /Helv 12 Tf ${bbox[0] + 4} ${bbox[1] + 8} Td (${text}) Tj ET`,
          ),
        );

      const overlays: [string, string, (r: PdfReader, w: IncrementalWriter, pageRef: PdfRef) => void][] = [
        [
          'a new form field whose widget covers the body text',
          'FIELD_ADDED',
          (r, w, pageRef) => {
            const widget = w.add(
              dict({
                Type: PdfName.of('Annot'),
                Subtype: PdfName.of('Widget'),
                FT: PdfName.of('Tx'),
                T: PdfString.text('overlay'),
                Rect: [85, 450, 565, 650],
                F: 4,
                P: pageRef,
                AP: dict({ N: w.add(overlayForm(w, [0, 0, 480, 200], 'NOIDUNGGIAMAO')) }),
              }),
            );
            const page = w.editDict(pageRef);
            page.set('Annots', [...(r.array(page.get('Annots')) ?? []), widget]);
            const catalog = w.editDict(r.rootRef);
            const acroRef = catalog.get('AcroForm');
            const acro = acroRef instanceof PdfRef ? w.editDict(acroRef) : r.dict(acroRef)!.clone();
            if (!(acroRef instanceof PdfRef)) catalog.set('AcroForm', acro);
            acro.set('Fields', [...(r.array(acro.get('Fields')) ?? []), widget]);
          },
        ],
        [
          'a new annotation (no field) with an opaque appearance over the body text',
          'ANNOTATION_ADDED',
          (r, w, pageRef) => {
            const annot = w.add(
              dict({
                Type: PdfName.of('Annot'),
                Subtype: PdfName.of('Stamp'),
                Rect: [85, 450, 565, 650],
                F: 4,
                P: pageRef,
                AP: dict({ N: w.add(overlayForm(w, [0, 0, 480, 200], 'NOIDUNGGIAMAO')) }),
              }),
            );
            const page = w.editDict(pageRef);
            page.set('Annots', [...(r.array(page.get('Annots')) ?? []), annot]);
          },
        ],
        [
          "the official's signed appearance replaced in place (same object number)",
          'SIGNED_FIELD_CHANGED',
          (r, w) => {
            const acro = r.dict(r.catalog().get('AcroForm'))!;
            const field = (r.array(acro.get('Fields')) ?? [])
              .map((f) => r.dict(f)!)
              .find((d) => (d.get('T') as PdfString | undefined)?.text() === cv.signature.fields!.person)!;
            const apRef = r.dict(field.get('AP'))!.get('N') as PdfRef;
            const old = r.getObject(apRef.num) as PdfStream;
            const bbox = (r.array(old.dict.get('BBox')) ?? []).map((v) => r.resolve(v) as number) as Rect;
            w.set(apRef, overlayForm(w, bbox, 'NOIDUNGGIAMAO'));
          },
        ],
      ];

      it.each(overlays)('a shadow-style overlay: %s', async (_what, change, mutate) => {
        const r = PdfReader.open(final);
        const w = new IncrementalWriter(r);
        mutate(r, w, r.pages()[cv.signature.page]!);
        const f = write(`t-overlay-${change}.pdf`, Buffer.concat([final, w.write().appended]));
        // The overlay really shows (the attack would work on a verifier that ignores later revisions).
        const shown = tool('pdftotext', [
          '-f',
          `${cv.signature.page + 1}`,
          '-l',
          `${cv.signature.page + 1}`,
          f,
          '-',
        ]);
        expect(shown.stdout).toContain('NOIDUNGGIAMAO');
        expect(tool('qpdf', ['--check', f]).status).toBe(0);
        const { code, report } = await kysoVerifyJson(f, { trust: [rootPem] });
        expect(code).toBe(1);
        expect(report.valid).toBe(false);
        for (const s of report.signatures) {
          expect(s.integrity.intact).toBe(true);
          expect(s.changes.allowed, JSON.stringify(s.changes, null, 2)).toBe(false);
          expect(s.reasons).toContain('DISALLOWED_CHANGES');
          const bad = s.changes.findings.filter((x) => !x.allowed).map((x) => x.code);
          expect(bad.filter((c) => c !== 'OVERLAYS_SIGNED_CONTENT')).toEqual([change]);
          // The stamp lies over the body text: named as such too (issue 12).
          if (change === 'ANNOTATION_ADDED') expect(bad).toContain('OVERLAYS_SIGNED_CONTENT');
        }
      });
    });
  },
);

/** The /Rect of the widget of field `name` (page space). */
function findWidgetRect(bytes: Uint8Array, name: string): Rect {
  const r = PdfReader.open(bytes);
  const acro = r.dict(r.catalog().get('AcroForm'))!;
  for (const f of r.array(acro.get('Fields')) ?? []) {
    const d = r.dict(f);
    const t = d?.get('T');
    if (d && t instanceof PdfString && t.text() === name) {
      const rect = (r.array(d.get('Rect')) ?? []).map((v) => r.resolve(v) as number);
      return [
        Math.min(rect[0]!, rect[2]!),
        Math.min(rect[1]!, rect[3]!),
        Math.max(rect[0]!, rect[2]!),
        Math.max(rect[1]!, rect[3]!),
      ];
    }
  }
  throw new Error(`no field ${name}`);
}
