/**
 * `@kyso/pki-core/verdict`: the shared verdict model (ETSI EN 319 102-1), its reason mapping, the
 * vi/en renderer and the TS 119 102-2 report.
 *
 * @packageDocumentation
 */
export { normalizeReasonCode, isReasonCode } from './codes.js';
export {
  indicationUri,
  subIndicationUri,
  constraintIndicationUri,
  INDICATIONS,
  type Indication,
  type CheckStatus,
  SUB_INDICATIONS,
  type SubIndication,
  type Verdict,
} from './indication.js';
export {
  reasonEntry,
  subIndicationFor,
  type ReasonEntry,
  type ReasonScope,
  REASON_MAPPING,
} from './mapping.js';
export {
  makeVerdict,
  pathVerdict,
  ocspVerdict,
  timeStampVerdict,
  cmsSignerVerdict,
  cmsVerdict,
  worstVerdict,
  type VerdictStatus,
  type PathVerdictInput,
  type CmsSignerVerdictInput,
  type CheckedVerdictInput,
  DEFINITIVE_PATH_REASONS,
} from './verdict.js';
export {
  viReason,
  vnTime,
  subIndicationText,
  renderVerdict,
  type ReportLanguage,
  type ReportStatus,
  STATUS_TEXT,
} from './render.js';
export {
  etsiValidationReport,
  ETSI_VR_NS,
  type EtsiCheckLine,
  type EtsiSignatureInput,
} from './etsi-report.js';
export { cmsEtsiReport } from './cms-report.js';
export { isKysoError, type KysoErrorCode, KysoError } from '../errors.js';
