/** PKCS#10 certification requests (RFC 2986): create, parse, verify proof of possession. */
import { bitString, contextConstructed, ctxTag, DerReader, integer, oid, seq, setOf, Tag } from './der.js';
import { KysoError } from './errors.js';
import { Name, type NameInput } from './name.js';
import { OID } from './oids.js';
import { defaultSignatureAlgorithm, encodeSignatureAlgorithm, parseSignatureAlgorithm } from './crypto/algorithms.js';
import { parsePublicKeyInfo } from './crypto/keys.js';
import type { PublicKeyInfo, SignatureAlgorithm, Signer } from './crypto/types.js';
import { verifySignature } from './crypto/verify.js';
import { derOrPem } from './pem.js';
import { type Extension, encodeExtension, encodeGeneralNamesExtension, parseGeneralNamesExtension } from './x509/extensions.js';
import { parseExtensionList } from './x509/certificate.js';
import type { GeneralName } from './x509/general-name.js';

export const MAX_CSR_SIZE = 256 * 1024;

export interface CsrAttribute {
  oid: string;
  /** DER of each value in the SET. */
  values: Uint8Array[];
}

export class CertificationRequest {
  readonly der: Uint8Array;
  readonly info: Uint8Array;
  readonly version: number;
  readonly subject: Name;
  readonly publicKey: PublicKeyInfo;
  readonly attributes: CsrAttribute[];
  /** Extensions requested through the PKCS#9 extensionRequest attribute. */
  readonly requestedExtensions: Extension[];
  readonly signatureAlgorithm: Uint8Array;
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

  static parse(data: Uint8Array | string): CertificationRequest {
    return new CertificationRequest(derOrPem(data, 'CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST')[0]!);
  }

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
    if (!(await this.verify())) throw new KysoError('SIGNATURE_INVALID', 'CSR signature does not verify (no proof of possession)');
  }
}

export interface CreateCsrInput {
  subject: NameInput;
  signer: Signer;
  subjectAltName?: GeneralName[];
  extensions?: Extension[];
  signatureAlgorithm?: SignatureAlgorithm;
}

/** Creates and signs a PKCS#10 request with the signer's key. */
export async function createCsr(input: CreateCsrInput): Promise<CertificationRequest> {
  const spec = input.signer.publicKey.spec;
  if (!spec) throw new KysoError('UNSUPPORTED_ALGORITHM', 'signer key type not supported');
  const alg = input.signatureAlgorithm ?? input.signer.algorithms[0] ?? defaultSignatureAlgorithm(spec);
  const exts = [...(input.extensions ?? [])];
  if (input.subjectAltName?.length) {
    exts.push({ oid: OID.subjectAltName, critical: false, value: encodeGeneralNamesExtension(input.subjectAltName) });
  }
  const attrs = exts.length
    ? [seq(oid(OID.extensionRequest), setOf(seq(...exts.map(encodeExtension))))]
    : [];
  const info = seq(integer(0), Name.from(input.subject).der, input.signer.publicKey.der, contextConstructed(0, ...attrs));
  const algDer = encodeSignatureAlgorithm(alg);
  const sig = await input.signer.sign(info, alg);
  return CertificationRequest.parse(seq(info, algDer, bitString(sig)));
}
