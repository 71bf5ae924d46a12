/** Node-only helpers: revocation checkers over CRL / OCSP / certificate files. */
import { readFileSync } from 'node:fs';
import type { RevocationMode, RevocationPolicy } from './checker.js';
import { KysoRevocationChecker } from './checker.js';

/**
 * A checker over CRL files (DER or PEM, several PEM CRLs per file allowed), with optional extra
 * certificate files (separate CRL signers, indirect CRL issuers) and OCSP response files (DER).
 * Unreadable files throw; unparseable contents are recorded in `checker.inputErrors`.
 */
export function crlCheckerFromFiles(
  crlPaths: readonly string[],
  policy: RevocationMode | RevocationPolicy = 'require',
  opts: { certificatePaths?: readonly string[]; ocspResponsePaths?: readonly string[] } = {},
): KysoRevocationChecker {
  const read = (p: string) => new Uint8Array(readFileSync(p));
  return new KysoRevocationChecker(typeof policy === 'string' ? { mode: policy } : policy, {
    crls: crlPaths.map(read),
    certificates: (opts.certificatePaths ?? []).map(read),
    ocspResponses: (opts.ocspResponsePaths ?? []).map(read),
  });
}
