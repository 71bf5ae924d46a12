/**
 * BER-encoded CMS inside a zero-padded /Contents (issue 13): OpenSSL `cms -sign -stream` writes
 * indefinite-length BER (ContentInfo, SignedData and the content info nested). The verifier must
 * find the end of the element by walking to the end-of-contents octets and still refuse any
 * non-zero byte after it. Detached BER signatures that verify VALID are made by PDFBox +
 * BouncyCastle in java-oracle.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { berElementLength } from '@kyso/pki-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { openssl, requireTool, tmpDir } from '../../pki-core/test/helpers/tools.js';
import {
  PdfReader,
  embedSignature,
  findSignatures,
  preparePdfSignature,
  signPreparedDigest,
} from '../src/index.js';
import { verifyPdf, verifyPdfIntegrity } from '../src/verify/index.js';
import { makeSamplePdf } from './helpers/docs.js';
import { type PdfTestPki, makePdfTestPki } from './helpers/pki.js';

type Sub = 'adbe.pkcs7.detached' | 'ETSI.CAdES.detached';

describe.skipIf(!requireTool('openssl'))('BER CMS in /Contents (openssl cms -sign -stream)', () => {
  let pki: PdfTestPki;
  let dir: string;
  let files: Awaited<ReturnType<PdfTestPki['writeFiles']>>;
  let base: Uint8Array;

  beforeAll(async () => {
    pki = await makePdfTestPki();
    dir = tmpDir();
    files = await pki.writeFiles(dir);
    base = await makeSamplePdf();
  });

  /** Signs `base` with openssl in streaming (indefinite-length BER) mode; returns file and CMS. */
  async function opensslSigned(subFilter: Sub, name: string): Promise<{ pdf: Uint8Array; cms: Uint8Array }> {
    const p = await preparePdfSignature(base, { subFilter, fieldName: name, placeholderSize: 12_000 });
    const [a, b, c, d] = p.byteRange;
    const signed = Buffer.concat([p.document.subarray(a, a + b), p.document.subarray(c, c + d)]);
    const content = path.join(dir, `${name}.bin`);
    const out = path.join(dir, `${name}.p7s`);
    fs.writeFileSync(content, signed);
    const args = ['cms', '-sign', '-binary', '-in', content, '-signer', files.cert, '-inkey', files.key];
    args.push('-certfile', files.chain, '-md', 'sha256', '-outform', 'DER', '-out', out, '-stream');
    if (subFilter === 'ETSI.CAdES.detached') args.push('-cades');
    openssl(args, { check: true });
    const cms = new Uint8Array(fs.readFileSync(out));
    return { pdf: embedSignature(p, cms), cms };
  }

  it('the end of an indefinite-length CMS is found (the padding is not part of it)', async () => {
    const { pdf, cms } = await opensslSigned('ETSI.CAdES.detached', 'BerEnd');
    // Really BER: indefinite lengths at the top and nested below.
    expect([...cms.subarray(0, 2)]).toEqual([0x30, 0x80]);
    expect([...cms.subarray(13, 17)]).toEqual([0xa0, 0x80, 0x30, 0x80]);
    const [sig] = findSignatures(PdfReader.open(pdf));
    expect(sig!.contents).toEqual(cms);
    expect(sig!.trailingDataAt).toBeUndefined();
    // openssl's streaming mode encapsulates the content, which a PDF signature must not: the
    // verifier gets past the BER and says so (valid detached BER comes from the Java oracle test).
    const integ = await verifyPdfIntegrity(pdf);
    expect(integ.signatures[0]!.checks.find((c) => c.check === 'cms')?.detail).toMatch(
      /encapsulated content/,
    );
  });

  it('a non-zero byte after the BER CMS (inside the zero padding) is refused', async () => {
    const { pdf, cms } = await opensslSigned('adbe.pkcs7.detached', 'BerTrailing');
    const [sig] = findSignatures(PdfReader.open(pdf));
    const br = sig!.byteRange!;
    // The hex digit pair right after the CMS, and one far into the padding.
    for (const at of [cms.length, cms.length + 500]) {
      const bad = pdf.slice();
      bad[br[1]! + 1 + 2 * at + 1] = 0x31; // '00' -> '01'
      const [s] = findSignatures(PdfReader.open(bad));
      expect(s!.trailingDataAt).toBe(at);
      const integ = await verifyPdfIntegrity(bad);
      expect(integ.ok).toBe(false);
      const cmsCheck = integ.signatures[0]!.checks.find((c) => c.check === 'cms');
      expect(cmsCheck?.reason).toBe('CMS_MALFORMED');
      expect(cmsCheck?.detail).toMatch(/non-zero byte/);
      const rep = await verifyPdf(bad, { revocation: 'off' });
      expect(rep.status).toBe('invalid');
    }
  });

  it('a DER CMS followed by a non-zero byte is refused as well', async () => {
    const p = await preparePdfSignature(base, { fieldName: 'DerTrailing', placeholderSize: 12_000 });
    const cms = await signPreparedDigest(p, pki.official);
    const pdf = embedSignature(p, cms);
    expect((await verifyPdfIntegrity(pdf)).ok).toBe(true);
    const bad = pdf.slice();
    bad[p.byteRange[1] + 1 + 2 * cms.length + 3] = 0x66; // 'f'
    const integ = await verifyPdfIntegrity(bad);
    expect(integ.ok).toBe(false);
    expect(integ.signatures[0]!.checks.find((c) => c.check === 'cms')?.detail).toMatch(/non-zero byte/);
  });

  it('berElementLength: an unterminated indefinite element, or one beyond the depth cap, is an error', () => {
    expect(() => berElementLength(new Uint8Array([0x30, 0x80, 0x02, 0x01, 0x05]))).toThrow(
      /end-of-contents|end of data/,
    );
    expect(
      berElementLength(new Uint8Array([0x30, 0x80, 0x30, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00])),
    ).toBe(8);
    expect(berElementLength(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x05, 0x00]))).toBe(5);
    const deep = new Uint8Array(2 * 100 + 2 * 100);
    for (let i = 0; i < 100; i++) deep.set([0x30, 0x80], 2 * i);
    expect(() => berElementLength(deep)).toThrow(/nesting deeper/);
    // A primitive with indefinite length is not BER.
    expect(() => berElementLength(new Uint8Array([0x04, 0x80, 0x00, 0x00]))).toThrow(/primitive/);
  });
});
