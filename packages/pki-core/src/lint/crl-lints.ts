/** CRL lints: RFC 5280 §5 (CertificateList fields, CRL and entry extensions). */
import { Tag } from '../der.js';
import { OID } from '../oids.js';
import { parseTree } from '../der.js';
import type { CheckOutcome } from './cert-lints.js';
import type { LintCrl, LintTime } from './parse.js';
import type { LintInfo } from './types.js';

/** A CRL lint: metadata and the check over a parsed CRL. */
export interface CrlLint extends LintInfo {
  /** CRL lints read CRLs. */
  target: 'crl';
  /** The check: `undefined` pass, `'na'` not applicable, a string says what failed. */
  check(c: LintCrl): CheckOutcome;
}

const WEAK = new Set([
  '1.2.840.113549.1.1.2',
  OID.md5WithRSAEncryption,
  OID.sha1WithRSAEncryption,
  OID.ecdsaWithSHA1,
  '1.2.840.10040.4.3',
]);

function timeProblem(label: string, t: LintTime): string | undefined {
  if (!t.date) return `${label} ${JSON.stringify(t.text)} is not a valid time`;
  const y = t.date.getUTCFullYear();
  if (t.tag === Tag.UTC_TIME) {
    if (!/^\d{12}Z$/.test(t.text)) return `${label} UTCTime ${JSON.stringify(t.text)} is not YYMMDDHHMMSSZ`;
    if (y >= 2050) return `${label} year ${y} needs GeneralizedTime`;
  } else {
    if (!/^\d{14}Z$/.test(t.text))
      return `${label} GeneralizedTime ${JSON.stringify(t.text)} is not YYYYMMDDHHMMSSZ`;
    if (y < 2050) return `${label} year ${y} must be UTCTime`;
  }
  return undefined;
}

const ext = (c: LintCrl, oid: string) => c.extensions.find((e) => e.oid === oid);

/** Every CRL lint (RFC 5280 §5 profile, X.690 DER, signature algorithms), run by `lint` on a CRL. */
export const CRL_LINTS: readonly CrlLint[] = [
  {
    name: 'e_x690_der_encoding',
    severity: 'error',
    source: 'X.690',
    clause: '§10 (DER); RFC 5280 §5.1',
    description:
      'the CRL must be DER: minimal lengths and integers, canonical BOOLEAN, valid strings and times',
    target: 'crl',
    check: (c) => c.derProblem,
  },
  {
    name: 'e_x690_ext_critical_false_encoded',
    severity: 'error',
    source: 'X.690',
    clause: '§11.5; RFC 5280 §5.1 (critical BOOLEAN DEFAULT FALSE)',
    description: 'an extension critical flag equal to its DEFAULT (FALSE) must be omitted in DER',
    target: 'crl',
    check: (c) => {
      const e = [...c.extensions, ...c.revoked.flatMap((r) => r.extensions)].find((x) => x.explicitFalse);
      return e ? `extension ${e.oid} encodes critical FALSE` : undefined;
    },
  },
  {
    name: 'e_rfc5280_crl_signature_algorithm_mismatch',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§5.1.1.2',
    description: 'signatureAlgorithm must be identical to tbsCertList.signature',
    target: 'crl',
    check: (c) =>
      c.outerSigAlg.length === c.tbsSigAlg.length && c.outerSigAlg.every((x, i) => x === c.tbsSigAlg[i])
        ? undefined
        : 'outer signatureAlgorithm differs from tbsCertList.signature',
  },
  {
    name: 'e_rfc5280_crl_version',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§5.1.2.1 (with §5.2.1, §5.2.3: conforming CAs include AKI and cRLNumber, which need v2)',
    description: 'a CRL issued by a conforming CA is v2',
    target: 'crl',
    check: (c) => (c.version === 2 ? undefined : `version v${c.version}`),
  },
  {
    name: 'e_rfc5280_crl_issuer_empty',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§5.1.2.3',
    description: 'the CRL issuer must be a non-empty distinguished name',
    target: 'crl',
    check: (c) =>
      c.issuerProblem ? `issuer: ${c.issuerProblem}` : c.issuer?.isEmpty ? 'issuer is empty' : undefined,
  },
  {
    name: 'e_rfc5280_crl_time_encoding',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§5.1.2.4, §5.1.2.5, §5.1.2.6',
    description:
      'CRL dates through 2049 are UTCTime YYMMDDHHMMSSZ, from 2050 GeneralizedTime YYYYMMDDHHMMSSZ',
    target: 'crl',
    check: (c) => {
      const p =
        timeProblem('thisUpdate', c.thisUpdate) ?? (c.nextUpdate && timeProblem('nextUpdate', c.nextUpdate));
      if (p) return p;
      for (const r of c.revoked) {
        const q = timeProblem('revocationDate', r.date);
        if (q) return q;
      }
      return undefined;
    },
  },
  {
    name: 'e_rfc5280_crl_next_update_missing',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§5.1.2.5',
    description: 'conforming CRL issuers must include nextUpdate',
    target: 'crl',
    check: (c) => (c.nextUpdate ? undefined : 'no nextUpdate'),
  },
  {
    name: 'e_rfc5280_crl_next_update_before_this_update',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§5.1.2.5',
    description: 'nextUpdate must not be earlier than thisUpdate',
    target: 'crl',
    check: (c) => {
      if (!c.nextUpdate?.date || !c.thisUpdate.date) return 'na';
      return c.nextUpdate.date < c.thisUpdate.date ? 'nextUpdate is before thisUpdate' : undefined;
    },
  },
  {
    name: 'e_rfc5280_crl_empty_revoked_list',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§5.1.2.6',
    description: 'when no certificate is revoked, revokedCertificates must be absent, not empty',
    target: 'crl',
    check: (c) => (c.emptyRevokedList ? 'empty revokedCertificates' : undefined),
  },
  {
    name: 'e_rfc5280_crl_ext_duplicate',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§5.2, §5.3',
    description: 'a CRL or CRL entry must not include more than one instance of an extension',
    target: 'crl',
    check: (c) => {
      for (const list of [c.extensions, ...c.revoked.map((r) => r.extensions)]) {
        const seen = new Set<string>();
        for (const e of list) {
          if (seen.has(e.oid)) return `extension ${e.oid} twice`;
          seen.add(e.oid);
        }
      }
      return undefined;
    },
  },
  {
    name: 'e_rfc5280_crl_aki_missing',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§5.2.1',
    description: 'conforming CRL issuers must include authorityKeyIdentifier (non-critical)',
    target: 'crl',
    check: (c) => {
      const e = ext(c, OID.authorityKeyIdentifier);
      return e
        ? e.critical
          ? 'authorityKeyIdentifier is critical'
          : undefined
        : 'no authorityKeyIdentifier';
    },
  },
  {
    name: 'e_rfc5280_crl_number',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§5.2.3',
    description:
      'conforming CRL issuers must include cRLNumber, non-critical, a non-negative integer of at most 20 octets',
    target: 'crl',
    check: (c) => {
      const e = ext(c, OID.cRLNumber);
      if (!e) return 'no cRLNumber';
      if (e.critical) return 'cRLNumber is critical';
      try {
        const t = parseTree(e.value);
        if (t.tag !== Tag.INTEGER || !t.value) return 'cRLNumber is not an INTEGER';
        if (t.value[0]! & 0x80) return 'cRLNumber is negative';
        if (t.value.length > 21 || (t.value.length === 21 && t.value[0] !== 0))
          return 'cRLNumber longer than 20 octets';
      } catch (err) {
        return `cRLNumber: ${err instanceof Error ? err.message : String(err)}`;
      }
      return undefined;
    },
  },
  {
    name: 'w_rfc5280_crl_reason_unspecified',
    severity: 'warning',
    source: 'RFC 5280',
    clause: '§5.3.1',
    description: 'the reason code unspecified (0) should not be used: omit the reasonCode extension instead',
    target: 'crl',
    check: (c) => {
      const entries = c.revoked.filter((r) => r.extensions.some((e) => e.oid === OID.cRLReason));
      if (entries.length === 0) return 'na';
      const bad = entries.find((r) => {
        const e = r.extensions.find((x) => x.oid === OID.cRLReason)!;
        return e.value.length === 3 && e.value[0] === Tag.ENUMERATED && e.value[2] === 0;
      });
      return bad ? 'an entry has reasonCode unspecified' : undefined;
    },
  },
  {
    name: 'e_sig_alg_weak_hash',
    severity: 'error',
    source: 'Circular 16/2019/TT-BTTTT',
    clause: 'Appendix §1.1.3 (SHA-2/SHA-3 only; SHA-1 not listed); CA/B BR §7.1.3.2',
    description: 'the CRL must not be signed with MD2, MD5 or SHA-1',
    target: 'crl',
    check: (c) => (WEAK.has(c.sigAlgOid) ? `signed with ${c.sigAlgOid}` : undefined),
  },
];
