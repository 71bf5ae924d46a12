/**
 * PAdES baseline signatures (ETSI EN 319 142-1) over the two-step core:
 * - B-B: CMS with signing-certificate-v2 and no signingTime (the time is /M), SubFilter
 *   ETSI.CAdES.detached;
 * - B-T: plus a signature time-stamp (unsigned attribute) from a `TimeStamper`;
 * - B-LT: plus a DSS (/Certs, /OCSPs, /CRLs) for the signer and TSA chains, in a later
 *   incremental update;
 * - B-LTA: plus a document time-stamp (/Type /DocTimeStamp, SubFilter ETSI.RFC3161) over it.
 */
import {
  type Certificate,
  type HashAlgorithm,
  KysoError,
  type SignatureAlgorithm,
  type Signer,
  type TimeStamper,
  addSignatureTimeStamp,
  assembleCmsSignature,
  bytesEqual,
  chooseSignatureAlgorithm,
  prepareCmsSignature,
  Certificate as Cert,
  TrustStore,
} from '@kyso/pki-core';
import { PdfDict, type PdfError, PdfName, type PdfObject, PdfRef, PdfStream, dict } from '../pdf/objects.js';
import { PdfReader } from '../pdf/reader.js';
import { deflate } from '../platform.js';
import { addEarlierSignaturesData } from './earlier-signatures.js';
import { IncrementalWriter } from '../pdf/writer.js';
import {
  type PreparePdfSignatureOptions,
  type PreparedPdfSignature,
  embedSignature,
  preparePdfSignature,
} from './prepare.js';
import type { PdfInput } from '../verify/source.js';
import { type PadesLevelReached, verifyPdf } from '../verify/pades.js';
import {
  type CollectedValidationData,
  LevelNotReachedError,
  type RevocationDataFetcher,
  type ValidationDataProblem,
  cmsCertificates,
  collectValidationData,
  requireLevel,
  signatureTimeStampTokens,
} from './validation-data.js';

/**
 * A PAdES baseline level (ETSI EN 319 142-1 §6): `B-B` (CAdES-detached CMS with signing-certificate-v2),
 * `B-T` (+ signature time-stamp), `B-LT` (+ DSS with the validation data proving every certificate's
 * status), `B-LTA` (+ document time-stamp over the DSS).
 */
export type PadesLevel = 'B-B' | 'B-T' | 'B-LT' | 'B-LTA';

/** Bytes of a time-stamp token budgeted in a signature placeholder (TSA cert + chain + signature). */
export const TIMESTAMP_ALLOWANCE = 8 * 1024;

/** What `estimatePlaceholder` sizes the /Contents reservation from. */
export interface PlaceholderEstimateInput {
  /** Certificates embedded in the CMS (DER). */
  certificates: readonly Uint8Array[];
  /** The signer's public key (for the signature size). */
  signer?: Pick<Signer, 'publicKey'>;
  /** A signature time-stamp will be added. */
  timestamp?: boolean;
  /** Further bytes (revocation values embedded in the CMS, extra attributes). */
  extra?: number;
}

/** Estimates the /Contents reservation (bytes of CMS) with a safety margin. */
export function estimatePlaceholder(input: PlaceholderEstimateInput): number {
  let sig = 512;
  const spec = input.signer?.publicKey.spec;
  if (spec?.type === 'RSA') sig = Math.ceil(spec.modulusLength / 8) + 8;
  else if (spec?.type === 'EC') sig = { 'P-256': 72, 'P-384': 104, 'P-521': 139 }[spec.curve] ?? 139;
  const certs = input.certificates.reduce((n, c) => n + c.length, 0);
  const base = certs + sig + 1536 + (input.timestamp ? TIMESTAMP_ALLOWANCE : 0) + (input.extra ?? 0);
  return Math.ceil((base * 1.15) / 1024) * 1024;
}

/**
 * Options of `signPdf` (and of the file and server variants): the preparation options plus who signs
 * and the PAdES level (ETSI EN 319 142-1).
 */
export interface SignPdfOptions extends PreparePdfSignatureOptions {
  /**
   * Computes the signature and supplies the certificate chain (leaf first) embedded in the CMS: a local
   * key, a PKCS#11 token or a remote CSC signer.
   */
  signer: Signer;
  /** Default 'B-B'. */
  level?: PadesLevel;
  /** Required for B-T and above. */
  timeStamper?: TimeStamper;
  /** Revocation data source for B-LT and above (required there). */
  revocation?: RevocationDataFetcher;
  /** Extra certificates for the DSS (e.g. a root the relying party needs). */
  extraCertificates?: readonly Uint8Array[];
  /**
   * Signature algorithm (default: chosen from the signer's key and the digest algorithm, e.g. ECDSA
   * with SHA-256 for P-256, RSA PKCS#1 v1.5 with SHA-256 for RSA).
   */
  signatureAlgorithm?: SignatureAlgorithm;
  /** Time-stamp imprint hash (default: the digest algorithm). */
  timeStampHashAlgorithm?: HashAlgorithm;
  /**
   * Superseded: B-LT and B-LTA now always fail (LevelNotReachedError naming the certificate) when
   * a certificate's status cannot be proven, unless `acceptLowerLevel` is set.
   */
  requireRevocationData?: boolean;
  /**
   * Sign even when B-LT/B-LTA cannot be reached (revocation data missing or not proving status):
   * the result's `level` then says the level the verifier confirms. Default false: fail.
   */
  acceptLowerLevel?: boolean;
}

/** The result of `signPdf`. */
export interface SignPdfResult {
  /**
   * The signed document: the original bytes followed by the signature update (and, from B-LT, the DSS
   * update and, for B-LTA, the document time-stamp update).
   */
  pdf: Uint8Array;
  /** The signature field signed (given, or the new `SignatureN` field created). */
  fieldName: string;
  /**
   * The level reached. For B-LT and B-LTA it is the level kyso's verifier confirms offline on the
   * output (lower than asked only with `acceptLowerLevel`).
   */
  level: PadesLevel;
  /** The level asked for (differs from `level` only with `acceptLowerLevel`). */
  requestedLevel: PadesLevel;
  /** The CMS embedded in the signature. */
  cms: Uint8Array;
  /** Validation data written to the DSS (B-LT, B-LTA). */
  validationData?: CollectedValidationData;
}

/** Builds the CMS for a prepared PDF signature with a `Signer` (the middle step). */
export async function signPreparedDigest(
  prepared: Pick<PreparedPdfSignature, 'digest' | 'digestAlgorithm'>,
  signer: Signer,
  opts: {
    signatureAlgorithm?: SignatureAlgorithm;
    timeStamper?: TimeStamper;
    timeStampHashAlgorithm?: HashAlgorithm;
  } = {},
): Promise<Uint8Array> {
  const chain = signer.certificateChain;
  if (chain.length === 0) throw new KysoError('INVALID_ARGUMENT', 'the signer has no certificate');
  const alg = chooseSignatureAlgorithm(signer, opts.signatureAlgorithm);
  const algHash = alg.name === 'Ed25519' ? prepared.digestAlgorithm : alg.hash;
  if (algHash !== prepared.digestAlgorithm) {
    throw new KysoError(
      'INVALID_ARGUMENT',
      `the signature hash ${algHash} differs from the document digest ${prepared.digestAlgorithm}`,
    );
  }
  const cmsPrep = await prepareCmsSignature({
    contentDigest: prepared.digest,
    digestAlgorithm: prepared.digestAlgorithm,
    signatureAlgorithm: alg,
    signerCertificate: chain[0]!,
    chain: chain.slice(1),
  });
  const value = await signer.sign(cmsPrep.toBeSigned, alg);
  let cms = await assembleCmsSignature(cmsPrep, value);
  if (opts.timeStamper) {
    cms = await addSignatureTimeStamp(cms, opts.timeStamper, {
      hashAlgorithm: opts.timeStampHashAlgorithm ?? prepared.digestAlgorithm,
    });
  }
  return cms;
}

/**
 * Prepares a signature whose value must fit a placeholder reserved beforehand: `attempt(size)`
 * prepares with `size` bytes reserved and produces the value; when the value outgrew an estimate
 * (`given` undefined; e.g. a TSA sending a long chain), `beforeRetry` runs and it is prepared
 * again with room to spare. A `given` size is kept (embedding then refuses a value that outgrew it).
 */
export async function fitPlaceholder<P extends { capacity: number }>(
  given: number | undefined,
  estimate: number,
  attempt: (size: number) => Promise<{ prepared: P; value: Uint8Array }>,
  beforeRetry?: () => Promise<void>,
): Promise<{ prepared: P; value: Uint8Array }> {
  const first = await attempt(given ?? estimate);
  if (first.value.length <= first.prepared.capacity || given !== undefined) return first;
  await beforeRetry?.();
  return attempt(Math.ceil((first.value.length * 1.1 + 1024) / 1024) * 1024);
}

/**
 * The signing step of `signPdf` and `signPdfFile`, wherever the document is: the options checked
 * against the level, then `prepare(options)` (with the placeholder size and the signer's
 * certificate) and the CMS over its digest (time-stamped from B-T), fitted to its placeholder.
 */
export async function prepareAndSign<
  P extends Pick<PreparedPdfSignature, 'digest' | 'digestAlgorithm' | 'capacity'>,
>(
  options: SignPdfOptions,
  prepare: (opts: SignPdfOptions) => Promise<P>,
): Promise<{ level: PadesLevel; prepared: P; cms: Uint8Array }> {
  const level = options.level ?? 'B-B';
  const { signer, timeStamper, revocation } = options;
  if (level !== 'B-B' && !timeStamper)
    throw new KysoError('INVALID_ARGUMENT', `level ${level} needs a time-stamper (TSA)`);
  if ((level === 'B-LT' || level === 'B-LTA') && !revocation) {
    throw new KysoError('INVALID_ARGUMENT', `level ${level} needs a revocation data source`);
  }
  const leaf = signer.certificateChain[0];
  if (!leaf) throw new KysoError('INVALID_ARGUMENT', 'the signer has no certificate');
  const estimate = estimatePlaceholder({
    certificates: signer.certificateChain,
    signer,
    timestamp: level !== 'B-B',
  });
  const { prepared, value } = await fitPlaceholder(options.placeholderSize, estimate, async (size) => {
    const prepared = await prepare({
      ...options,
      placeholderSize: size,
      signerCertificate: options.signerCertificate ?? Cert.fromDer(leaf),
    });
    const value = await signPreparedDigest(prepared, signer, {
      ...(options.signatureAlgorithm ? { signatureAlgorithm: options.signatureAlgorithm } : {}),
      ...(level !== 'B-B' && timeStamper ? { timeStamper } : {}),
      ...(options.timeStampHashAlgorithm ? { timeStampHashAlgorithm: options.timeStampHashAlgorithm } : {}),
    });
    return { prepared, value };
  });
  return { level, prepared, cms: value };
}

/**
 * B-LT and B-LTA: revocation data for the signer's chain and the signature time-stamp's TSA
 * (`options.revocation`), checked (validation-data.ts); LevelNotReachedError naming each
 * certificate whose status is not proven, unless `acceptLowerLevel`.
 */
export async function signatureValidationData(
  cms: Uint8Array,
  options: Pick<SignPdfOptions, 'signer' | 'revocation' | 'extraCertificates' | 'acceptLowerLevel' | 'level'>,
): Promise<CollectedValidationData> {
  const tokens = signatureTimeStampTokens(cms);
  const data = await collectValidationData(
    [...options.signer.certificateChain, ...tokens.flatMap(cmsCertificates)],
    options.revocation!,
    options.extraCertificates ? { extra: options.extraCertificates } : {},
  );
  requireLevel(data, options.level ?? 'B-LT', { acceptLowerLevel: options.acceptLowerLevel === true });
  return data;
}

const LEVEL_RANK: Record<PadesLevelReached, number> = { none: 0, 'B-B': 1, 'B-T': 2, 'B-LT': 3, 'B-LTA': 4 };

/**
 * The signer's self-check (issue 13): runs kyso's verifier offline (DSS and CMS data only, no
 * network) on the signed output and returns the level it confirms for `fieldName`, at most
 * `requested`. The anchors are the self-signed certificates among `certificates` (the signer's
 * chain, the time-stamp tokens' and the DSS certificates): the check is about what the document
 * carries, not about whom a relying party trusts. Throws LevelNotReachedError when the verifier
 * confirms less than `requested`, unless `acceptLowerLevel` (then the lower level is returned).
 */
export async function confirmLevel(
  input: PdfInput,
  fieldName: string,
  requested: PadesLevel,
  certificates: readonly Uint8Array[],
  opts: { acceptLowerLevel?: boolean } = {},
): Promise<PadesLevel> {
  const trust = new TrustStore();
  for (const der of certificates) {
    try {
      const c = Cert.fromDer(der);
      if (c.subject.equals(c.issuer) && c.basicConstraints?.ca) trust.add(c);
    } catch {
      // not a certificate kyso reads: not an anchor
    }
  }
  const rep = await verifyPdf(input, { trustStore: trust, revocation: 'dss-only' });
  const s = rep.signatures.find((x) => x.field === fieldName && x.kind === 'signature');
  const reached: PadesLevelReached = s?.level ?? 'none';
  if (LEVEL_RANK[reached] >= LEVEL_RANK[requested]) return requested;
  const problems: ValidationDataProblem[] = [
    ...(s?.certificate.revocation ?? []),
    ...(s?.timestamp?.certificate?.revocation ?? []),
  ]
    .filter((l) => l.status !== 'good')
    .map((l) => ({
      subject: l.subject,
      serialNumber: '',
      missing: `${l.status}${l.detail ? `: ${l.detail}` : ''}`,
    }));
  if (opts.acceptLowerLevel && reached !== 'none') return reached;
  throw new LevelNotReachedError(
    requested,
    problems,
    `kyso's verifier confirms only ${reached} for ${fieldName}${
      s?.reasons.length ? ` (${s.reasons.join(', ')})` : ''
    }${problems.length ? `: ${problems.map((p) => `${p.subject}: ${p.missing}`).join('; ')}` : ''}`,
  );
}

/** Options of `completeLongTermLevel`. */
export interface LongTermLevelOptions {
  /** The level asked for; B-B and B-T return the document unchanged. */
  level: PadesLevel;
  /** The signature's field (the level confirmed is this signature's). */
  fieldName: string;
  /** The signer's certificate chain (DER, leaf first). */
  signerChain: readonly Uint8Array[];
  /** B-LTA: the document time-stamp's TSA. */
  timeStamper?: TimeStamper;
  /** B-LT, B-LTA: where the revocation data comes from. */
  revocation?: RevocationDataFetcher;
  /** Further DER certificates for the DSS (e.g. a root the relying party needs). */
  extraCertificates?: readonly Uint8Array[];
  /** Sign even when the level cannot be reached; `level` then says what was. Default false. */
  acceptLowerLevel?: boolean;
  /**
   * Give the document time-stamp's zero-size widget an empty /AP anyway (see `PreparePdfSignatureOptions`).
   */
  invisibleAppearanceStream?: boolean;
}

/**
 * The long-term part of a PAdES signature once its CMS is embedded in `pdf` (what `signPdf` does
 * after embedding, for any caller that signs in steps, e.g. a server's signDoc): B-LT adds a DSS
 * with validation data that proves the status of every certificate of the signer's and the
 * signature time-stamp's paths (LevelNotReachedError naming the certificates otherwise, unless
 * `acceptLowerLevel`), B-LTA a document time-stamp over it; then kyso's verifier confirms the level
 * offline on the result (`confirmLevel`). B-B and B-T are returned unchanged.
 */
export async function completeLongTermLevel(
  pdf: Uint8Array,
  cms: Uint8Array,
  opts: LongTermLevelOptions,
): Promise<{ pdf: Uint8Array; level: PadesLevel; validationData?: CollectedValidationData }> {
  const { level } = opts;
  if (level !== 'B-LT' && level !== 'B-LTA') return { pdf, level };
  if (!opts.revocation)
    throw new KysoError('INVALID_ARGUMENT', `level ${level} needs a revocation data source`);
  if (level === 'B-LTA' && !opts.timeStamper)
    throw new KysoError('INVALID_ARGUMENT', 'level B-LTA needs a time-stamper (TSA)');
  const tokens = signatureTimeStampTokens(cms);
  const data = await collectValidationData(
    [...opts.signerChain, ...tokens.flatMap(cmsCertificates)],
    opts.revocation,
    opts.extraCertificates ? { extra: opts.extraCertificates } : {},
  );
  requireLevel(data, level, { acceptLowerLevel: opts.acceptLowerLevel === true });
  // The earlier signatures' validation data too (their problems do not fail this signature).
  await addEarlierSignaturesData(data, PdfReader.open(pdf), opts.revocation);
  let out = addDss(pdf, data);
  if (level === 'B-LTA')
    out = await addDocumentTimeStamp(
      out,
      opts.timeStamper!,
      opts.invisibleAppearanceStream ? { invisibleAppearanceStream: true } : {},
    );
  const reached = await confirmLevel(
    out,
    opts.fieldName,
    level,
    [...opts.signerChain, ...data.certs],
    opts.acceptLowerLevel ? { acceptLowerLevel: true } : {},
  );
  return { pdf: out, level: reached, validationData: data };
}

/**
 * One-step PAdES signature (ETSI EN 319 142-1): prepare the field and the ByteRange, sign its
 * digest with `options.signer`, embed the CMS, then by level add the DSS (B-LT) and a document
 * time-stamp (B-LTA), and confirm the level with kyso's verifier offline. The input is never
 * modified; every step appends an incremental update (ISO 32000-1 §7.5.6).
 *
 * Throws KysoError `INVALID_ARGUMENT` when B-T and above have no `timeStamper` or B-LT and above no
 * `revocation`, or the signer has no certificate; `PdfError` `PDF_REFUSED` / `PDF_MALFORMED` /
 * `PDF_LIMIT` from the preparation (see `preparePdfSignature`); `LevelNotReachedError` (KysoError
 * `NOT_FOUND`) when B-LT or B-LTA cannot be proven, unless `acceptLowerLevel`; the signer's and the
 * TSA's errors as they come.
 */
export async function signPdf(pdf: Uint8Array, options: SignPdfOptions): Promise<SignPdfResult> {
  const { level, prepared, cms } = await prepareAndSign(options, (opts) => preparePdfSignature(pdf, opts));
  const out = embedSignature(prepared, cms);
  const result: SignPdfResult = {
    pdf: out,
    fieldName: prepared.fieldName,
    level,
    requestedLevel: level,
    cms,
  };
  if (level === 'B-LT' || level === 'B-LTA') {
    const lt = await completeLongTermLevel(out, cms, {
      level,
      fieldName: prepared.fieldName,
      signerChain: options.signer.certificateChain,
      ...(options.timeStamper ? { timeStamper: options.timeStamper } : {}),
      ...(options.revocation ? { revocation: options.revocation } : {}),
      ...(options.extraCertificates ? { extraCertificates: options.extraCertificates } : {}),
      ...(options.acceptLowerLevel ? { acceptLowerLevel: true } : {}),
      ...(options.invisibleAppearanceStream ? { invisibleAppearanceStream: true } : {}),
    });
    result.pdf = lt.pdf;
    result.level = lt.level;
    if (lt.validationData) result.validationData = lt.validationData;
  }
  return result;
}

/**
 * Validation data for a Document Security Store (ETSI EN 319 142-1 §5.4.2, ISO 32000-2 §12.8.4.3):
 * DER certificates, DER OCSPResponses and DER CRLs, each written as a Flate-compressed stream.
 */
export interface DssData {
  /** DER certificates for /Certs. */
  certs?: readonly Uint8Array[];
  /** DER OCSPResponses (RFC 6960) for /OCSPs. */
  ocsps?: readonly Uint8Array[];
  /** DER CRLs (RFC 5280) for /CRLs. */
  crls?: readonly Uint8Array[];
}

/**
 * Appends an incremental update adding (or extending) the Document Security Store (ETSI EN 319
 * 142-1 §5.4.2): /Certs, /OCSPs, /CRLs arrays of streams. Items already present are not repeated.
 */
export function addDss(pdf: Uint8Array, data: DssData): Uint8Array {
  const appended = dssUpdate(PdfReader.open(pdf), data);
  const full = new Uint8Array(pdf.length + appended.length);
  full.set(pdf, 0);
  full.set(appended, pdf.length);
  return full;
}

/** The incremental update adding `data` to the DSS of the document `r` reads (see `addDss`). */
export function dssUpdate(r: PdfReader, data: DssData): Uint8Array {
  const w = new IncrementalWriter(r);
  const catalog = w.editDict(r.rootRef);
  const dssVal = catalog.get('DSS');
  let dss: PdfDict;
  if (dssVal instanceof PdfRef) dss = w.editDict(dssVal);
  else {
    dss = dssVal instanceof PdfDict ? dssVal.clone() : dict({ Type: PdfName.of('DSS') });
    catalog.set('DSS', w.add(dss));
  }
  const extend = (key: string, items: readonly Uint8Array[] | undefined) => {
    if (!items || items.length === 0) return;
    const existing = r.array(dss.get(key)) ?? [];
    const have: Uint8Array[] = [];
    for (const e of existing) {
      try {
        have.push(r.streamData(e));
      } catch {
        // unreadable entry: keep it, do not compare
      }
    }
    const arr: PdfObject[] = [...existing];
    for (const item of items) {
      if (have.some((h) => bytesEqual(h, item))) continue;
      have.push(item);
      arr.push(w.add(new PdfStream(dict({ Filter: PdfName.of('FlateDecode') }), deflate(item))));
    }
    dss.set(key, arr);
  };
  extend('Certs', data.certs);
  extend('OCSPs', data.ocsps);
  extend('CRLs', data.crls);
  return w.write().appended;
}

/** Options of a document time-stamp's preparation (`addDocumentTimeStamp` and its file variant). */
export function documentTimeStampOptions(
  placeholderSize: number,
  opts: { digestAlgorithm?: HashAlgorithm; fieldName?: string; invisibleAppearanceStream?: boolean },
): PreparePdfSignatureOptions {
  return {
    documentTimeStamp: true,
    placeholderSize,
    ...(opts.digestAlgorithm ? { digestAlgorithm: opts.digestAlgorithm } : {}),
    ...(opts.fieldName ? { fieldName: opts.fieldName } : {}),
    ...(opts.invisibleAppearanceStream ? { invisibleAppearanceStream: true } : {}),
  };
}

/** Appends a document time-stamp (B-LTA) over the whole document as it stands. */
export async function addDocumentTimeStamp(
  pdf: Uint8Array,
  timeStamper: TimeStamper,
  opts: {
    digestAlgorithm?: HashAlgorithm;
    placeholderSize?: number;
    fieldName?: string;
    /** Write an empty /AP on the zero-size widget (see PreparePdfSignatureOptions). */
    invisibleAppearanceStream?: boolean;
  } = {},
): Promise<Uint8Array> {
  const { prepared, value } = await fitPlaceholder(
    opts.placeholderSize,
    TIMESTAMP_ALLOWANCE + 2048,
    async (size) => {
      const prepared = await preparePdfSignature(pdf, documentTimeStampOptions(size, opts));
      return { prepared, value: await timeStamper(prepared.digest, prepared.digestAlgorithm) };
    },
  );
  return embedSignature(prepared, value);
}

export type { Certificate, PdfError };
