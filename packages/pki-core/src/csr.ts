/** PKCS#10 certification requests (RFC 2986): create, parse, verify proof of possession. */
import { bitString, contextConstructed, ctxTag, DerReader, integer, oid, seq, setOf, Tag } from './der.js';
import { KysoError } from './errors.js';
import { Name, type NameInput } from './name.js';
import { OID } from './oids.js';
import {
  defaultSignatureAlgorithm,
  encodeSignatureAlgorithm,
  parseSignatureAlgorithm,
} from './crypto/algorithms.js';
import { parsePublicKeyInfo } from './crypto/keys.js';
import type { PublicKeyInfo, SignatureAlgorithm, Signer } from './crypto/types.js';
import { verifySignature } from './crypto/verify.js';
import { derOrPem } from './pem.js';
import {
  type Extension,
  encodeExtension,
  encodeGeneralNamesExtension,
  parseGeneralNamesExtension,
} from './x509/extensions.js';
import { parseExtensionList } from './x509/certificate.js';
import type { GeneralName } from './x509/general-name.js';

/** Largest certification request accepted (bytes of DER): 256 KiB, far above any real request. */
export const MAX_CSR_SIZE = 256 * 1024;

/**
 * One attribute of a certification request (PKCS#10, RFC 2986 §4.1), e.g. extensionRequest or
 * challengePassword.
 */
export interface CsrAttribute {
  /** The attribute type OID. */
  oid: string;
  /** DER of each value in the SET. */
  values: Uint8Array[];
}

/**
 * A PKCS#10 certification request (RFC 2986), parsed strictly (DER or PEM `CERTIFICATE REQUEST`).
 * `verify` checks the proof of possession. Parsing throws KysoError `DER_MALFORMED` / `ASN1_SCHEMA` for
 * bad encoding, `CERT_INVALID` for a version other than v1, `INPUT_TOO_LARGE` beyond `MAX_CSR_SIZE`
 * or 64 attributes.
 */
export class CertificationRequest {
  /** The whole request, DER. */
  readonly der: Uint8Array;
  /** DER of certificationRequestInfo (what the key signed). */
  readonly info: Uint8Array;
  /** Always 1 (v1, encoded as 0). */
  readonly version: number;
  /** The requested subject. */
  readonly subject: Name;
  /** The subject public key (SubjectPublicKeyInfo). */
  readonly publicKey: PublicKeyInfo;
  /** Every attribute, in request order (at most 64). */
  readonly attributes: CsrAttribute[];
  /** Extensions requested through the PKCS#9 extensionRequest attribute. */
  readonly requestedExtensions: Extension[];
  /** DER AlgorithmIdentifier of the request's signature. */
  readonly signatureAlgorithm: Uint8Array;
  /** The signature (BIT STRING content). */
  readonly signatureValue: Uint8Array;

  private constructor(der: Uint8Array) {
    if (der.length > MAX_CSR_SIZE) throw new KysoError('INPUT_TOO_LARGE', 'CSR too large');
    const top = new DerReader(der);
    const req = top.enter();
    top.finish('trailing data after CSR');
    const infoEl = req.read(Tag.SEQUENCE);
    this.signatureAlgorithm = req.read(Tag.SEQUENCE).raw;
    const sig = req.readBitString();
    if (sig.unusedBits) throw new KysoError('CERT_INVALID', 'CSR signature has unused bits');
    this.signatureValue = sig.bytes;
    req.finish();
    this.der = der;
    this.info = infoEl.raw;
    const r = new DerReader(infoEl.value, infoEl.offset + infoEl.raw.length - infoEl.value.length);
    const v = r.readInteger();
    if (v !== 0n) throw new KysoError('CERT_INVALID', `unsupported CSR version ${v}`);
    this.version = 1;
    this.subject = Name.fromDer(r.read(Tag.SEQUENCE));
    this.publicKey = parsePublicKeyInfo(r.read(Tag.SEQUENCE));
    const attrs = r.enter(ctxTag(0, true));
    r.finish('trailing data in CertificationRequestInfo');
    this.attributes = [];
    this.requestedExtensions = [];
    while (!attrs.done) {
      if (this.attributes.length >= 64) throw new KysoError('INPUT_TOO_LARGE', 'too many CSR attributes');
      const a = attrs.enter();
      const type = a.readOid();
      const set = a.enter(Tag.SET);
      a.finish();
      const values = set.readAll().map((e) => e.raw);
      this.attributes.push({ oid: type, values });
      if (type === OID.extensionRequest) {
        if (values.length !== 1) throw new KysoError('CERT_INVALID', 'extensionRequest must have one value');
        const list = new DerReader(values[0]!).enter(Tag.SEQUENCE);
        this.requestedExtensions.push(...parseExtensionList(list));
      }
    }
  }

  /** Parses a request from DER or PEM (`CERTIFICATE REQUEST` or `NEW CERTIFICATE REQUEST`). */
  static parse(data: Uint8Array | string): CertificationRequest {
    return new CertificationRequest(derOrPem(data, 'CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST')[0]!);
  }

  /** The signature algorithm; throws KysoError `UNSUPPORTED_ALGORITHM` for one kyso does not verify. */
  get algorithm(): SignatureAlgorithm {
    return parseSignatureAlgorithm(this.signatureAlgorithm);
  }

  /** Requested subjectAltName, if any. */
  get subjectAltName(): GeneralName[] | undefined {
    const e = this.requestedExtensions.find((x) => x.oid === OID.subjectAltName);
    return e ? parseGeneralNamesExtension(e.value) : undefined;
  }

  /** Proof of possession: the request is signed by the private key of the enclosed public key. */
  async verify(): Promise<boolean> {
    let alg: SignatureAlgorithm;
    try {
      alg = this.algorithm;
    } catch {
      return false;
    }
    return verifySignature(this.publicKey, alg, this.info, this.signatureValue);
  }

  /** Like verify(), but throws SIGNATURE_INVALID. */
  async assertProofOfPossession(): Promise<void> {
    if (!(await this.verify()))
      throw new KysoError('SIGNATURE_INVALID', 'CSR signature does not verify (no proof of possession)');
  }
}

/** What `createCsr` puts in the request. */
export interface CreateCsrInput {
  /** The requested subject (e.g. from `citizenSubject` or `organizationSubject`). */
  subject: NameInput;
  /** Holds the private key of the public key requested; it signs the request (proof of possession). */
  signer: Signer;
  /** Requested subjectAltName (as an extensionRequest attribute, PKCS#9). */
  subjectAltName?: GeneralName[];
  /** Other requested extensions (extensionRequest). */
  extensions?: Extension[];
  /** Signature algorithm (default: the signer's preferred one). */
  signatureAlgorithm?: SignatureAlgorithm;
}

/** Creates and signs a PKCS#10 request with the signer's key. */
export async function createCsr(input: CreateCsrInput): Promise<CertificationRequest> {
  const spec = input.signer.publicKey.spec;
  if (!spec) throw new KysoError('UNSUPPORTED_ALGORITHM', 'signer key type not supported');
  const alg = input.signatureAlgorithm ?? input.signer.algorithms[0] ?? defaultSignatureAlgorithm(spec);
  const exts = [...(input.extensions ?? [])];
  if (input.subjectAltName?.length) {
    exts.push({
      oid: OID.subjectAltName,
      critical: false,
      value: encodeGeneralNamesExtension(input.subjectAltName),
    });
  }
  const attrs = exts.length ? [seq(oid(OID.extensionRequest), setOf(seq(...exts.map(encodeExtension))))] : [];
  const info = seq(
    integer(0),
    Name.from(input.subject).der,
    input.signer.publicKey.der,
    contextConstructed(0, ...attrs),
  );
  const algDer = encodeSignatureAlgorithm(alg);
  const sig = await input.signer.sign(info, alg);
  return CertificationRequest.parse(seq(info, algDer, bitString(sig)));
}
