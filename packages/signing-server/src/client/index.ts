/**
 * `@kyso/signing-server/client`: the agencies' SDK (browser-safe; no server modules): a typed CSC
 * API v2 client ({@link CscClient}: service token, credentials, explicit, asynchronous and OAuth
 * 2.0 authorisation, signHash, prepareDoc/signDoc) and {@link RemoteSigner}, a pki-core `Signer`
 * whose key stays on the server, for pdf-sign's and xml-sign's two-step signing.
 *
 * @packageDocumentation
 */
export * from './csc-client.js';
export * from './remote-signer.js';
