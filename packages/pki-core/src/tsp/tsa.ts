/**
 * RFC 3161 time-stamping authority core: TimeStampReq bytes in, TimeStampResp bytes out.
 *
 * The token is CMS SignedData (src/cms/signed-data.ts) over a TSTInfo, with signed attributes
 * contentType id-ct-TSTInfo, messageDigest and ESS signing-certificate-v2 (RFC 5816). The TSA
 * refuses to start unless its certificate has a critical extKeyUsage holding exactly
 * id-kp-timeStamping (RFC 3161 §2.3), and answers with a rejection (never a token) when its
 * certificate is not valid at the current time.
 *
 * On Node, with a signer that signs synchronously (`LocalSigner`), a token costs no WebCrypto hop:
 * the ESS certificate hash is computed once, digests use node:crypto and the signature
 * `signer.signSync` (crypto/native-sign.ts). Other signers and browsers keep the asynchronous path.
 */
import { bytesEqual, randomBytes, toHex } from '../bytes.js';
import { encodeSignatureAlgorithm } from '../crypto/algorithms.js';
import { digest, hashAlgorithmIdentifier } from '../crypto/hash.js';
import { nativeDigest } from '../crypto/native-sign.js';
import { normalizeSignatureAlgorithm } from '../crypto/signer.js';
import type { HashAlgorithm, SignatureAlgorithm, Signer } from '../crypto/types.js';
import { KysoError } from '../errors.js';
import { OID } from '../oids.js';
import {
  buildSignedAttributes,
  encodeContentInfo,
  encodeSignedData,
  encodeSignerInfo,
  encodeSigningCertificateV2,
} from '../cms/signed-data.js';
import type { Certificate } from '../x509/certificate.js';
import { type TimeStampReq, parseTimeStampReq } from './request.js';
import {
  type Accuracy,
  type PkiFailureInfo,
  encodeGrantedResponse,
  encodeRejection,
  encodeTstInfo,
} from './response.js';

/**
 * Options of TimeStampAuthority: the TSA certificate and chain, signer, policies, accuracy, serial numbers,
 * clock and accepted hashes.
 */
export interface TimeStampAuthorityOptions {
  /** The TSA certificate (critical extKeyUsage = { id-kp-timeStamping } required). */
  certificate: Certificate;
  /** Issuing CA certificates (sent when `includeChain` and the request asks for certificates). */
  chain?: Certificate[];
  /** Holds the TSA certificate's private key. */
  signer: Signer;
  /** Default TSA policy (TSTInfo.policy). */
  policyOid: string;
  /** Other policies a request may ask for (reqPolicy); the default policy is always accepted. */
  acceptedPolicies?: string[];
  /** The accuracy written in every TSTInfo (RFC 3161 §2.4.2), if any: what the clock guarantees. */
  accuracy?: Accuracy;
  /**
   * Serial numbers: must be unique for this TSA (RFC 3161 §2.4.2). Default: 128-bit random.
   * Give a monotonic counter backed by durable storage for sequential serials.
   */
  serialSource?: () => bigint | Promise<bigint>;
  /** Time source (default: system time). Its quality is the TSA's accuracy claim. */
  clock?: () => Date;
  /** Hashes accepted in message imprints (default SHA-256, SHA-384, SHA-512). */
  acceptedHashes?: HashAlgorithm[];
  /** Signature algorithm (default: the signer's preferred one). */
  algorithm?: SignatureAlgorithm;
  /** With certReq, also include `chain` (default false: RFC 3161 asks only for the TSA certificate). */
  includeChain?: boolean;
  /** Put the TSA subject in TSTInfo.tsa (default false). */
  includeTsaName?: boolean;
}

/** Checks RFC 3161 §2.3 for a TSA certificate; returns a problem description or undefined. */
export function tsaCertificateProblem(cert: Certificate): string | undefined {
  const eku = cert.extension(OID.extKeyUsage);
  if (!eku) return 'no extKeyUsage extension';
  if (!eku.critical) return 'extKeyUsage is not critical';
  const ekus = cert.extKeyUsage ?? [];
  if (ekus.length !== 1 || ekus[0] !== OID.timeStamping)
    return 'extKeyUsage must contain exactly id-kp-timeStamping';
  if (
    cert.keyUsage &&
    !cert.keyUsage.includes('digitalSignature') &&
    !cert.keyUsage.includes('nonRepudiation')
  ) {
    return 'keyUsage allows neither digitalSignature nor nonRepudiation';
  }
  return undefined;
}

/** Random bytes drawn 4 KiB at a time (one CSPRNG call per 256 serials, not one per token). */
let randomPool: Uint8Array = new Uint8Array(0);
let randomPos = 0;

function randomSerial(): bigint {
  if (randomPos + 16 > randomPool.length) {
    randomPool = randomBytes(4096);
    randomPos = 0;
  }
  const b = randomPool.subarray(randomPos, randomPos + 16);
  randomPos += 16;
  const n = BigInt(`0x${toHex(b)}`);
  b.fill(0); // each draw is used once
  return n;
}

/**
 * An RFC 3161 time-stamping authority core: TimeStampReq bytes in, TimeStampResp bytes out (transport is the
 * caller's).
 */
export class TimeStampAuthority {
  /** The TSA certificate. */
  readonly certificate: Certificate;
  /** The default TSA policy OID. */
  readonly policyOid: string;
  readonly #chain: Certificate[];
  readonly #signer: Signer;
  readonly #algorithm: SignatureAlgorithm;
  readonly #digestAlgorithm: HashAlgorithm;
  readonly #policies: Set<string>;
  readonly #hashes: Set<HashAlgorithm>;
  readonly #serial: () => bigint | Promise<bigint>;
  readonly #clock: () => Date;
  readonly #opts: TimeStampAuthorityOptions;
  /** ESS signing-certificate-v2 attribute value (the certificate does not change: encoded once). */
  #ess: Uint8Array | undefined;
  /** Parts of the SignedData that are the same in every token. */
  readonly #digestAlgDer: Uint8Array;
  readonly #signatureAlgDer: Uint8Array;

  constructor(opts: TimeStampAuthorityOptions) {
    const problem = tsaCertificateProblem(opts.certificate);
    if (problem) {
      throw new KysoError('CERT_INVALID', `not a TSA certificate (RFC 3161 §2.3): ${problem}`, {
        subject: opts.certificate.subject.toString(),
      });
    }
    if (!bytesEqual(opts.certificate.spki, opts.signer.publicKey.der)) {
      throw new KysoError('KEY_INVALID', 'the signer key does not match the TSA certificate');
    }
    const alg = normalizeSignatureAlgorithm(opts.algorithm ?? opts.signer.algorithms[0]!);
    if (!alg) throw new KysoError('INVALID_ARGUMENT', 'signer advertises no algorithm');
    if (alg.name === 'Ed25519')
      throw new KysoError('UNSUPPORTED_ALGORITHM', 'Ed25519 time-stamp tokens are not supported');
    if (alg.hash === 'SHA-1')
      throw new KysoError('WEAK_ALGORITHM', 'refusing to sign time-stamp tokens with SHA-1');
    this.#signatureAlgDer = encodeSignatureAlgorithm(alg); // validates
    this.#algorithm = alg;
    this.#digestAlgDer = hashAlgorithmIdentifier(alg.hash);
    this.#digestAlgorithm = alg.hash;
    this.certificate = opts.certificate;
    this.policyOid = opts.policyOid;
    this.#chain = opts.chain ?? [];
    this.#signer = opts.signer;
    this.#policies = new Set([opts.policyOid, ...(opts.acceptedPolicies ?? [])]);
    this.#hashes = new Set(opts.acceptedHashes ?? ['SHA-256', 'SHA-384', 'SHA-512']);
    this.#serial = opts.serialSource ?? randomSerial;
    this.#clock = opts.clock ?? (() => new Date());
    this.#opts = opts;
  }

  /** Answers a DER TimeStampReq with a DER TimeStampResp. Bad requests get a rejection, not an exception. */
  async respond(requestDer: Uint8Array): Promise<Uint8Array> {
    let req: TimeStampReq;
    try {
      req = parseTimeStampReq(requestDer);
    } catch (e) {
      if (!(e instanceof KysoError)) throw e;
      if (e.code === 'UNSUPPORTED_ALGORITHM') return encodeRejection('badAlg', 'unsupported hash algorithm');
      return encodeRejection('badDataFormat', 'malformed TimeStampReq');
    }
    const reject = this.#check(req);
    if (reject) return encodeRejection(reject[0], reject[1]);
    const now = this.#clock();
    if (!this.certificate.isValidAt(now))
      return encodeRejection('systemFailure', 'TSA certificate not valid now');
    try {
      const token = await this.#token(req, now);
      return encodeGrantedResponse(token);
    } catch (e) {
      if (e instanceof KysoError && (e.code === 'INVALID_ARGUMENT' || e.code === 'SIGNATURE_INVALID'))
        throw e;
      return encodeRejection('systemFailure', 'time-stamp could not be produced');
    }
  }

  #check(req: TimeStampReq): [PkiFailureInfo, string] | undefined {
    if (req.version !== 1) return ['badRequest', `unsupported version ${req.version}`];
    if (!this.#hashes.has(req.messageImprint.hashAlgorithm)) {
      return ['badAlg', `hash ${req.messageImprint.hashAlgorithm} not accepted`];
    }
    if (req.reqPolicy !== undefined && !this.#policies.has(req.reqPolicy))
      return ['unacceptedPolicy', 'policy not accepted'];
    if (req.extensions.length > 0) return ['unacceptedExtension', 'no request extensions are supported'];
    return undefined;
  }

  async #essAttribute(): Promise<Uint8Array> {
    if (this.#ess) return this.#ess;
    const cert = this.certificate;
    this.#ess = encodeSigningCertificateV2([
      {
        hashAlgorithm: 'SHA-256',
        certHash: nativeDigest('SHA-256', cert.der) ?? (await digest('SHA-256', cert.der)),
        issuerSerial: { issuer: cert.issuer, serialNumber: cert.serialNumber },
      },
    ]);
    return this.#ess;
  }

  async #token(req: TimeStampReq, now: Date): Promise<Uint8Array> {
    const s = this.#serial();
    const serial = typeof s === 'bigint' ? s : await s;
    if (typeof serial !== 'bigint' || serial < 0n)
      throw new KysoError('INVALID_ARGUMENT', 'serialSource must return a non-negative bigint');
    const tst = encodeTstInfo({
      policy: req.reqPolicy ?? this.policyOid,
      messageImprintDer: req.messageImprint.der,
      serial,
      genTime: now,
      ...(this.#opts.accuracy ? { accuracy: this.#opts.accuracy } : {}),
      ...(req.nonce !== undefined ? { nonce: req.nonce } : {}),
      ...(this.#opts.includeTsaName
        ? { tsa: { type: 'directoryName' as const, value: this.certificate.subject } }
        : {}),
    });
    const cert = this.certificate;
    const ess = this.#ess ?? (await this.#essAttribute());
    const sa = buildSignedAttributes({
      contentType: OID.tstInfo,
      messageDigest: nativeDigest(this.#digestAlgorithm, tst) ?? (await digest(this.#digestAlgorithm, tst)),
      signingCertificateV2: ess,
    });
    // node:crypto when the signer can sign synchronously (LocalSigner on Node): no promise per token.
    const signature =
      this.#signer.signSync?.(sa.der, this.#algorithm) ?? (await this.#signer.sign(sa.der, this.#algorithm));
    const digestAlgDer = this.#digestAlgDer;
    const signerInfo = encodeSignerInfo({
      sid: { type: 'issuerAndSerialNumber', issuer: cert.issuer, serialNumber: cert.serialNumber },
      digestAlgorithmDer: digestAlgDer,
      signedAttrsDer: sa.der,
      signatureAlgorithmDer: this.#signatureAlgDer,
      signature,
    });
    const certificates = req.certReq
      ? [cert.der, ...(this.#opts.includeChain ? this.#chain.map((c) => c.der) : [])]
      : [];
    const sd = encodeSignedData({
      digestAlgorithmsDer: [digestAlgDer],
      eContentType: OID.tstInfo,
      eContent: tst,
      certificates,
      signerInfos: [signerInfo],
    });
    return encodeContentInfo(OID.signedData, sd);
  }
}
