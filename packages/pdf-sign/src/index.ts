// PDF I/O (no dependency on signing or verification)
export * from './pdf/objects.js';
export * from './pdf/parser.js';
export * from './pdf/filters.js';
export * from './pdf/reader.js';
export * from './pdf/serialize.js';
export * from './pdf/writer.js';
export * from './pdf/source.js';
export * from './pdf/file-source.node.js';
// Signing (depends on pdf/, never the reverse)
export * from './sign/appearance.js';
export * from './sign/fields.js';
export * from './sign/hash.js';
export * from './sign/prepare.js';
export * from './sign/pades.js';
// The RFC 3161 HTTP client is pki-core's (one implementation for CAdES and PAdES).
export { httpTimeStamper, type HttpTimeStamperOptions } from '@kyso/pki-core';
export * from './sign/validation-data.js';
export * from './sign/file.node.js';
export * from './sign/cli-support.node.js';
// Verification: integrity, certificate validation, PAdES level, changes after each signature
export * from './verify/index.js';
// Decree 30/2020 visible signatures (the sample documents are the './samples' subpath)
export * from './appearance/index.js';
export * from './cli/index.js';
