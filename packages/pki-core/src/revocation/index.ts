/** Revocation checking: CRL processing (RFC 5280 §6.3), OCSP matching, HTTP fetching, the checker. */
export * from './crl-check.js';
export * from './fetcher.js';
export * from './checker.js';
