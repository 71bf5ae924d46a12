/**
 * Reason codes are UPPER_SNAKE everywhere (path, CMS, CRL, OCSP, TSP, PDF, XML). Before 0.2 the
 * OCSP and RFC 3161 verifiers used kebab-case (`signature-invalid`, `ocsp-tryLater`,
 * `tsp-granted`); `normalizeReasonCode` turns such an old value into the current one, so a script
 * that stored old codes can compare them with new reports.
 */

/** `signature-invalid` → `SIGNATURE_INVALID`, `ocsp-tryLater` → `OCSP_TRY_LATER`; UPPER_SNAKE stays as is. */
export function normalizeReasonCode(code: string): string {
  if (/^[A-Z0-9]+(_[A-Z0-9]+)*$/.test(code)) return code;
  return code
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
}

/** True for a well-formed stable reason code (UPPER_SNAKE, letters and digits). */
export function isReasonCode(code: string): boolean {
  return /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/.test(code);
}
