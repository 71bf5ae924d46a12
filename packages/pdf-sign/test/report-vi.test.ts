/**
 * The Vietnamese report has no English sentence (issue 15): a B-B signature without revocation
 * data is reported with a Vietnamese explanation and what to do; the English report keeps the
 * checker's detail.
 */
import { TrustStore } from '@kyso/pki-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { signPdf } from '../src/sign/pades.js';
import { renderReport, verifyPdf } from '../src/verify/index.js';
import { makeSamplePdf } from './helpers/docs.js';
import { makePdfTestPki } from './helpers/pki.js';

describe('Vietnamese report wording', () => {
  let vi = '';
  let en = '';
  beforeAll(async () => {
    const pki = await makePdfTestPki();
    const { pdf } = await signPdf(await makeSamplePdf({ pages: 1 }), { signer: pki.official });
    const r = await verifyPdf(pdf, { trustStore: new TrustStore([pki.root]) });
    expect(r.signatures[0]!.certificate.reason).toBe('REVOCATION_UNKNOWN');
    vi = renderReport(r, 'vi');
    en = renderReport(r, 'en');
  }, 60_000);

  it('REVOCATION_UNKNOWN: a Vietnamese sentence saying what to do, no English detail', () => {
    expect(vi).toContain('không xác định được tình trạng thu hồi');
    expect(vi).toContain('dùng --fetch để tra cứu trực tuyến, hoặc --soft-fail để chấp nhận thiếu dữ liệu');
    expect(vi).not.toMatch(/supplied|fetched|no CRL or OCSP|this certificate/);
    expect(en).toMatch(/REVOCATION_UNKNOWN/);
  });
});
