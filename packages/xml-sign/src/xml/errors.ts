import { KysoError, type KysoErrorCode } from '@kyso/pki-core';

/** Precise reasons for XML failures (the KysoError `code` stays one of pki-core's union). */
export const XML_ERROR_REASONS = [
  /** Not well-formed XML (syntax, undeclared prefix, mismatched tags, bad encoding). */
  'XML_MALFORMED',
  /** A limit (bytes, depth, nodes, attributes, name length) was reached. */
  'XML_LIMIT',
  /** Refused by security policy: DTD, external entity, XInclude, XSLT, duplicate IDs. */
  'XML_REFUSED',
  /** A valid construct kyso does not implement (an XPath transform, an unknown algorithm URI). */
  'XML_UNSUPPORTED',
] as const;
/** A precise reason for an XML failure. */
export type XmlErrorReason = (typeof XML_ERROR_REASONS)[number];

const BASE_CODE: Record<XmlErrorReason, KysoErrorCode> = {
  XML_MALFORMED: 'INVALID_ARGUMENT',
  XML_LIMIT: 'INPUT_TOO_LARGE',
  XML_REFUSED: 'INVALID_ARGUMENT',
  XML_UNSUPPORTED: 'UNSUPPORTED_ALGORITHM',
};

/** A KysoError with an XML-specific `reason`. */
export class XmlError extends KysoError {
  /** The XML-specific reason (the KysoError `code` is the pki-core code it maps to). */
  readonly reason: XmlErrorReason;
  constructor(reason: XmlErrorReason, message: string, detail?: Record<string, unknown>) {
    super(BASE_CODE[reason], `${reason}: ${message}`, { reason, ...(detail ?? {}) });
    this.name = 'XmlError';
    this.reason = reason;
  }
}
