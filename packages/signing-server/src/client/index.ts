// @kyso/signing-server/client: the agencies' SDK (browser-safe; no server modules).
export * from './csc-client.js';
export * from './remote-signer.js';
