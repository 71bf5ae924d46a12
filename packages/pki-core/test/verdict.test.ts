/**
 * The verdict model: indication from the verifier's status, sub-indication from the reasons
 * through the one mapping, the worst of several, the vi/en line, and the TS 119 102-2 report
 * (well-formed and valid against kyso's structural subset of the schema, checked by xmllint).
 */
import { describe, expect, it } from 'vitest';
import {
  type ValidationReport,
  etsiValidationReport,
  makeVerdict,
  pathVerdict,
  renderVerdict,
  worstVerdict,
} from '../src/index.js';
import { etsiSchemaErrors, etsiValues } from './helpers/etsi.js';
import { requireTool } from './helpers/tools.js';

const path = (valid: boolean, reason: ValidationReport['reason']): Omit<ValidationReport, 'verdict'> => ({
  valid,
  reason,
  detail: null,
  chain: [],
  checks: reason ? [{ certIndex: 0, subject: 'CN=x', check: 'validity', status: 'failed', reason }] : [],
  policy: null,
  revocation: [],
  work: { signatures: 0, buildCalls: 0, nameConstraintComparisons: 0, pathsTried: 0 },
});

describe('verdict', () => {
  it('follows the status for the indication and the first fitting reason for the sub-indication', () => {
    expect(makeVerdict('valid', ['DIGEST_MISMATCH'], 'pdf')).toEqual({
      indication: 'TOTAL-PASSED',
      reasons: [],
    });
    expect(makeVerdict('failed', ['MESSAGE_DIGEST_MISMATCH'], 'cms')).toEqual({
      indication: 'TOTAL-FAILED',
      subIndication: 'HASH_FAILURE',
      reasons: ['MESSAGE_DIGEST_MISMATCH'],
    });
    // TIMESTAMP_INDETERMINATE is NO_POE (INDETERMINATE only): a TOTAL-FAILED verdict takes the revocation.
    const v = makeVerdict('invalid', ['TIMESTAMP_INDETERMINATE', 'CERTIFICATE_REVOKED'], 'pdf');
    expect(v.subIndication).toBe('REVOKED');
    expect(makeVerdict('indeterminate', ['CERTIFICATE_REVOKED'], 'pdf').subIndication).toBe('REVOKED_NO_POE');
    // Codes of passed checks are not reasons.
    expect(makeVerdict('failed', ['SUCCESSFUL', 'SIGNATURE_INVALID'], 'ocsp').reasons).toEqual([
      'SIGNATURE_INVALID',
    ]);
    expect(makeVerdict('indeterminate', [], 'cms').subIndication).toBe('GENERIC');
  });

  it('path: expired is OUT_OF_BOUNDS_NO_POE, no chain is NO_CERTIFICATE_CHAIN_FOUND, revoked is TOTAL-FAILED', () => {
    expect(pathVerdict(path(true, null)).indication).toBe('TOTAL-PASSED');
    expect(pathVerdict(path(false, 'CERT_EXPIRED'))).toMatchObject({
      indication: 'INDETERMINATE',
      subIndication: 'OUT_OF_BOUNDS_NO_POE',
    });
    expect(pathVerdict(path(false, 'UNKNOWN_ISSUER')).subIndication).toBe('NO_CERTIFICATE_CHAIN_FOUND');
    expect(pathVerdict(path(false, 'REVOKED'))).toMatchObject({
      indication: 'TOTAL-FAILED',
      subIndication: 'REVOKED',
    });
  });

  it('worst of several, and none', () => {
    const ok = makeVerdict('valid', [], 'pdf');
    const ind = makeVerdict('indeterminate', ['NO_TRUST_ANCHORS'], 'cms');
    const bad = makeVerdict('invalid', ['SIGNATURE_INVALID'], 'cms');
    expect(worstVerdict([ok, ind])).toBe(ind);
    expect(worstVerdict([ind, bad, ok])).toBe(bad);
    expect(worstVerdict([])).toMatchObject({
      indication: 'INDETERMINATE',
      subIndication: 'SIGNED_DATA_NOT_FOUND',
    });
  });

  it('renders one line in Vietnamese or English', () => {
    const v = makeVerdict('indeterminate', ['UNKNOWN_ISSUER'], 'path');
    expect(renderVerdict(v)).toBe(
      'Kết luận (ETSI EN 319 102-1): CHƯA XÁC ĐỊNH — INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND: không dựng được chuỗi tới chứng thư gốc tin cậy [UNKNOWN_ISSUER]',
    );
    expect(renderVerdict(makeVerdict('valid', [], 'path'), 'en')).toBe(
      'Verdict (ETSI EN 319 102-1): VALID — TOTAL-PASSED',
    );
  });
});

describe.skipIf(!requireTool('xmllint'))('ETSI TS 119 102-2 report', () => {
  const cert = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]);
  const at = new Date('2026-01-02T03:04:05.678Z');

  it('is valid against the structural subset, with the indication URIs of the standard', () => {
    const xml = etsiValidationReport([
      {
        daIdentifier: 'Signature1 & <co>',
        verdict: makeVerdict('invalid', ['DIGEST_MISMATCH'], 'pdf'),
        scope: 'pdf',
        checks: [
          { check: 'integrity:message-digest', status: 'failed', reason: 'DIGEST_MISMATCH' },
          { check: 'certificate', status: 'indeterminate', reason: 'CERTIFICATE_UNKNOWN_ISSUER' },
          { check: 'changes', status: 'passed' },
        ],
        validationTime: at,
        claimedSigningTime: at,
        signatureTimeStamp: at,
        subFilter: 'ETSI.CAdES.detached',
        reason: 'Phê duyệt',
        signer: 'CN=Nguyễn Văn A',
        chain: [cert, new Uint8Array([0x30, 0x00])],
        chainEndsAtAnchor: true,
      },
      {
        verdict: makeVerdict('valid', [], 'cms'),
        scope: 'cms',
        checks: [],
        validationTime: at,
        chain: [cert],
      },
    ]);
    expect(etsiSchemaErrors(xml)).toBe('');
    expect(etsiValues(xml, 'MainIndication')).toEqual([
      'urn:etsi:019102:mainindication:failed',
      'urn:etsi:019102:mainindication:indeterminate',
      'urn:etsi:019102:mainindication:passed',
      'urn:etsi:019102:mainindication:total-failed',
      'urn:etsi:019102:mainindication:total-passed',
    ]);
    expect(etsiValues(xml, 'SubIndication')).toEqual([
      'urn:etsi:019102:subindication:HASH_FAILURE',
      'urn:etsi:019102:subindication:NO_CERTIFICATE_CHAIN_FOUND',
      'urn:etsi:019102:subindication:HASH_FAILURE',
    ]);
    expect(etsiValues(xml, 'DAIdentifier')).toEqual(['Signature1 &amp; &lt;co&gt;']);
    expect(etsiValues(xml, 'ValidationTime')).toEqual(['2026-01-02T03:04:05Z', '2026-01-02T03:04:05Z']);
    // The same certificate is one validation object, referenced from both signatures.
    expect(xml.match(/<vr:ValidationObject /g)).toHaveLength(2);
    expect(xml).toContain('<vr:TrustAnchor VOReference="C-2"/>');
  });

  it('a document without signatures still has one (INDETERMINATE / SIGNED_DATA_NOT_FOUND) report', () => {
    const xml = etsiValidationReport([], at);
    expect(etsiSchemaErrors(xml)).toBe('');
    expect(etsiValues(xml, 'SubIndication')).toEqual(['urn:etsi:019102:subindication:SIGNED_DATA_NOT_FOUND']);
  });

  it('the subset schema refuses what the standard refuses (no status, elements out of order)', () => {
    const ok = etsiValidationReport([], at);
    expect(
      etsiSchemaErrors(
        ok.replace(/<vr:SignatureValidationStatus>[\s\S]*<\/vr:SignatureValidationStatus>/, ''),
      ),
    ).not.toBe('');
    const swapped = ok.replace(
      /(<vr:ValidationTimeInfo>[\s\S]*<\/vr:ValidationTimeInfo>)\s*(<vr:SignatureValidationStatus>[\s\S]*<\/vr:SignatureValidationStatus>)/,
      '$2$1',
    );
    expect(swapped).not.toBe(ok);
    expect(etsiSchemaErrors(swapped)).not.toBe('');
  });
});
