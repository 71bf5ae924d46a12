// @kyso/signing-server/client: the agencies' SDK (browser-safe; no server modules).
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
