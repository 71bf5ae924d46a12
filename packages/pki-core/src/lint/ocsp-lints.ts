/**
 * OCSP response lints (RFC 6960), over the strict parse (a response the strict parser refuses is
 * unreadable input, not a report).
 */
import { OID } from '../oids.js';
import type { OcspResponse } from '../ocsp/response.js';
import type { CheckOutcome } from './cert-lints.js';
import type { LintInfo } from './types.js';

/** An OCSP response lint: metadata and the check over a parsed response. */
export interface OcspLint extends LintInfo {
  /** OCSP lints read OCSP responses. */
  target: 'ocsp';
  /** The check: `undefined` pass, `'na'` not applicable, a string says what failed. */
  check(r: OcspResponse): CheckOutcome;
}

const WEAK = new Set([
  OID.md5WithRSAEncryption,
  OID.sha1WithRSAEncryption,
  OID.ecdsaWithSHA1,
  '1.2.840.10040.4.3',
  '1.2.840.113549.1.1.2',
]);

function sigAlgOid(der: Uint8Array): string | undefined {
  // AlgorithmIdentifier: 30 len 06 len oid...
  if (der[0] !== 0x30 || der[2] !== 0x06) return undefined;
  const len = der[3]!;
  const body = der.subarray(4, 4 + len);
  const parts: number[] = [];
  let n = 0;
  for (const b of body) {
    n = n * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(n);
      n = 0;
    }
  }
  const first = parts.shift() ?? 0;
  const a = first < 80 ? Math.floor(first / 40) : 2;
  return [a, first - a * 40, ...parts].join('.');
}

/**
 * Every OCSP response lint (RFC 6960 §4.2 profile, signature algorithms), run by `lint` with
 * `kind: 'ocsp'`.
 */
export const OCSP_LINTS: readonly OcspLint[] = [
  {
    name: 'e_sig_alg_weak_hash',
    severity: 'error',
    source: 'Circular 16/2019/TT-BTTTT',
    clause: 'Appendix §1.1.3 (SHA-2/SHA-3 only; SHA-1 not listed); CA/B BR §7.1.3.2',
    description: 'the OCSP response must not be signed with MD2, MD5 or SHA-1',
    target: 'ocsp',
    check: (r) => {
      if (!r.basic) return 'na';
      const oid = sigAlgOid(r.basic.signatureAlgorithmDer);
      return oid && WEAK.has(oid) ? `signed with ${oid}` : undefined;
    },
  },
  {
    name: 'w_rfc6960_next_update_missing',
    severity: 'warning',
    source: 'RFC 6960',
    clause: '§2.4, §4.2.2.1; CA/B BR §4.9.10',
    description:
      'each SingleResponse should carry nextUpdate (without it, clients cannot tell how fresh the status is)',
    target: 'ocsp',
    check: (r) => {
      if (!r.basic) return 'na';
      const n = r.basic.responses.filter((s) => !s.nextUpdate).length;
      return n ? `${n} SingleResponse(s) without nextUpdate` : undefined;
    },
  },
  {
    name: 'e_rfc6960_delegated_responder_eku',
    severity: 'error',
    source: 'RFC 6960',
    clause: '§4.2.2.2',
    description: 'a delegated responder certificate (not a CA) must carry id-kp-OCSPSigning',
    target: 'ocsp',
    check: (r) => {
      if (!r.basic) return 'na';
      const rid = r.basic.responderId;
      // byKey: the one certificate carried is taken as the responder's (hashing is async here).
      const responder =
        rid.type === 'byName'
          ? r.basic.certs.find((c) => c.subject.equals(rid.name))
          : r.basic.certs.length === 1
            ? r.basic.certs[0]
            : undefined;
      if (!responder) return 'na';
      if (responder.isCA) return 'na';
      return responder.extKeyUsage?.includes(OID.ocspSigning)
        ? undefined
        : 'responder certificate without id-kp-OCSPSigning';
    },
  },
];
