/**
 * A pki-core `Signer` whose key lives on a kyso (CSC v2) server: it hashes locally, sends only
 * the hash to `signatures/signHash` and returns the signature (DER for ECDSA, as CMS needs).
 * Authorisation comes from a SAD or a credential-scoped token given up front, or from an
 * `authorize` callback asked for each hash (explicit PIN+OTP, asynchronous approval, or the
 * OAuth2 page) — so it plugs into pdf-sign's two-step flow:
 *
 *   const signer = await RemoteSigner.open(csc, credentialID, { authorize: (h) => approve(h) });
 *   const prepared = await preparePdfSignature(pdf, { signerCertificate: signer.certificate });
 *   const signed = embedSignature(prepared, await signPreparedDigest(prepared, signer));
 *
 * Browser-safe (WebCrypto, no Node modules).
 */
import {
  Certificate,
  encodePssParams,
  type PublicKeyInfo,
  parsePublicKeyInfo,
  type SignatureAlgorithm,
  type Signer,
  signatureAlgorithmsForKey,
  OID,
} from '@kyso/pki-core';
import { type CscClient, type CscHash, digest, fromBase64, HASH_OIDS, toBase64 } from './csc-client.js';

/** What authorises one signHash call: a SAD, or a credential-scoped token (oauth2code). */
export interface RemoteAuthorization {
  /** A SAD from credentials/authorize or authorizeCheck (secret; each hash it covers signs once). */
  SAD?: string;
  /** An access token from {@link CscClient.exchangeCode} (secret; stands in for the SAD). */
  credentialToken?: string;
}

/** How a {@link RemoteSigner} gets its certificate chain and its authorisation. */
export interface RemoteSignerOptions {
  /** A SAD or credential token covering the hashes this signer will be asked to sign. */
  authorization?: RemoteAuthorization;
  /** Called with the base64 hashes of each signing operation when no fixed authorization is set. */
  authorize?: (hashes: string[], hashAlgorithmOID: string) => Promise<RemoteAuthorization>;
  /** Certificate chain (leaf first, DER) when already known; else read from credentials/info. */
  certificateChain?: Uint8Array[];
}

/**
 * The CSC v2 signHash `signAlgo` (and `signAlgoParams`) for a pki-core signature algorithm: the
 * bare key OID for ECDSA (ecPublicKey) and RSA PKCS#1 v1.5 (rsaEncryption), the hash being sent as
 * hashAlgorithmOID; RSASSA-PSS with DER RSASSA-PSS-params (MGF1 with the same hash, the
 * algorithm's salt length).
 *
 * @throws Error for Ed25519 (it cannot sign a precomputed hash).
 */
export function signAlgoFor(alg: SignatureAlgorithm): { signAlgo: string; signAlgoParams?: Uint8Array } {
  switch (alg.name) {
    case 'ECDSA':
      return { signAlgo: OID.ecPublicKey };
    case 'RSA-PKCS1':
      return { signAlgo: OID.rsaEncryption };
    case 'RSA-PSS':
      return { signAlgo: OID.rsassaPss, signAlgoParams: encodePssParams(alg.hash, alg.saltLength) };
    default:
      throw new Error(`${alg.name} is not supported by remote signing`);
  }
}

/**
 * A pki-core `Signer` whose key lives on a kyso (CSC v2) server: hashes locally, then one
 * signatures/signHash per signature with the authorisation from `options` (see the module
 * comment for the pdf-sign flow). Browser-safe. Errors of the server come as {@link CscError}.
 */
export class RemoteSigner implements Signer {
  /** The public key of the credential's certificate. */
  readonly publicKey: PublicKeyInfo;
  /** What the key can sign with (pki-core's list for the key, Ed25519 excluded); the first is the default. */
  readonly algorithms: SignatureAlgorithm[];
  /** The credential's certificate (the chain's first). */
  readonly certificate: Certificate;

  /**
   * Most callers use {@link RemoteSigner.open}, which reads the chain from the server.
   *
   * @throws Error for an empty chain or a key type pki-core does not know; KysoError for a
   * malformed certificate.
   */
  constructor(
    /** The client that talks to the server. */
    readonly client: CscClient,
    /** The credential that signs. */
    readonly credentialID: string,
    /** DER certificates, the credential's own first. */
    readonly certificateChain: Uint8Array[],
    /** The options given. */
    readonly options: RemoteSignerOptions = {},
  ) {
    if (certificateChain.length === 0) throw new Error('the credential has no certificate');
    this.certificate = Certificate.fromDer(certificateChain[0]!);
    this.publicKey = parsePublicKeyInfo(this.certificate.spki);
    if (!this.publicKey.spec) throw new Error('unsupported public key');
    this.algorithms = signatureAlgorithmsForKey(this.publicKey.spec).filter((a) => a.name !== 'Ed25519');
  }

  /**
   * A signer for `credentialID`, reading the chain with credentials/info unless
   * `options.certificateChain` is given.
   *
   * @throws {@link CscError} when the credential is unknown to this client (400 invalid_request).
   */
  static async open(
    client: CscClient,
    credentialID: string,
    options: RemoteSignerOptions = {},
  ): Promise<RemoteSigner> {
    const chain =
      options.certificateChain ??
      (await client.credentialInfo(credentialID)).cert.certificates.map(fromBase64);
    return new RemoteSigner(client, credentialID, chain, options);
  }

  /**
   * Hashes `data` with WebCrypto and signs the digest remotely ({@link RemoteSigner.signDigest}).
   * Default algorithm: `algorithms[0]`.
   */
  async sign(data: Uint8Array, algorithm?: SignatureAlgorithm): Promise<Uint8Array> {
    const alg = algorithm ?? this.algorithms[0]!;
    if (alg.name === 'Ed25519') throw new Error('Ed25519 is not supported by remote signing');
    return this.signDigest(await digest(alg.hash as CscHash, data), alg);
  }

  /**
   * Signs a precomputed digest with one signHash call: authorised by `options.authorization`, else
   * by `options.authorize([hash], hashAlgorithmOID)` called now for this one hash. ECDSA
   * signatures are DER.
   *
   * @throws Error for Ed25519, a hash other than SHA-256/384/512, or no SAD or token;
   * {@link CscError} when the server refuses (e.g. the hash is not covered by the SAD).
   */
  async signDigest(d: Uint8Array, algorithm: SignatureAlgorithm): Promise<Uint8Array> {
    if (algorithm.name === 'Ed25519') throw new Error('Ed25519 is not supported by remote signing');
    const hashAlgorithmOID = HASH_OIDS[algorithm.hash as CscHash];
    if (!hashAlgorithmOID) throw new Error(`${algorithm.hash} is not supported by remote signing`);
    const h = toBase64(d);
    const auth = this.options.authorization ?? (await this.options.authorize?.([h], hashAlgorithmOID));
    if (!auth?.SAD && !auth?.credentialToken)
      throw new Error('no SAD or credential token for this signature');
    const [sig] = await this.client.signHash({
      credentialID: this.credentialID,
      hashes: [h],
      hashAlgorithmOID,
      ...signAlgoFor(algorithm),
      ...(auth.SAD ? { SAD: auth.SAD } : {}),
      ...(auth.credentialToken ? { credentialToken: auth.credentialToken } : {}),
    });
    return sig!;
  }
}
