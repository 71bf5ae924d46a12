/**
 * CMS SignedData creation (RFC 5652) in two steps, the native flow of kyso (DESIGN.md):
 *
 *   const prepared = await prepareCmsSignature({ content, signerCertificate, chain, ... });
 *   // sign prepared.toBeSigned (or its digest prepared.digestOfToBeSigned) anywhere: a local key,
 *   // PKCS#11, a remote CSC service, a phone...
 *   const cms = assembleCmsSignature(prepared, signatureValue);
 *
 * `PreparedCmsSignature` holds only plain data (bytes, strings, numbers), so it can be serialised
 * between the steps (e.g. kept in a database while a citizen approves on a phone).
 * `signCms` is the one-step wrapper over a `Signer`.
 *
 * Signed attributes: contentType, messageDigest, ESS signing-certificate-v2 (RFC 5035, with
 * issuerSerial), optional signingTime (CAdES; not PAdES, where the time is the PDF /M entry),
 * optional CMSAlgorithmProtection (RFC 6211), and any extra attributes. SET OF in DER order.
 */
import { bytesEqual } from '../bytes.js';
import { assertStrongForSigning, encodeSignatureAlgorithm } from '../crypto/algorithms.js';
import { digest, hashAlgorithmIdentifier } from '../crypto/hash.js';
import { minimalIntegerBytes } from '../der.js';
import { normalizeSignatureAlgorithm } from '../crypto/signer.js';
import { parsePublicKeyInfo } from '../crypto/keys.js';
import { verifySignature } from '../crypto/verify.js';
import type { HashAlgorithm, SignatureAlgorithm, Signer } from '../crypto/types.js';
import { KysoError } from '../errors.js';
import { OID } from '../oids.js';
import { Certificate } from '../x509/certificate.js';
import {
  type Attribute,
  type OtherRevocationInfo,
  type SignerIdentifier,
  buildSignedAttributes,
  cmsAlgorithmProtectionAttribute,
  encodeContentInfo,
  encodeSignedData,
  encodeSignerInfo,
  encodeSigningCertificateV2,
} from './signed-data.js';

/** Largest content kyso signs in memory as attached content (bigger: use detached + contentDigest). */
export const MAX_ATTACHED_CONTENT = 64 * 1024 * 1024;

/** A certificate for CMS signing: parsed, or DER. */
export type CmsCertificateInput = Certificate | Uint8Array;

/**
 * Input of prepareCmsSignature: the content (or its digest), the signer certificate and chain, algorithms and
 * attributes.
 */
export interface PrepareCmsInput {
  /** Content to sign. Attached unless `detached` is true. */
  content?: Uint8Array;
  /** Precomputed digest of the content (with `digestAlgorithm`): always detached (PAdES byte ranges). */
  contentDigest?: Uint8Array;
  /** Leave the content out of the SignedData (detached signature). Default: false with `content`. */
  detached?: boolean;
  /** eContentType (default id-data). */
  contentType?: string;
  /** The signer's certificate (named by the SignerInfo's sid and by ESS signing-certificate-v2). */
  signerCertificate: CmsCertificateInput;
  /** Further certificates to embed (intermediates, leaf first order is kept where it matters). */
  chain?: readonly CmsCertificateInput[];
  /** Digest of the content and of the signed attributes (SHA-1 is refused: WEAK_ALGORITHM). */
  digestAlgorithm: HashAlgorithm;
  /** The signature algorithm (must fit the signer's key). */
  signatureAlgorithm: SignatureAlgorithm;
  /** CMS signingTime attribute (CAdES). Omit for PAdES (ETSI EN 319 142-1 §6.3: shall not be present). */
  signingTime?: Date;
  /** Hash used in the ESSCertIDv2 (default SHA-256). */
  essCertHashAlgorithm?: Exclude<HashAlgorithm, 'SHA-1'>;
  /** Add CMSAlgorithmProtection (RFC 6211). Default true. */
  algorithmProtection?: boolean;
  /** Identify the signer by subjectKeyIdentifier (SignerInfo v3) instead of issuerAndSerialNumber. */
  useSubjectKeyIdentifier?: boolean;
  /** Do not embed any certificate (the verifier must have them). Default false. */
  omitCertificates?: boolean;
  /**
   * Further signed attributes (e.g. a signature policy identifier); one kyso computes itself
   * (contentType, messageDigest...) is refused (INVALID_ARGUMENT).
   */
  extraSignedAttributes?: readonly Attribute[];
}

/** The state between the two steps: plain data only (serialisable). */
export interface PreparedCmsSignature {
  /** DER SET OF signed attributes: the exact bytes to sign. */
  signedAttributesDer: Uint8Array;
  /** Same as signedAttributesDer (for signers that take the data and hash it themselves). */
  toBeSigned: Uint8Array;
  /** digestAlgorithm hash of toBeSigned (for signers that sign a digest: CSC signHash, PKCS#11). */
  digestOfToBeSigned: Uint8Array;
  /** The digest algorithm. */
  digestAlgorithm: HashAlgorithm;
  /** The signature algorithm the signer must use. */
  signatureAlgorithm: SignatureAlgorithm;
  /** Digest of the content (the messageDigest attribute). */
  messageDigest: Uint8Array;
  /** The eContentType OID. */
  contentType: string;
  /** Attached content (undefined when detached). */
  content?: Uint8Array;
  /** The signer's certificate, DER. */
  signerCertificate: Uint8Array;
  /** Certificates to embed in SignedData.certificates (signer first). */
  certificates: Uint8Array[];
  /**
   * Whether the SignerInfo names the signer by subjectKeyIdentifier (CMSVersion 3) rather than issuer
   * and serial number.
   */
  useSubjectKeyIdentifier: boolean;
}

/**
 * Options of assembleCmsSignature: unsigned attributes, extra certificates and revocation data for
 * SignedData.
 */
export interface AssembleOptions {
  /** Unsigned attributes to add (e.g. a signature time-stamp token). */
  unsignedAttributes?: readonly Attribute[];
  /** Extra certificates for SignedData.certificates (e.g. CAdES B-LT validation data). */
  extraCertificates?: readonly Uint8Array[];
  /** CRLs for SignedData.crls (CAdES B-LT). */
  crls?: readonly Uint8Array[];
  /** OCSP responses etc. as OtherRevocationInfoFormat (RFC 5940). */
  otherRevocationInfo?: readonly OtherRevocationInfo[];
  /** Skip the check that the signature verifies with the certificate's key (default: checked). */
  skipSelfCheck?: boolean;
}

function toCert(c: CmsCertificateInput): Certificate {
  return c instanceof Certificate ? c : Certificate.parse(c);
}

function signerIdentifierFor(cert: Certificate, useSki: boolean): SignerIdentifier {
  if (useSki) {
    if (!cert.subjectKeyIdentifier) {
      throw new KysoError('INVALID_ARGUMENT', 'signer certificate has no subjectKeyIdentifier');
    }
    return { type: 'subjectKeyIdentifier', keyIdentifier: cert.subjectKeyIdentifier };
  }
  // DER output: the serial's minimal encoding (same value as a non-minimal certificate serial).
  return {
    type: 'issuerAndSerialNumber',
    issuer: cert.issuer,
    serialNumber: minimalIntegerBytes(cert.serialNumber),
  };
}

function hashOfAlgorithm(alg: SignatureAlgorithm): HashAlgorithm | undefined {
  return alg.name === 'Ed25519' ? undefined : alg.hash;
}

/** Step 1: computes the signed attributes and the bytes (and digest) to be signed. */
export async function prepareCmsSignature(input: PrepareCmsInput): Promise<PreparedCmsSignature> {
  const cert = toCert(input.signerCertificate);
  const sigAlg = normalizeSignatureAlgorithm(input.signatureAlgorithm);
  const digestAlgorithm = input.digestAlgorithm;
  if (digestAlgorithm === 'SHA-1')
    throw new KysoError('WEAK_ALGORITHM', 'SHA-1 is not allowed for new signatures');
  const sigHash = hashOfAlgorithm(sigAlg);
  if (sigAlg.name === 'Ed25519' && digestAlgorithm !== 'SHA-512') {
    // RFC 8419 §3.1: with signed attributes, Ed25519 pairs with id-sha512 (kyso's verifier refuses
    // any other pairing).
    throw new KysoError(
      'INVALID_ARGUMENT',
      `Ed25519 CMS signatures use the SHA-512 digest (RFC 8419), not ${digestAlgorithm}`,
    );
  }
  if (sigHash !== undefined && sigHash !== digestAlgorithm) {
    throw new KysoError(
      'INVALID_ARGUMENT',
      `digest algorithm ${digestAlgorithm} differs from the signature hash ${sigHash}`,
    );
  }
  const spki = parsePublicKeyInfo(cert.spki);
  if (!spki.spec)
    throw new KysoError('UNSUPPORTED_ALGORITHM', 'signer certificate key type is not supported');
  assertStrongForSigning(sigAlg, spki.spec);

  if ((input.content === undefined) === (input.contentDigest === undefined)) {
    throw new KysoError('INVALID_ARGUMENT', 'give exactly one of content or contentDigest');
  }
  let messageDigest: Uint8Array;
  let attached: Uint8Array | undefined;
  if (input.content !== undefined) {
    messageDigest = await digest(digestAlgorithm, input.content);
    if (!input.detached) {
      if (input.content.length > MAX_ATTACHED_CONTENT) {
        throw new KysoError('INPUT_TOO_LARGE', 'content too large to attach; sign detached');
      }
      attached = input.content;
    }
  } else {
    messageDigest = input.contentDigest!;
    const expected = (await digest(digestAlgorithm, new Uint8Array(0))).length;
    if (messageDigest.length !== expected) {
      throw new KysoError(
        'INVALID_ARGUMENT',
        `contentDigest must be ${expected} bytes for ${digestAlgorithm}`,
      );
    }
  }

  const essHash = input.essCertHashAlgorithm ?? 'SHA-256';
  const essValue = encodeSigningCertificateV2([
    {
      hashAlgorithm: essHash,
      certHash: await digest(essHash, cert.der),
      issuerSerial: { issuer: cert.issuer, serialNumber: minimalIntegerBytes(cert.serialNumber) },
    },
  ]);
  const digestAlgDer = hashAlgorithmIdentifier(digestAlgorithm);
  const sigAlgDer = encodeSignatureAlgorithm(sigAlg);
  const contentType = input.contentType ?? OID.data;
  const sa = buildSignedAttributes({
    contentType,
    messageDigest,
    ...(input.signingTime ? { signingTime: input.signingTime } : {}),
    signingCertificateV2: essValue,
    ...(input.algorithmProtection === false
      ? {}
      : { algorithmProtection: cmsAlgorithmProtectionAttribute(digestAlgDer, sigAlgDer) }),
    ...(input.extraSignedAttributes ? { extra: input.extraSignedAttributes } : {}),
  });

  const certificates: Uint8Array[] = [];
  if (!input.omitCertificates) {
    for (const c of [cert, ...(input.chain ?? []).map(toCert)]) {
      if (!certificates.some((d) => bytesEqual(d, c.der))) certificates.push(c.der);
    }
  }
  const useSki = input.useSubjectKeyIdentifier === true;
  signerIdentifierFor(cert, useSki); // fail early if SKI is missing
  const prepared: PreparedCmsSignature = {
    signedAttributesDer: sa.der,
    toBeSigned: sa.der,
    digestOfToBeSigned: await digest(digestAlgorithm, sa.der),
    digestAlgorithm,
    signatureAlgorithm: sigAlg,
    messageDigest,
    contentType,
    signerCertificate: cert.der,
    certificates,
    useSubjectKeyIdentifier: useSki,
  };
  if (attached) prepared.content = attached;
  return prepared;
}

/** Encodes the SignerInfo of a prepared signature (used by assemble and by CAdES upgrades). */
export function encodePreparedSignerInfo(
  prepared: PreparedCmsSignature,
  signatureValue: Uint8Array,
  unsignedAttributes?: readonly Attribute[],
): Uint8Array {
  const cert = Certificate.fromDer(prepared.signerCertificate);
  return encodeSignerInfo({
    sid: signerIdentifierFor(cert, prepared.useSubjectKeyIdentifier),
    digestAlgorithmDer: hashAlgorithmIdentifier(prepared.digestAlgorithm),
    signedAttrsDer: prepared.signedAttributesDer,
    signatureAlgorithmDer: encodeSignatureAlgorithm(prepared.signatureAlgorithm),
    signature: signatureValue,
    ...(unsignedAttributes?.length ? { unsignedAttrs: unsignedAttributes } : {}),
  });
}

/**
 * Step 2: builds the ContentInfo(SignedData) DER from the prepared state and the signature value
 * (wire format: DER Ecdsa-Sig-Value for ECDSA). By default checks that the signature verifies with
 * the signer certificate's key (catches a wrong key or a digest-vs-data mix-up in the remote step).
 */
export async function assembleCmsSignature(
  prepared: PreparedCmsSignature,
  signatureValue: Uint8Array,
  opts: AssembleOptions = {},
): Promise<Uint8Array> {
  if (!opts.skipSelfCheck) {
    const cert = Certificate.fromDer(prepared.signerCertificate);
    const ok = await verifySignature(
      cert.spki,
      prepared.signatureAlgorithm,
      prepared.toBeSigned,
      signatureValue,
    );
    if (!ok) {
      throw new KysoError(
        'SIGNATURE_INVALID',
        'the signature value does not verify with the signer certificate',
      );
    }
  }
  const signerInfo = encodePreparedSignerInfo(prepared, signatureValue, opts.unsignedAttributes);
  const sd = encodeSignedData({
    digestAlgorithmsDer: [hashAlgorithmIdentifier(prepared.digestAlgorithm)],
    eContentType: prepared.contentType,
    ...(prepared.content ? { eContent: prepared.content } : {}),
    certificates: [...prepared.certificates, ...(opts.extraCertificates ?? [])],
    ...(opts.crls ? { crls: opts.crls } : {}),
    ...(opts.otherRevocationInfo ? { otherRevocationInfo: opts.otherRevocationInfo } : {}),
    signerInfos: [signerInfo],
  });
  return encodeContentInfo(OID.signedData, sd);
}

/**
 * Input of signCms: PrepareCmsInput with a Signer in place of the certificate and algorithms (taken from it
 * by default).
 */
export interface SignCmsInput
  extends Omit<PrepareCmsInput, 'signerCertificate' | 'signatureAlgorithm' | 'digestAlgorithm'> {
  /** Holds the signer's key and certificate chain (the signer certificate defaults to its first). */
  signer: Signer;
  /** Default: the first certificate of signer.certificateChain. */
  signerCertificate?: CmsCertificateInput;
  /** Default: the signer's preferred algorithm. */
  signatureAlgorithm?: SignatureAlgorithm;
  /** Default: the signature algorithm's hash. */
  digestAlgorithm?: HashAlgorithm;
  /** Unsigned attributes to add (e.g. a signature time-stamp token). */
  unsignedAttributes?: readonly Attribute[];
}

/** Picks the algorithm: the one given, else the signer's preferred one. */
export function chooseSignatureAlgorithm(signer: Signer, alg?: SignatureAlgorithm): SignatureAlgorithm {
  const a = alg ?? signer.algorithms[0];
  if (!a) throw new KysoError('INVALID_ARGUMENT', 'the signer offers no algorithm');
  return normalizeSignatureAlgorithm(a);
}

/** One-step CMS signature with a `Signer` (prepare, sign, assemble). */
export async function signCms(input: SignCmsInput): Promise<Uint8Array> {
  const { signer, unsignedAttributes, ...rest } = input;
  const certInput = input.signerCertificate ?? signer.certificateChain[0];
  if (!certInput) throw new KysoError('INVALID_ARGUMENT', 'no signer certificate: the signer has no chain');
  const signatureAlgorithm = chooseSignatureAlgorithm(signer, input.signatureAlgorithm);
  // Ed25519 (pure, over the DER signed attributes) pairs with SHA-512 (RFC 8419 §3.1).
  const digestAlgorithm =
    input.digestAlgorithm ?? (signatureAlgorithm.name === 'Ed25519' ? 'SHA-512' : signatureAlgorithm.hash);
  const chain = input.chain ?? signer.certificateChain.slice(1);
  const prepared = await prepareCmsSignature({
    ...rest,
    signerCertificate: certInput,
    chain,
    signatureAlgorithm,
    digestAlgorithm,
  });
  const sig = await signer.sign(prepared.toBeSigned, signatureAlgorithm);
  return assembleCmsSignature(prepared, sig, unsignedAttributes ? { unsignedAttributes } : {});
}
