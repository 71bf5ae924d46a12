/**
 * `@kyso/pki-core`: pure-TypeScript PKI for Node and browsers (WebCrypto), strict DER everywhere:
 * keys and signers, distinguished names with Vietnamese identifiers (UID=CCCD:…, MST:…, title T),
 * PKCS#10 requests, certificate issuance by profile, CRLs (RFC 5280 §5), OCSP requests, responses and
 * a responder core (RFC 6960), RFC 3161 time-stamps (client and TSA), CMS and CAdES signatures
 * (RFC 5652, ETSI EN 319 122-1), PKCS#12, RFC 5280 §6 path building and validation with revocation,
 * a certificate/CRL/OCSP linter, and one verdict model (ETSI EN 319 102-1 indication and
 * sub-indication, TS 119 102-2 XML reports). Every parser is bounded (named `MAX_*` limits) and
 * throws {@link KysoError} with a stable `code`; validation outcomes are reports, not exceptions.
 * The `kyso` command framework is `@kyso/pki-core/cli`.
 *
 * @packageDocumentation
 */
// Foundation
export * from './errors.js';
export * from './bytes.js';
/**
 * Strict DER (ITU-T X.690 §10) reader and writer: `der.DerReader` walks the structure a parser
 * expects (definite minimal lengths, minimal INTEGERs, no trailing bytes), `der.seq`, `der.oid`,
 * `der.integer`... encode. Malformed input throws KysoError `DER_MALFORMED` (also past
 * `MAX_DER_DEPTH` levels in `parseTree`); input over `MAX_DER_SIZE` bytes, `INPUT_TOO_LARGE`.
 */
export * as der from './der.js';
export * from './pem.js';
export * from './oids.js';
export * from './clock.js';
// Keys, algorithms, signers
export * from './crypto/types.js';
export * from './crypto/hash.js';
export * from './crypto/algorithms.js';
export * from './crypto/keys.js';
export * from './crypto/signer.js';
export * from './crypto/verify.js';
// Names and certificates
export * from './name.js';
export * from './x509/general-name.js';
export * from './x509/extensions.js';
export * from './x509/certificate.js';
export * from './x509/name-constraints.js';
export * from './x509/issue.js';
export * from './x509/describe.js';
export * from './csr.js';
export * from './crl.js';
// Key containers
export * from './pkcs8-encrypted.js';
export * from './pkcs12.js';
// OCSP responder and RFC 3161 TSA cores (appended for the signing server)
export {
  OcspResponder,
  type OcspResponderOptions,
  type RevocationLookup,
  type RevocationLookupResult,
} from './ocsp/responder.js';
export { TimeStampAuthority, type TimeStampAuthorityOptions } from './tsp/tsa.js';
export { buildTimeStampReq, parseTimeStampReq } from './tsp/request.js';
export { parseTimeStampResp } from './tsp/response.js';
// Validation and revocation
export * from './path/index.js';
export * from './revocation/index.js';
// OCSP, time-stamping, CMS
export * from './ocsp/request.js';
export * from './ocsp/response.js';
export * from './ocsp/verify.js';
export * from './ocsp/responder.js';
export * from './tsp/request.js';
export * from './tsp/response.js';
export * from './tsp/tsa.js';
export * from './tsp/verify.js';
export * from './cms/signed-data.js';
export * from './cms/sign.js';
export * from './cms/cades.js';
export * from './cms/verify.js';
export * from './cms/http-tsa.js';
export { berElementLength, normalizeBer } from './cms/ber.js';
// Names exported by several modules: these are the canonical ones.
export { serialHex } from './der.js';
// CMS two-step signing, CAdES upgrades, verification, RFC 3161 tokens, OCSP requests and the
// revocation fetcher (appended for pdf-sign)
export {
  prepareCmsSignature,
  assembleCmsSignature,
  signCms,
  chooseSignatureAlgorithm,
  type PreparedCmsSignature,
  type PrepareCmsInput,
  type AssembleOptions,
} from './cms/sign.js';
export {
  addSignatureTimeStamp,
  addValidationData,
  type TimeStamper,
  type ValidationData,
} from './cms/cades.js';
export {
  verifyCms,
  parseCms,
  type CmsVerifyReport,
  type CmsVerifyOptions,
  type CmsSignerReport,
  type CmsCheck,
} from './cms/verify.js';
export { parseTimeStampToken, verifyTimeStampToken, type TimeStampVerifyReport } from './tsp/verify.js';
export { createCertId, buildOcspRequest } from './ocsp/request.js';
export { parseOcspResponse, parseBasicOcspResponse } from './ocsp/response.js';
export { RevocationFetcher, type FetcherOptions, type FetchFunction } from './revocation/fetcher.js';
// RFC 4998 evidence records, RFC 5544 TimeStampedData
export * from './ers/evidence-record.js';
export * from './ers/time-stamped-data.js';
// Certificate / CRL linter (RFC 5280, ETSI EN 319 412, Vietnamese profiles)
export * from './lint/index.js';
// Verdict model (ETSI EN 319 102-1), reason mapping, vi/en renderer, TS 119 102-2 report
export * from './verdict/index.js';
