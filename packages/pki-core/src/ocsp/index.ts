/**
 * `@kyso/pki-core/ocsp`: OCSP (RFC 6960) requests, responses, their verification and the responder core.
 *
 * @packageDocumentation
 */
export {
  createCertId,
  encodeCertId,
  parseCertId,
  certIdsEqual,
  certIdMatchesIssuer,
  serialToBigInt,
  encodeNonceExtension,
  parseNonceValue,
  parseOcspRequest,
  buildOcspRequest,
  ocspGetUrl,
  fitsGet,
  decodeOcspGetPath,
  MAX_OCSP_REQUEST_SIZE,
  MAX_OCSP_REQUESTS,
  MAX_NONCE_LENGTH,
  type CertId,
  type SingleRequest,
  type OcspRequest,
  type OcspRequestOptions,
} from './request.js';
export {
  parseOcspResponse,
  parseBasicOcspResponse,
  buildOcspErrorResponse,
  encodeCertStatus,
  encodeSingleResponse,
  buildOcspResponse,
  buildBasicOcspResponse,
  wrapBasicOcspResponse,
  ocspSigningParts,
  signBasicOcspResponse,
  describeBasicOcspResponse,
  responderKeyHash,
  MAX_OCSP_RESPONSE_SIZE,
  MAX_SINGLE_RESPONSES,
  MAX_RESPONSE_CERTS,
  OCSP_RESPONSE_STATUSES,
  type OcspResponseStatus,
  type CertStatus,
  type SingleResponse,
  type ResponderId,
  type BasicOcspResponse,
  type OcspResponse,
  type SingleResponseInput,
  type BasicOcspResponseInput,
  type OcspSigningParts,
} from './response.js';
export {
  ocspStatusReason,
  findSingleResponse,
  verifyOcspResponse,
  OCSP_REASONS,
  type OcspReason,
  type OcspCheck,
  type OcspVerifyOptions,
  type OcspVerifyReport,
} from './verify.js';
export {
  type RevocationLookupResult,
  type RevocationLookup,
  type OcspResponderOptions,
  MAX_PREPRODUCED,
  OcspResponder,
} from './responder.js';
export { isKysoError, type KysoErrorCode, KysoError } from '../errors.js';
