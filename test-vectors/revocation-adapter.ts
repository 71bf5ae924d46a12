/**
 * Connects the harnesses to kyso's revocation engine (packages/pki-core/src/revocation): a checker
 * over the supplied CRLs and certificates only (no network), with policy 'require' so a missing or
 * unusable status fails the path (PKITS 4.4.1: revocation checking is mandatory for every
 * certificate of the path).
 */
import type { RevocationChecker } from '../packages/pki-core/src/path/revocation-types.js';
import { newRevocationChecker } from '../packages/pki-core/src/revocation/index.js';

/**
 * A checker that requires a CRL for every non-anchor certificate, from the given CRLs only.
 * `certificates`: the test's other certificates (separate CRL signers, indirect CRL issuers).
 */
export function crlChecker(
  crls: readonly (Uint8Array | string)[],
  certificates: readonly (Uint8Array | string)[] = [],
): RevocationChecker {
  return newRevocationChecker({ crls, certificates, policy: 'require' });
}

/**
 * x509-limbo's CRL cases test RFC 5280 CRL-profile conformance (crl::crlnumber-missing expects a
 * CRL without cRLNumber to be refused, §5.2.3), so they run with `requireCrlNumber`. kyso's default
 * stays lenient: BoringSSL's crl_unittest/good.pem has no cRLNumber and must give GOOD.
 */
export function limboRevocationChecker(crls: readonly (Uint8Array | string)[]): RevocationChecker {
  return newRevocationChecker({ crls, policy: { mode: 'require', requireCrlNumber: true } });
}
