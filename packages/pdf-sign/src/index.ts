/**
 * `@kyso/pdf-sign`: PAdES signatures (ETSI EN 319 142-1, B-B to B-LTA) and their verification on PDF
 * documents (ISO 32000-2 §12.8), browser-safe. Signing is two-step and plain data
 * ({@link preparePdfSignature} → sign the digest anywhere → {@link embedSignature}) or one call
 * ({@link signPdf}); every step appends an incremental update and never rewrites the original
 * bytes. {@link verifyPdf} reports every signature and document time-stamp (integrity, certificate
 * path at the proven signing time, PAdES level) and judges every later change against DocMDP and
 * FieldMDP. Malformed input throws {@link PdfError} (a KysoError with a PDF `reason`). Node file
 * variants: `@kyso/pdf-sign/node`; Decree 30/2020 visible signatures: `@kyso/pdf-sign/appearance`;
 * the `kyso pdf` commands: `@kyso/pdf-sign/cli`.
 *
 * @packageDocumentation
 */
// The browser-safe main entry: no file I/O, CLI or font loading from disk here (those are
// `@kyso/pdf-sign/node`). Flate and digests come from platform.ts, which bundlers building for the
// browser replace with platform.browser.ts (package.json "browser").
// PDF I/O (no dependency on signing or verification)
export * from './pdf/objects.js';
export * from './pdf/parser.js';
export * from './pdf/filters.js';
export * from './pdf/reader.js';
export * from './pdf/serialize.js';
export * from './pdf/writer.js';
export * from './pdf/source.js';
// Signing (depends on pdf/, never the reverse)
export * from './sign/appearance.js';
export * from './sign/fields.js';
export * from './sign/hash.js';
export * from './sign/prepare.js';
export * from './sign/pades.js';
// The RFC 3161 HTTP client is pki-core's (one implementation for CAdES and PAdES).
export { httpTimeStamper, type HttpTimeStamperOptions } from '@kyso/pki-core';
export * from './sign/validation-data.js';
// Verification: integrity, certificate validation, PAdES level, changes after each signature
export * from './verify/index.js';
// Decree 30/2020 visible signatures (the sample documents are the './samples' subpath)
export * from './appearance/index.js';
// Flate and digests of the platform (node:zlib/node:crypto in Node, fflate/@noble/hashes in browsers)
export { createHasher, deflate, inflate, InflateLimitError, platformName, type Hasher } from './platform.js';
