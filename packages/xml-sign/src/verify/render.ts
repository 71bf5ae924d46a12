/**
 * Readable XML validation report in Vietnamese (default) or English, in the style of the PDF
 * report: verdict, signer with identifiers (MST/CCCD), signing time in Vietnam time, integrity,
 * what is signed, certificate validation.
 */
import { type ReportLanguage, STATUS_TEXT, renderVerdict, viReason, vnTime as vn } from '@kyso/pki-core';
import type { XmlValidationReport } from './report.js';
import { xmlSignatureVerdict, xmlVerdict } from './verdict.js';

export type { ReportLanguage };

const T = {
  vi: {
    title: 'KẾT QUẢ KIỂM TRA CHỮ KÝ SỐ TRÊN TÀI LIỆU XML',
    overall: 'Kết luận',
    status: STATUS_TEXT.vi,
    validationTime: 'Thời điểm kiểm tra',
    none: 'Tài liệu không có chữ ký số.',
    signature: 'Chữ ký',
    location: 'Vị trí',
    signer: 'Người ký',
    ids: 'Định danh',
    org: 'Cơ quan, tổ chức',
    signingTime: 'Thời điểm ký',
    source: {
      'signature-timestamp': 'theo dấu thời gian của chữ ký',
      'claimed-xades': 'do người ký khai báo (XAdES), chưa được chứng minh',
      'claimed-einvoice': 'do người ký khai báo (SigningTime), chưa được chứng minh',
    } as Record<string, string>,
    integrity: 'Toàn vẹn',
    intactYes: 'Nội dung được ký không bị thay đổi',
    intactNo: 'Nội dung được ký đã bị thay đổi hoặc chữ ký không đúng',
    signed: 'Phần được ký',
    certificate: 'Chứng thư số',
    atArchive: 'được kiểm tra tại thời điểm dấu thời gian lưu trữ chứng minh chữ ký đã tồn tại',
    level: 'Mức',
    counterSignatureOf: 'Chữ ký xác nhận (counter-signature) của chữ ký',
    archive: 'Dấu thời gian lưu trữ (B-LTA)',
    archiveOk: 'hợp lệ',
    reasons: 'Lý do',
    warnings: 'Cảnh báo',
  },
  en: {
    title: 'XML DIGITAL SIGNATURE VALIDATION REPORT',
    overall: 'Verdict',
    status: STATUS_TEXT.en,
    validationTime: 'Validation time',
    none: 'The document has no digital signature.',
    signature: 'Signature',
    location: 'Location',
    signer: 'Signer',
    ids: 'Identifiers',
    org: 'Organisation',
    signingTime: 'Signing time',
    source: {
      'signature-timestamp': 'from the signature time-stamp',
      'claimed-xades': 'claimed by the signer (XAdES), not proven',
      'claimed-einvoice': 'claimed by the signer (SigningTime), not proven',
    } as Record<string, string>,
    integrity: 'Integrity',
    intactYes: 'The signed content is unchanged',
    intactNo: 'The signed content was changed or the signature is wrong',
    signed: 'Signed data',
    certificate: 'Certificate',
    atArchive: 'validated at the time the archive time-stamp proves the signature existed',
    level: 'Level',
    counterSignatureOf: 'Counter-signature of signature',
    archive: 'Archive time-stamps (B-LTA)',
    archiveOk: 'verified',
    reasons: 'Reasons',
    warnings: 'Warnings',
  },
};

/** ISO 8601 in Vietnam time (UTC+07:00). */
export function vnTime(iso: string | undefined): string {
  return vn(iso, '');
}

/**
 * The report as text in Vietnamese (default) or English, for people: overall verdict, then per
 * signature the signer with identifiers, signing time in Vietnam time, integrity, what is signed,
 * certificate validation and level (Circular 15/2025 asks verification software to show the result in
 * Vietnamese). For scripts use the JSON (`xmlReportJson`).
 */
export function renderXmlReport(r: XmlValidationReport, lang: ReportLanguage = 'vi'): string {
  const t = T[lang];
  const lines = [
    t.title,
    `${t.overall}: ${t.status[r.status]}`,
    `${t.validationTime}: ${vnTime(r.validationTime)}`,
    renderVerdict(xmlVerdict(r), lang),
  ];
  if (r.signatures.length === 0) lines.push(t.none);
  for (const s of r.signatures) {
    lines.push('', `${t.signature} ${s.index + 1}${s.id ? ` (${s.id})` : ''}: ${t.status[s.status]}`);
    lines.push(`  ${t.location}: ${s.location}`);
    if (s.signer) {
      lines.push(`  ${t.signer}: ${s.signer.commonName ?? s.signer.subject}`);
      if (s.signer.organization) lines.push(`  ${t.org}: ${s.signer.organization}`);
      if (s.signer.identifiers.length > 0)
        lines.push(`  ${t.ids}: ${s.signer.identifiers.map((i) => `${i.type} ${i.value}`).join(', ')}`);
    }
    if (s.signingTime)
      lines.push(`  ${t.signingTime}: ${vnTime(s.signingTime.time)} (${t.source[s.signingTime.source]})`);
    lines.push(`  ${t.integrity}: ${s.integrity.status === 'passed' ? t.intactYes : t.intactNo}`);
    lines.push(`  ${t.signed}: ${s.integrity.signedData.join('; ')}`);
    // Vietnamese: the shared sentence for the code (the English detail stays in --json and --lang en).
    const certDetail = lang === 'vi' ? viReason(s.certificate.reason) : s.certificate.detail;
    lines.push(
      `  ${t.certificate}: ${t.status[s.certificate.status]}${s.certificate.reason ? ` (${s.certificate.reason}${certDetail ? `: ${certDetail}` : ''})` : ''}`,
    );
    if (s.certificate.timeSource === 'archive-timestamp')
      lines.push(`  ${t.certificate}: ${t.atArchive} (${vnTime(s.certificate.validatedAt)})`);
    lines.push(`  ${t.level}: ${s.level}`);
    if (s.counterSignatureOf !== undefined)
      lines.push(`  ${t.counterSignatureOf} ${s.counterSignatureOf + 1}`);
    const ats = s.xades?.archiveTimeStamps ?? [];
    if (ats.length > 0)
      lines.push(
        `  ${t.archive}: ${ats.length}, ${t.archiveOk} ${ats.filter((a) => a.status !== 'failed').length}${ats[ats.length - 1]?.genTime ? ` (${vnTime(ats[ats.length - 1]!.genTime!.toISOString())})` : ''}`,
      );
    if (s.reasons.length > 0) lines.push(`  ${t.reasons}: ${s.reasons.join(', ')}`);
    if (s.warnings.length > 0) lines.push(`  ${t.warnings}: ${s.warnings.join('; ')}`);
    lines.push(`  ${renderVerdict(xmlSignatureVerdict(s), lang)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** JSON of the report without the in-memory nodes, with the EN 319 102-1 verdict next to `valid`/`status`. */
export function xmlReportJson(r: XmlValidationReport): unknown {
  // The report carries its verdicts (xml-verdict.ts); `verdict` is kept next to `valid`/`status`.
  const { valid, status, verdict, signatures, ...rest } = r;
  return {
    valid,
    status,
    verdict,
    ...rest,
    signatures: signatures.map((s) => {
      const { result: _result, ...fields } = s;
      return fields;
    }),
  };
}
