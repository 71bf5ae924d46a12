/**
 * DSA signature verification for legacy CMS (e.g. the RFC 4134 examples). The implementation is
 * shared with certificate and CRL verification and lives in crypto/dsa.ts; verify-only.
 */
export {
  type DsaPublicKey,
  MAX_DSA_P_BITS,
  OID_DSA,
  OID_DSA_WITH_SHA1,
  OID_DSA_WITH_SHA256,
  parseDsaPublicKey,
  verifyDsa,
} from '../crypto/dsa.js';
