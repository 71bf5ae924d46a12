/**
 * `@kyso/signing-server/client`: the agencies' SDK (browser-safe; no server modules): a typed CSC
 * API v2 client ({@link CscClient}: service token, credentials, explicit, asynchronous and OAuth
 * 2.0 authorisation, signHash, prepareDoc/signDoc) and {@link RemoteSigner}, a pki-core `Signer`
 * whose key stays on the server, for pdf-sign's and xml-sign's two-step signing.
 *
 * @packageDocumentation
 */
export {
  toBase64,
  fromBase64,
  digest,
  pkcePair,
  type CscHash,
  HASH_OIDS,
  SHA256_OID,
  CscError,
  type CscClientOptions,
  type DocumentDigest,
  type TokenResponse,
  type CredentialInfo,
  type ConformanceLevel,
  type PdfSignOptions,
  type VisibleAppearance,
  type SignDocResponse,
  CscClient,
} from './csc-client.js';
export {
  signAlgoFor,
  type RemoteAuthorization,
  type RemoteSignerOptions,
  RemoteSigner,
} from './remote-signer.js';
