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
