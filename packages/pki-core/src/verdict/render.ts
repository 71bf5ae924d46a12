/**
 * The one vi/en renderer of verdicts for kyso's text reports (kyso verify chain, cms verify, ts
 * verify, ocsp verify, pdf verify, xml verify). Vietnamese is the default of the document
 * reports (Circular 15/2025 asks for results shown in Vietnamese); times are shown in Vietnam
 * time (UTC+07:00) as ISO 8601 with the offset.
 */
import type { Indication, SubIndication } from './indication.js';
import type { Verdict } from './indication.js';

/** Language of a readable report. */
export type ReportLanguage = 'vi' | 'en';

/** The three-way status of kyso's document reports. */
export type ReportStatus = 'valid' | 'invalid' | 'indeterminate';

/** How each report language says a status. */
export const STATUS_TEXT: Readonly<Record<ReportLanguage, Readonly<Record<ReportStatus, string>>>> = {
  vi: { valid: 'HỢP LỆ', invalid: 'KHÔNG HỢP LỆ', indeterminate: 'CHƯA XÁC ĐỊNH' },
  en: { valid: 'VALID', invalid: 'INVALID', indeterminate: 'INDETERMINATE' },
};

const INDICATION_TEXT: Record<ReportLanguage, Record<Indication, string>> = {
  vi: { 'TOTAL-PASSED': 'HỢP LỆ', INDETERMINATE: 'CHƯA XÁC ĐỊNH', 'TOTAL-FAILED': 'KHÔNG HỢP LỆ' },
  en: { 'TOTAL-PASSED': 'VALID', INDETERMINATE: 'INDETERMINATE', 'TOTAL-FAILED': 'INVALID' },
};

/** One sentence per sub-indication, [vi, en]. */
const SUB_TEXT: Record<SubIndication, [string, string]> = {
  FORMAT_FAILURE: ['cấu trúc chữ ký không đúng định dạng', 'the signature is not correctly formatted'],
  HASH_FAILURE: [
    'nội dung được ký đã bị thay đổi (sai giá trị băm)',
    'the signed content was changed (hash mismatch)',
  ],
  SIG_CRYPTO_FAILURE: ['giá trị chữ ký không đúng', 'the signature value does not verify'],
  REVOKED: ['chứng thư đã bị thu hồi', 'the certificate was revoked'],
  EXPIRED: ['chứng thư đã hết hạn', 'the certificate has expired'],
  NOT_YET_VALID: ['chứng thư chưa có hiệu lực', 'the certificate is not yet valid'],
  SIG_CONSTRAINTS_FAILURE: [
    'chữ ký không đáp ứng ràng buộc kiểm tra',
    'the signature does not meet the validation constraints',
  ],
  CHAIN_CONSTRAINTS_FAILURE: [
    'chuỗi chứng thư không đáp ứng ràng buộc',
    'the certificate chain does not meet the constraints',
  ],
  CERTIFICATE_CHAIN_GENERAL_FAILURE: ['chuỗi chứng thư không hợp lệ', 'the certificate chain is not valid'],
  CRYPTO_CONSTRAINTS_FAILURE: [
    'thuật toán hoặc độ dài khóa không được chấp nhận',
    'an algorithm or key size is not accepted',
  ],
  POLICY_PROCESSING_ERROR: ['lỗi xử lý chính sách', 'policy processing error'],
  SIGNATURE_POLICY_NOT_AVAILABLE: ['không có chính sách chữ ký', 'the signature policy is not available'],
  TIMESTAMP_ORDER_FAILURE: ['thứ tự các dấu thời gian không đúng', 'the time-stamps are out of order'],
  NO_SIGNING_CERTIFICATE_FOUND: [
    'không xác định được chứng thư của người ký',
    'the signing certificate was not found',
  ],
  NO_CERTIFICATE_CHAIN_FOUND: [
    'không dựng được chuỗi tới chứng thư gốc tin cậy',
    'no chain to a trusted root was found',
  ],
  REVOKED_NO_POE: [
    'chứng thư đã bị thu hồi, không chứng minh được chữ ký có trước khi thu hồi',
    'the certificate was revoked and no proof the signature existed before',
  ],
  REVOKED_CA_NO_POE: ['chứng thư CA đã bị thu hồi', 'a CA certificate was revoked'],
  OUT_OF_BOUNDS_NO_POE: [
    'thời điểm kiểm tra nằm ngoài hiệu lực của chứng thư, không có bằng chứng thời gian',
    'the validation time is outside the certificate validity and there is no proof of existence',
  ],
  OUT_OF_BOUNDS_NOT_REVOKED: [
    'thời điểm kiểm tra nằm ngoài hiệu lực của chứng thư',
    'the validation time is outside the certificate validity',
  ],
  CRYPTO_CONSTRAINTS_FAILURE_NO_POE: [
    'thuật toán không còn an toàn và không có bằng chứng thời gian',
    'an algorithm is no longer accepted and there is no proof of existence',
  ],
  NO_POE: [
    'không có bằng chứng thời gian (dấu thời gian) dùng được',
    'no usable proof of existence (time-stamp)',
  ],
  TRY_LATER: ['không xác định được tình trạng thu hồi', 'the revocation status could not be established'],
  SIGNED_DATA_NOT_FOUND: ['không có dữ liệu được ký để kiểm tra', 'the signed data was not found'],
  GENERIC: ['chưa xác định', 'undetermined'],
};

/**
 * Vietnamese sentences for the reason codes a reader meets most (the English `detail` of a check
 * stays in --json and --lang en). Codes without a sentence are shown as the code.
 */
const VI_REASONS: Record<string, string> = {
  REVOCATION_UNKNOWN:
    'không xác định được tình trạng thu hồi: tài liệu không kèm CRL/OCSP cho chứng thư này hoặc chứng thư của CA cấp; dùng --fetch để tra cứu trực tuyến, hoặc --soft-fail để chấp nhận thiếu dữ liệu',
  NO_REVOCATION_DATA:
    'không có CRL hay phản hồi OCSP cho chứng thư này hoặc chứng thư của CA cấp; dùng --fetch để tra cứu trực tuyến',
  UNKNOWN_ISSUER:
    'không dựng được chuỗi tới chứng thư gốc tin cậy: thêm chứng thư gốc bằng --trust hoặc --vn-roots',
  NO_TRUST_ANCHORS: 'chưa có chứng thư gốc tin cậy: thêm --trust GỐC.pem hoặc --vn-roots',
  CERT_EXPIRED: 'chứng thư đã hết hạn tại thời điểm kiểm tra',
  CERT_NOT_YET_VALID: 'chứng thư chưa có hiệu lực tại thời điểm kiểm tra',
  REVOKED: 'chứng thư đã bị thu hồi',
  SIGNATURE_INVALID: 'chữ ký của CA trên chứng thư không đúng',
  NOT_A_CA: 'chứng thư cấp không phải của CA',
  KEY_USAGE_INVALID: 'mục đích sử dụng khóa không cho phép việc này',
  EKU_MISMATCH: 'mục đích sử dụng mở rộng (EKU) không cho phép ký tài liệu',
  WEAK_ALGORITHM: 'thuật toán hoặc độ dài khóa quá yếu',
  UNSUPPORTED_ALGORITHM: 'thuật toán chưa được hỗ trợ',
};

/** The Vietnamese sentence for a certificate-level reason code, if there is one. */
export function viReason(code: string | undefined): string | undefined {
  return code && Object.hasOwn(VI_REASONS, code) ? VI_REASONS[code] : undefined;
}

/** ISO 8601 in Vietnam time: 2025-07-01T09:30:00+07:00 (`fallback` for a missing time). */
export function vnTime(iso: string | Date | undefined, fallback = '-'): string {
  if (!iso) return fallback;
  const d = iso instanceof Date ? iso : new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${new Date(d.getTime() + 7 * 3600_000).toISOString().slice(0, 19)}+07:00`;
}

/** The sentence for a sub-indication. */
export function subIndicationText(s: SubIndication, lang: ReportLanguage = 'vi'): string {
  return SUB_TEXT[s][lang === 'vi' ? 0 : 1];
}

/**
 * One line for a verdict: `Kết luận (ETSI EN 319 102-1): CHƯA XÁC ĐỊNH — INDETERMINATE /
 * NO_CERTIFICATE_CHAIN_FOUND: không dựng được chuỗi… [UNKNOWN_ISSUER]`.
 */
export function renderVerdict(v: Verdict, lang: ReportLanguage = 'vi'): string {
  const head = lang === 'vi' ? 'Kết luận (ETSI EN 319 102-1)' : 'Verdict (ETSI EN 319 102-1)';
  const sub = v.subIndication ? ` / ${v.subIndication}: ${subIndicationText(v.subIndication, lang)}` : '';
  const reasons = v.reasons.length ? ` [${v.reasons.join(', ')}]` : '';
  return `${head}: ${INDICATION_TEXT[lang][v.indication]} — ${v.indication}${sub}${reasons}`;
}
