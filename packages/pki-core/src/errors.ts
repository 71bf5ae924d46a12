/**
 * Typed errors. Every failure that is not a programming error surfaces as a KysoError with a
 * stable, documented code, so callers (CLI, HTTP layer) can map it without string matching.
 * "Invalid" outcomes of validation are reported, not thrown; these are for malformed input,
 * refused operations and misuse.
 */
export type KysoErrorCode =
  /** Input is not valid DER (tag, length, trailing bytes, non-minimal encodings, depth). */
  | 'DER_MALFORMED'
  /** Structure is valid DER but not the expected ASN.1 type (wrong tag, missing field). */
  | 'ASN1_SCHEMA'
  /** PEM armour is missing, mismatched or not base64. */
  | 'PEM_MALFORMED'
  /** An input exceeds a size or count limit. */
  | 'INPUT_TOO_LARGE'
  /** Algorithm (OID or parameters) not supported. */
  | 'UNSUPPORTED_ALGORITHM'
  /** Refused by security policy: SHA-1, short RSA/EC keys for new signatures, etc. */
  | 'WEAK_ALGORITHM'
  /** A key could not be imported, or does not match what was expected. */
  | 'KEY_INVALID'
  /** A distinguished name string or structure is invalid. */
  | 'NAME_INVALID'
  /** The issuer may not issue what was asked (validity, path length, key usage, name constraints). */
  | 'ISSUANCE_REFUSED'
  /** Certificate/CSR/CRL content is semantically invalid (e.g. duplicate extensions). */
  | 'CERT_INVALID'
  /** A signature did not verify where verification is mandatory (e.g. CSR proof of possession). */
  | 'SIGNATURE_INVALID'
  /** PKCS#12 password wrong or MAC mismatch. */
  | 'PKCS12_BAD_PASSWORD'
  /** PKCS#12 structure unsupported or malformed. */
  | 'PKCS12_INVALID'
  /** Bad argument from the caller. */
  | 'INVALID_ARGUMENT'
  /** Work budget exhausted (path building, nesting). */
  | 'BUDGET_EXCEEDED'
  /** Network or I/O failure fetching external data. */
  | 'FETCH_FAILED'
  /** Generic not-found (certificate, key, record). */
  | 'NOT_FOUND';

/**
 * The error kyso throws for bad input and refused operations: a stable `code` (KysoErrorCode), a message,
 * optional detail.
 */
export class KysoError extends Error {
  /** Stable error code (see `KysoErrorCode`): what kind of failure, for programs (HTTP status, exit code). */
  readonly code: KysoErrorCode;
  /** Structured detail (offsets, limits, the PDF/XML reason...), never secrets. */
  readonly detail?: Record<string, unknown>;
  constructor(
    code: KysoErrorCode,
    message: string,
    detail?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KysoError';
    this.code = code;
    if (detail !== undefined) this.detail = detail;
  }
}

/** Whether `e` is a KysoError (with the given code, when one is given). */
export function isKysoError(e: unknown, code?: KysoErrorCode): e is KysoError {
  return e instanceof KysoError && (code === undefined || e.code === code);
}
