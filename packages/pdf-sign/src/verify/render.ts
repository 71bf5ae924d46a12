/**
 * Readable validation report in Vietnamese (default, Circular 15/2025 asks for results shown in
 * Vietnamese: signer, signing time, integrity) or English. Times are shown in Vietnam time
 * (UTC+07:00) as ISO 8601 with the offset.
 */
import { type ReportLanguage, STATUS_TEXT, renderVerdict, viReason, vnTime } from '@kyso/pki-core';
import type { ModificationLevel } from './modifications.js';
import type { PdfSignatureReport, PdfValidationReport } from './pades.js';
import { pdfSignatureVerdict, pdfVerdict } from './verdict.js';

export { vnTime, type ReportLanguage };

const T = {
  vi: {
    title: 'KẾT QUẢ KIỂM TRA CHỮ KÝ SỐ TRÊN TÀI LIỆU PDF',
    overall: 'Kết luận',
    status: STATUS_TEXT.vi,
    validationTime: 'Thời điểm kiểm tra',
    revisions: 'Số phiên bản (cập nhật gia tăng)',
    certified: 'Chữ ký chứng thực (DocMDP)',
    none: 'Tài liệu không có chữ ký số.',
    signature: 'Chữ ký',
    docTimestamp: 'Dấu thời gian tài liệu',
    field: 'Trường chữ ký',
    signer: 'Người ký',
    tsa: 'Đơn vị cấp dấu thời gian',
    title2: 'Chức danh',
    org: 'Cơ quan, tổ chức',
    ids: 'Định danh',
    signingTime: 'Thời điểm ký',
    source: {
      'signature-timestamp': 'theo dấu thời gian của chữ ký',
      'document-timestamp': 'theo dấu thời gian tài liệu',
      'claimed-m': 'do người ký khai báo, chưa được chứng minh',
      'claimed-cms': 'do người ký khai báo (CMS), chưa được chứng minh',
    } as Record<string, string>,
    integrity: 'Toàn vẹn',
    intactYes: 'Nội dung được ký không bị thay đổi',
    intactNo: 'Nội dung được ký đã bị thay đổi hoặc chữ ký không đúng',
    coverage: {
      'whole-file': 'phủ toàn bộ tệp',
      revision: 'phủ phiên bản',
      invalid: 'vùng ký (ByteRange) không hợp lệ',
    } as Record<string, string>,
    certificate: 'Chứng thư số',
    validatedAt: 'kiểm tra tại thời điểm',
    revocation: 'Tình trạng thu hồi',
    revSource: {
      embedded: 'dữ liệu nhúng trong tài liệu (DSS/CMS)',
      fetched: 'tra cứu trực tuyến',
      mixed: 'nhúng và trực tuyến',
      none: 'không có dữ liệu',
    } as Record<string, string>,
    level: 'Mức PAdES',
    changes: 'Thay đổi sau khi ký',
    noChanges: 'không có',
    allowed: 'được phép',
    notAllowed: 'KHÔNG được phép',
    review:
      'được phép, nhưng có thể che hoặc thay đổi nội dung đã ký (người đọc không chắc thấy đúng nội dung đã ký): CHƯA XÁC ĐỊNH',
    levels: {
      NONE: 'không có',
      LTA_UPDATES: 'bổ sung dữ liệu kiểm tra dài hạn',
      FORM_FILLING: 'điền biểu mẫu, ký tiếp',
      ANNOTATIONS: 'thêm chú thích',
      OTHER: 'thay đổi nội dung khác',
    } as Record<ModificationLevel, string>,
    reasons: 'Lý do',
    reason: 'Lý do ký',
    location: 'Nơi ký',
    timestamp: 'Dấu thời gian chữ ký',
  },
  en: {
    title: 'PDF SIGNATURE VALIDATION REPORT',
    overall: 'Result',
    status: STATUS_TEXT.en,
    validationTime: 'Validation time',
    revisions: 'Revisions (incremental updates)',
    certified: 'Certification signature (DocMDP)',
    none: 'The document has no signatures.',
    signature: 'Signature',
    docTimestamp: 'Document time-stamp',
    field: 'Field',
    signer: 'Signer',
    tsa: 'Time-stamping authority',
    title2: 'Title',
    org: 'Organization',
    ids: 'Identifiers',
    signingTime: 'Signing time',
    source: {
      'signature-timestamp': 'from the signature time-stamp',
      'document-timestamp': 'from a document time-stamp',
      'claimed-m': 'claimed by the signer, not proven',
      'claimed-cms': 'claimed by the signer (CMS), not proven',
    } as Record<string, string>,
    integrity: 'Integrity',
    intactYes: 'the signed content is unchanged',
    intactNo: 'the signed content was changed or the signature does not verify',
    coverage: {
      'whole-file': 'covers the whole file',
      revision: 'covers its revision',
      invalid: 'invalid ByteRange',
    } as Record<string, string>,
    certificate: 'Certificate',
    validatedAt: 'validated at',
    revocation: 'Revocation',
    revSource: {
      embedded: 'data embedded in the document (DSS/CMS)',
      fetched: 'fetched online',
      mixed: 'embedded and online',
      none: 'no data',
    } as Record<string, string>,
    level: 'PAdES level',
    changes: 'Changes after signing',
    noChanges: 'none',
    allowed: 'allowed',
    notAllowed: 'NOT allowed',
    review:
      'allowed, but may hide or alter what was signed (a reader may not see the signed content): INDETERMINATE',
    levels: {
      NONE: 'none',
      LTA_UPDATES: 'long-term validation data',
      FORM_FILLING: 'form filling, further signatures',
      ANNOTATIONS: 'annotations',
      OTHER: 'other content changes',
    } as Record<ModificationLevel, string>,
    reasons: 'Reasons',
    reason: 'Reason',
    location: 'Location',
    timestamp: 'Signature time-stamp',
  },
};

/** Allowed findings worth a reader's look although they do not change the verdict. */
const NOTICES = new Set(['OVERLAYS_SIGNED_CONTENT', 'PREPARED_APPEARANCE_SELECTED']);

function signatureBlock(s: PdfSignatureReport, t: (typeof T)['vi'], lang: ReportLanguage): string[] {
  const out: string[] = [];
  const head = s.kind === 'doc-timestamp' ? t.docTimestamp : t.signature;
  out.push(`${head} #${s.index + 1} — ${t.status[s.status]}`);
  out.push(`  ${t.field}: ${s.field}${s.subFilter ? ` (${s.subFilter})` : ''}`);
  const who = s.signer;
  out.push(`  ${s.kind === 'doc-timestamp' ? t.tsa : t.signer}: ${who?.commonName ?? who?.subject ?? '-'}`);
  if (who?.title) out.push(`  ${t.title2}: ${who.title}`);
  if (who?.organization) out.push(`  ${t.org}: ${who.organization}`);
  if (who?.identifiers.length)
    out.push(`  ${t.ids}: ${who.identifiers.map((i) => `${i.type} ${i.value}`).join(', ')}`);
  if (s.signingTime)
    out.push(
      `  ${t.signingTime}: ${vnTime(s.signingTime.time)} (${t.source[s.signingTime.source] ?? s.signingTime.source})`,
    );
  if (s.reason) out.push(`  ${t.reason}: ${s.reason}`);
  if (s.location) out.push(`  ${t.location}: ${s.location}`);
  const vi = t === T.vi;
  const failed = s.integrity.checks.find((c) => c.status !== 'passed');
  const failedDetail = vi ? undefined : failed?.detail;
  out.push(
    `  ${t.integrity}: ${s.integrity.status === 'passed' ? t.intactYes : t.intactNo}; ${t.coverage[s.integrity.coverage]}${failed ? ` [${failed.reason ?? failed.check}${failedDetail ? `: ${failedDetail}` : ''}]` : ''}`,
  );
  const c = s.certificate;
  const certDetail = vi ? viReason(c.reason) : c.detail;
  out.push(
    `  ${t.certificate}: ${t.status[c.status]}${c.reason ? ` [${c.reason}]` : ''}, ${t.validatedAt} ${vnTime(c.validatedAt)}${certDetail && c.status !== 'valid' ? ` — ${certDetail}` : ''}`,
  );
  if (s.timestamp)
    out.push(
      `  ${t.timestamp}: ${t.status[s.timestamp.status]} ${vnTime(s.timestamp.genTime)}${s.timestamp.tsa ? ` (${s.timestamp.tsa})` : ''}${s.timestamp.reason ? ` [${s.timestamp.reason}]` : ''}`,
    );
  out.push(`  ${t.revocation}: ${t.revSource[s.revocationSource]}`);
  if (s.kind === 'signature') out.push(`  ${t.level}: ${s.level}${s.docMdp ? `, DocMDP P=${s.docMdp}` : ''}`);
  if (s.changes.findings.length === 0) out.push(`  ${t.changes}: ${t.noChanges}`);
  else {
    const doubtful = s.changes.findings.some((f) => f.allowed && f.indeterminate);
    out.push(
      `  ${t.changes}: ${t.levels[s.changes.level]} — ${s.changes.allowed ? (doubtful ? t.review : t.allowed) : t.notAllowed}`,
    );
    for (const f of s.changes.findings)
      out.push(
        `    - [r${f.revision}] ${f.allowed ? (f.indeterminate ? '⚠ ' : NOTICES.has(f.code) ? 'ⓘ ' : '') : '✗ '}${vi ? `${t.levels[f.level]} [${f.code}]${f.page ? `, trang ${f.page}` : ''}${f.field ? `, trường ${f.field}` : ''}` : `${f.description} (${f.code}, ${f.level})`}`,
      );
  }
  if (s.reasons.length) out.push(`  ${t.reasons}: ${s.reasons.join(', ')}`);
  out.push(`  ${renderVerdict(pdfSignatureVerdict(s), lang)}`);
  return out;
}

/** The readable report: Vietnamese by default. */
export function renderReport(r: PdfValidationReport, lang: ReportLanguage = 'vi'): string {
  const t = T[lang];
  const lines = [
    t.title,
    `${t.overall}: ${t.status[r.status]}`,
    `${t.validationTime}: ${vnTime(r.validationTime)}`,
    `${t.revisions}: ${r.revisions}`,
    renderVerdict(pdfVerdict(r), lang),
  ];
  if (r.certification) lines.push(`${t.certified}: ${r.certification.field}, P=${r.certification.p}`);
  if (r.signatures.length === 0) lines.push(t.none);
  for (const s of r.signatures) lines.push('', ...signatureBlock(s, t, lang));
  return `${lines.join('\n')}\n`;
}
