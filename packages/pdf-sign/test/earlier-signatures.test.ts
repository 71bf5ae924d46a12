/**
 * B-LT/B-LTA data for the signatures already in a document (issue 13, README's flagship flow): an
 * official signs at B-B, the agency seals at B-LTA; the seal's DSS carries the official's
 * certificates and revocation data too, so offline verification (DSS only) finds both signatures
 * valid at B-LTA, through signPdf and signPdfFile alike. Data that cannot be found for an earlier
 * signature does not fail the new one, even with requireRevocationData.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TrustStore } from '@kyso/pki-core';
import { tmpDir } from '../../pki-core/test/helpers/tools.js';
import { earlierSignatureCertificateSets } from '../src/sign/earlier-signatures.js';
import { signPdfFile } from '../src/sign/file.node.js';
import { signPdf } from '../src/sign/pades.js';
import type { RevocationDataFetcher } from '../src/sign/validation-data.js';
import { PdfReader } from '../src/pdf/reader.js';
import { verifyPdf } from '../src/verify/index.js';
import { makeSamplePdf } from './helpers/docs.js';
import { type PdfTestPki, makePdfTestPki } from './helpers/pki.js';

describe('validation data for earlier signatures at B-LT/B-LTA', () => {
  let pki: PdfTestPki;
  let trustStore: TrustStore;
  let officialBB: Uint8Array;

  beforeAll(async () => {
    pki = await makePdfTestPki();
    trustStore = new TrustStore([pki.root]);
    officialBB = (await signPdf(await makeSamplePdf({ pages: 1 }), { signer: pki.official })).pdf;
  });

  const levels = async (pdf: Uint8Array) => {
    const report = await verifyPdf(pdf, { trustStore, revocation: 'dss-only' });
    return report.signatures.filter((s) => s.kind === 'signature').map((s) => `${s.status} ${s.level}`);
  };

  it('the official B-B signature alone is not B-LTA (no revocation data offline)', async () => {
    expect(await levels(officialBB)).toEqual([expect.not.stringMatching(/^valid B-LTA$/)]);
    expect(earlierSignatureCertificateSets(PdfReader.open(officialBB))).toHaveLength(1);
  });

  it('signPdf: the seal at B-LTA brings the official to B-LTA too', async () => {
    const sealed = await signPdf(officialBB, {
      signer: pki.seal,
      level: 'B-LTA',
      timeStamper: pki.timeStamper,
      revocation: pki.revocation,
      requireRevocationData: true,
    });
    expect(sealed.validationData!.missing).toEqual([]);
    const officialDer = pki.officialCert.der;
    expect(sealed.validationData!.certs.some((c) => Buffer.from(c).equals(Buffer.from(officialDer)))).toBe(
      true,
    );
    expect(await levels(sealed.pdf)).toEqual(['valid B-LTA', 'valid B-LTA']);
  });

  it('signPdfFile: the same through the file path', async () => {
    const dir = tmpDir('kyso-earlier-');
    const input = path.join(dir, 'in.pdf');
    const out = path.join(dir, 'out.pdf');
    fs.writeFileSync(input, officialBB);
    await signPdfFile(input, out, {
      signer: pki.seal,
      level: 'B-LTA',
      timeStamper: pki.timeStamper,
      revocation: pki.revocation,
    });
    expect(await levels(new Uint8Array(fs.readFileSync(out)))).toEqual(['valid B-LTA', 'valid B-LTA']);
  });

  it("an earlier signature's missing data does not fail the new signature", async () => {
    const official = pki.officialCert.serialHex;
    const blind: RevocationDataFetcher = {
      ocsp: (c, i) => (c.serialHex === official ? Promise.resolve(undefined) : pki.revocation.ocsp!(c, i)),
      crls: (c, i) => (c.serialHex === official ? Promise.resolve([]) : pki.revocation.crls!(c, i)),
    };
    const sealed = await signPdf(officialBB, {
      signer: pki.seal,
      level: 'B-LTA',
      timeStamper: pki.timeStamper,
      revocation: blind,
      requireRevocationData: true,
    });
    expect(sealed.validationData!.missing).toEqual([]);
    const [first, second] = await levels(sealed.pdf);
    expect(first).not.toBe('valid B-LTA');
    expect(second).toBe('valid B-LTA');
  });
});
