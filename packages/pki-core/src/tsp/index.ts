/**
 * `@kyso/pki-core/tsp`: RFC 3161 time-stamping: requests, responses, token verification, the TSA
 * core and the HTTP time-stamper client.
 *
 * @packageDocumentation
 */
export {
  encodeMessageImprint,
  parseMessageImprint,
  readNonce,
  parseTimeStampReq,
  buildTimeStampReq,
  MAX_TSP_REQUEST_SIZE,
  MAX_NONCE_BITS,
  type MessageImprint,
  type TimeStampReq,
  type TimeStampReqOptions,
} from './request.js';
export {
  parseStatusInfo,
  parseTimeStampResp,
  encodeGrantedResponse,
  encodeRejection,
  parseTstInfo,
  encodeTstInfo,
  parseTimeStampToken,
  MAX_TSP_RESPONSE_SIZE,
  MAX_STATUS_STRINGS,
  PKI_STATUSES,
  type PkiStatus,
  PKI_FAILURE_BITS,
  type PkiFailureInfo,
  type PkiStatusInfo,
  type Accuracy,
  type TstInfo,
  type TimeStampResp,
  type TstInfoInput,
} from './response.js';
export {
  tspStatusReason,
  pathChainValidator,
  verifyTimeStampToken,
  verifyTimeStampResponse,
  describeTstInfo,
  type TspCheckName,
  TSP_REASONS,
  type TspReason,
  type TspCheck,
  type ChainResult,
  type TsaChainValidator,
  type PathChainValidatorOptions,
  type TimeStampVerifyOptions,
  type TimeStampVerifyReport,
} from './verify.js';
export { tsaCertificateProblem, type TimeStampAuthorityOptions, TimeStampAuthority } from './tsa.js';
export {
  httpTimeStamper,
  type HttpTimeStamperOptions,
  MAX_TSA_RESPONSE,
  TSA_TIMEOUT_MS,
} from '../cms/http-tsa.js';
export { isKysoError, type KysoErrorCode, KysoError } from '../errors.js';
