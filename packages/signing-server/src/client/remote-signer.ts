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
  SAD?: string;
  credentialToken?: string;
}

export interface RemoteSignerOptions {
  /** A SAD or credential token covering the hashes this signer will be asked to sign. */
  authorization?: RemoteAuthorization;
  /** Called with the base64 hashes of each signing operation when no fixed authorization is set. */
  authorize?: (hashes: string[], hashAlgorithmOID: string) => Promise<RemoteAuthorization>;
  /** Certificate chain (leaf first, DER) when already known; else read from credentials/info. */
  certificateChain?: Uint8Array[];
}

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

export class RemoteSigner implements Signer {
  readonly publicKey: PublicKeyInfo;
  readonly algorithms: SignatureAlgorithm[];
  readonly certificate: Certificate;

  constructor(
    readonly client: CscClient,
    readonly credentialID: string,
    readonly certificateChain: Uint8Array[],
    readonly options: RemoteSignerOptions = {},
  ) {
    if (certificateChain.length === 0) throw new Error('the credential has no certificate');
    this.certificate = Certificate.fromDer(certificateChain[0]!);
    this.publicKey = parsePublicKeyInfo(this.certificate.spki);
    if (!this.publicKey.spec) throw new Error('unsupported public key');
    this.algorithms = signatureAlgorithmsForKey(this.publicKey.spec).filter((a) => a.name !== 'Ed25519');
  }

  /** Reads the chain with credentials/info. */
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

  async sign(data: Uint8Array, algorithm?: SignatureAlgorithm): Promise<Uint8Array> {
    const alg = algorithm ?? this.algorithms[0]!;
    if (alg.name === 'Ed25519') throw new Error('Ed25519 is not supported by remote signing');
    return this.signDigest(await digest(alg.hash as CscHash, data), alg);
  }

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
