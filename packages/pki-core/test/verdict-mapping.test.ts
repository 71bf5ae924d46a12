/**
 * The one reason → sub-indication mapping covers every reason code of the code base: the typed
 * code lists (path, CMS, CRL, OCSP, TSP, PDF integrity and changes, XML) and, as a net for codes
 * written as literals, every UPPER_SNAKE literal on a reason-reporting line of the verifiers'
 * sources. Each entry names a sub-indication of EN 319 102-1 and, for a TOTAL-FAILED/INDETERMINATE
 * pair, one the standard lists under that indication.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHANGE_CODES, INTEGRITY_REASONS } from '@kyso/pdf-sign';
import { XML_ERROR_REASONS } from '@kyso/xml-sign';
import { describe, expect, it } from 'vitest';
import {
  CMS_REASONS,
  CRL_UNKNOWN_REASONS,
  ERS_REASONS,
  OCSP_REASONS,
  REASONS,
  REASON_MAPPING,
  type ReasonScope,
  SUB_INDICATIONS,
  TSD_CONTENT_REASONS,
  TSP_REASONS,
  isReasonCode,
  normalizeReasonCode,
  reasonEntry,
} from '../src/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const src = (p: string) => path.join(root, 'packages', p);
const dir = (p: string) =>
  fs
    .readdirSync(src(p))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(src(p), f));

/** Sources whose reason codes belong to each scope. */
const SOURCES: [ReasonScope, string[]][] = [
  ['path', dir('pki-core/src/path')],
  ['revocation', dir('pki-core/src/revocation')],
  ['ocsp', [src('pki-core/src/ocsp/verify.ts')]],
  ['tsp', [src('pki-core/src/tsp/verify.ts')]],
  ['cms', [src('pki-core/src/cms/verify.ts')]],
  ['pdf', [...dir('pdf-sign/src/verify'), ...dir('pdf-sign/src/verify/changes/rules')]],
  ['xml', [...dir('xml-sign/src/verify'), ...dir('xml-sign/src/dsig'), ...dir('xml-sign/src/xades')]],
  ['ers', dir('pki-core/src/ers')],
];

/** UPPER_SNAKE literals on those lines that are not reason codes (PEM labels, PAdES conformance notes). */
const NOT_REASONS = new Set(['CERTIFICATE', 'PADES_NO_M', 'PADES_CMS_SIGNING_TIME', 'NOT_PADES']);

const REASON_LINE = /reason|fail\(|problem\(|line\(|push\(|reject\(|unknown\(|code: '/;

function literalCodes(file: string): string[] {
  const out = new Set<string>();
  for (const raw of fs.readFileSync(file, 'utf8').split('\n')) {
    const ln = raw.trim();
    if (ln.startsWith('*') || ln.startsWith('//') || ln.startsWith('/*')) continue;
    if (!REASON_LINE.test(ln)) continue;
    for (const m of ln.matchAll(/'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)'/g))
      if (!NOT_REASONS.has(m[1]!)) out.add(m[1]!);
  }
  return [...out];
}

const failingOcsp = OCSP_REASONS.filter((r) => reasonEntry(r, 'ocsp') !== 'PASSED');

/** Every code the typed lists produce, by the scope it is read in. */
const TYPED: [ReasonScope, readonly string[]][] = [
  ['path', REASONS],
  ['path', ['NO_TRUST_ANCHORS', 'NO_CERTIFICATE', 'INDETERMINATE', 'INVALID']],
  ['revocation', CRL_UNKNOWN_REASONS],
  ['revocation', failingOcsp.map((r) => (r.startsWith('OCSP_') ? r : `OCSP_${r}`))],
  ['ocsp', OCSP_REASONS],
  ['tsp', TSP_REASONS],
  ['tsp', REASONS],
  ['cms', CMS_REASONS],
  ['cms', REASONS.map((r) => `CERTIFICATE_${r}`)],
  ['pdf', INTEGRITY_REASONS],
  ['pdf', CHANGE_CODES],
  ['pdf', CMS_REASONS],
  ['pdf', ['INTEGRITY', 'DISALLOWED_CHANGES', 'TIMESTAMP_INVALID', 'TIMESTAMP_INDETERMINATE']],
  [
    'pdf',
    [...REASONS, 'NO_TRUST_ANCHORS', 'NO_CERTIFICATE', 'INDETERMINATE', 'INVALID'].map(
      (r) => `CERTIFICATE_${r}`,
    ),
  ],
  ['xml', XML_ERROR_REASONS],
  ['xml', REASONS],
  ['xml', REASONS.map((r) => `CERTIFICATE_${r}`)],
  ['ers', ERS_REASONS],
  ['ers', TSD_CONTENT_REASONS],
  ['ers', TSP_REASONS],
];

describe('reason → sub-indication mapping (EN 319 102-1)', () => {
  it('maps every code of the typed reason lists', () => {
    const missing: string[] = [];
    for (const [scope, codes] of TYPED)
      for (const c of codes) if (reasonEntry(c, scope) === undefined) missing.push(`${scope}:${c}`);
    expect(missing).toEqual([]);
  });

  it('maps every UPPER_SNAKE reason literal in the verifiers of pki-core, pdf-sign and xml-sign', () => {
    const missing: string[] = [];
    let seen = 0;
    for (const [scope, files] of SOURCES)
      for (const f of files)
        for (const c of literalCodes(f)) {
          seen++;
          if (reasonEntry(c, scope) === undefined) missing.push(`${scope}:${c} (${path.relative(root, f)})`);
        }
    expect(missing).toEqual([]);
    expect(seen).toBeGreaterThan(150);
  });

  it('has no kebab-case reason left in OCSP, TSP and ERS verification', () => {
    for (const f of [
      src('pki-core/src/ocsp/verify.ts'),
      src('pki-core/src/tsp/verify.ts'),
      ...dir('pki-core/src/ers'),
    ]) {
      expect(fs.readFileSync(f, 'utf8'), f).not.toMatch(/reason: '[a-z]/);
      expect(fs.readFileSync(f, 'utf8'), f).not.toMatch(/reason: [^'\n]*\? '[a-z]/);
    }
    for (const c of [
      ...OCSP_REASONS,
      ...TSP_REASONS,
      ...CMS_REASONS,
      ...CRL_UNKNOWN_REASONS,
      ...REASONS,
      ...ERS_REASONS,
      ...TSD_CONTENT_REASONS,
    ])
      expect(isReasonCode(c), c).toBe(true);
  });

  it('names only sub-indications of the standard, each pair under its own indication', () => {
    for (const [scope, table] of Object.entries(REASON_MAPPING))
      for (const [code, e] of Object.entries(table)) {
        const where = `${scope}:${code}`;
        expect(isReasonCode(code), where).toBe(true);
        if (e === 'PASSED') continue;
        if (typeof e === 'string') {
          expect(Object.hasOwn(SUB_INDICATIONS, e), where).toBe(true);
          continue;
        }
        expect(SUB_INDICATIONS[e.failed] as readonly string[], where).toContain('TOTAL-FAILED');
        expect(SUB_INDICATIONS[e.indeterminate] as readonly string[], where).toContain('INDETERMINATE');
      }
  });

  it('reads the same word by scope: a CA signature is a chain failure, the signer signature a crypto failure', () => {
    expect(reasonEntry('SIGNATURE_INVALID', 'path')).toBe('CERTIFICATE_CHAIN_GENERAL_FAILURE');
    expect(reasonEntry('SIGNATURE_INVALID', 'cms')).toBe('SIG_CRYPTO_FAILURE');
    expect(reasonEntry('CERTIFICATE_SIGNATURE_INVALID', 'pdf')).toBe('CERTIFICATE_CHAIN_GENERAL_FAILURE');
    expect(reasonEntry('REVOKED', 'path')).toEqual({ failed: 'REVOKED', indeterminate: 'REVOKED_NO_POE' });
    expect(reasonEntry('GOOD', 'ocsp')).toBe('PASSED');
    expect(reasonEntry('NOT_A_CODE', 'ocsp')).toBeUndefined();
  });

  it('normalizes the pre-0.2 kebab-case OCSP, TSP and ERS codes', () => {
    expect(normalizeReasonCode('signature-invalid')).toBe('SIGNATURE_INVALID');
    expect(normalizeReasonCode('ocsp-tryLater')).toBe('OCSP_TRY_LATER');
    expect(normalizeReasonCode('tsp-grantedWithMods')).toBe('TSP_GRANTED_WITH_MODS');
    expect(normalizeReasonCode('ess-cert-id-v2-matches')).toBe('ESS_CERT_ID_V2_MATCHES');
    expect(normalizeReasonCode('UNKNOWN_ISSUER')).toBe('UNKNOWN_ISSUER');
    for (const c of [...OCSP_REASONS, ...TSP_REASONS]) expect(normalizeReasonCode(c)).toBe(c);
    // ERS and TimeStampedData codes were kebab-case before 0.2 too.
    expect(normalizeReasonCode('root-hash-imprint-mismatch')).toBe('ROOT_HASH_IMPRINT_MISMATCH');
    expect(normalizeReasonCode('previous-time-stamp-hash-not-in-hash-tree')).toBe(
      'PREVIOUS_TIME_STAMP_HASH_NOT_IN_HASH_TREE',
    );
    expect(normalizeReasonCode('detached-data-differs-from-content')).toBe(
      'DETACHED_DATA_DIFFERS_FROM_CONTENT',
    );
    for (const c of [...ERS_REASONS, ...TSD_CONTENT_REASONS]) expect(normalizeReasonCode(c)).toBe(c);
  });
});
