// Foundation
export * from './errors.js';
export * from './bytes.js';
export * as der from './der.js';
export * from './pem.js';
export * from './oids.js';
// Keys, algorithms, signers
export * from './crypto/types.js';
export * from './crypto/hash.js';
export * from './crypto/algorithms.js';
export * from './crypto/keys.js';
export * from './crypto/signer.js';
export * from './crypto/verify.js';
// Names and certificates
export * from './name.js';
export * from './x509/general-name.js';
export * from './x509/extensions.js';
export * from './x509/certificate.js';
export * from './x509/name-constraints.js';
export * from './x509/issue.js';
export * from './x509/describe.js';
export * from './csr.js';
export * from './crl.js';
// Key containers
export * from './pkcs8-encrypted.js';
export * from './pkcs12.js';
