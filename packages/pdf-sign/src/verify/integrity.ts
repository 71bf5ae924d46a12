/**
 * Minimal integrity verifier (the full PAdES verifier with trust, revocation and change analysis
 * is built on it later): for each signature and document time-stamp, the ByteRange is well formed
 * and covers the file (or a whole revision) except exactly the /Contents string; the digest of the
 * ranges matches the CMS messageDigest (or the token's imprint); the CMS signature verifies with
 * the embedded signer certificate. Results are reports; malformed PDFs throw PdfError.
 */
import {
  type CheckStatus,
  type CmsVerifyOptions,
  type CmsDigestAlgorithm,
  type CmsVerifyReport,
  type TimeStampVerifyReport,
  parseTimeStampToken,
  verifyCms,
  verifyTimeStampToken,
} from '@kyso/pki-core';
import { PdfReader, type PdfRevision } from '../pdf/reader.js';
import type { ByteSource } from '../pdf/source.js';
import { hashByteRangeSource } from '../sign/hash.js';
import { type PdfSignatureInfo, findSignatures, revisionEndingAt } from './signatures.js';
import { type PdfInput, readRanges, toSource } from './source.js';

/** The status of one check line: pki-core's (one vocabulary for every report). */
export type { CheckStatus } from '@kyso/pki-core';

/**
 * The integrity checks of a PDF signature, in the order they run: `byte-range` (well-formed /ByteRange
 * whose gap is exactly /Contents, ISO 32000-2 §12.8.1), `coverage` (the whole file or a whole
 * revision), `cms` (the CMS parses, RFC 5652), `message-digest` (the ByteRange digest equals the signed
 * messageDigest), `signature` (the signer's signature verifies), `signing-certificate` (ESS
 * signing-certificate(-v2) matches the signer, required by PAdES EN 319 142-1).
 */
export type IntegrityCheckName =
  | 'byte-range'
  | 'coverage'
  | 'cms'
  | 'message-digest'
  | 'signature'
  | 'signing-certificate';

/** Stable reason codes of the integrity checks of a PDF signature. */
export const INTEGRITY_REASONS = [
  'BYTE_RANGE_MISSING',
  'BYTE_RANGE_MALFORMED',
  'BYTE_RANGE_NOT_AT_CONTENTS',
  'BYTE_RANGE_OUT_OF_FILE',
  'COVERS_WHOLE_FILE',
  'COVERS_REVISION',
  'COVERAGE_PARTIAL',
  'CMS_MALFORMED',
  'DIGEST_MISMATCH',
  'SIGNATURE_INVALID',
  'ESS_MISSING',
  'ESS_MISMATCH',
  'UNSUPPORTED',
] as const;
/** A stable reason code of a PDF signature's integrity checks. */
export type IntegrityReason = (typeof INTEGRITY_REASONS)[number];

/** One integrity check line: which check, its status, and a stable reason code when it did not pass. */
export interface IntegrityCheck {
  /** Which check. */
  check: IntegrityCheckName;
  /** `passed`, `failed` or `indeterminate`. */
  status: CheckStatus;
  /** Stable reason code (see `INTEGRITY_REASONS`). */
  reason?: IntegrityReason;
  /** Human-readable detail (not stable: do not script against it). */
  detail?: string;
}

/**
 * Integrity of one signature or document time-stamp (no trust, no revocation): what
 * `verifyPdfIntegrity` reports and `verifyPdf` builds on.
 */
export interface SignatureIntegrityReport {
  /** The signature as found in the document. */
  signature: PdfSignatureInfo;
  /** The ranges hash to the signed digest. */
  intact: boolean;
  /** The cryptographic signature verifies (with the embedded certificate). */
  valid: boolean;
  /** ByteRange well formed and covering the file or a whole revision, except /Contents. */
  coverageOk: boolean;
  /** The ByteRange ends at the end of the file (no later incremental update). */
  coversWholeFile: boolean;
  /** Index of the revision the signature covers (its last revision), when it ends on one. */
  revision?: number;
  /** The check lines, in order. */
  checks: IntegrityCheck[];
  /** Signer (or TSA) certificate subject. */
  signer?: string;
  /** Signature time-stamp or document time-stamp genTime. */
  timestamp?: Date;
  /** 'SHAKE256' (64-byte output) only for Ed448 signatures (RFC 8419). */
  digestAlgorithm?: CmsDigestAlgorithm;
  /** The CMS verification report (signatures), with trust when the caller asked for it. */
  cms?: CmsVerifyReport;
  /** The RFC 3161 token report (document time-stamps). */
  tsp?: TimeStampVerifyReport;
}

/** Options of `verifyPdfIntegrity`. */
export interface IntegrityOptions {
  /** Extra verifyCms options per signature (trust store, time, revocation) for the full verifier. */
  cmsOptions?: (sig: PdfSignatureInfo) => Promise<Partial<CmsVerifyOptions>> | Partial<CmsVerifyOptions>;
  /** An open reader of the document (saves re-reading the cross-reference chain). */
  reader?: PdfReader;
  /** The document's revisions (`reader.revisions()`), when the caller has them. */
  revisions?: PdfRevision[];
}

/** The result of `verifyPdfIntegrity`: the integrity of every signature and document time-stamp. */
export interface PdfIntegrityReport {
  /** Every signature intact, valid and well covering. */
  ok: boolean;
  /** Number of revisions of the document (1 + incremental updates). */
  revisions: number;
  /** One report per signature, in document order. */
  signatures: SignatureIntegrityReport[];
}

/** Largest signed content verified in memory for signatures without signed attributes. */
export const MAX_INLINE_CONTENT = 64 * 1024 * 1024;

const HASHES: readonly CmsDigestAlgorithm[] = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512', 'SHAKE256'];

/** Step 1: the ByteRange shape: [0 a b c], integers, a < b, the gap exactly the /Contents string. */
function byteRangeCheck(
  sig: ReturnType<typeof findSignatures>[number],
  br: readonly number[],
  size: number,
): IntegrityCheck {
  const wellFormed =
    br.length === 4 && br.every((x) => Number.isInteger(x) && x >= 0) && br[0] === 0 && br[1]! < br[2]!;
  if (!wellFormed) {
    return {
      check: 'byte-range',
      status: 'failed',
      reason: 'BYTE_RANGE_MALFORMED',
      detail: `[${br.join(' ')}]`,
    };
  } else if (br[2]! + br[3]! > size) {
    return {
      check: 'byte-range',
      status: 'failed',
      reason: 'BYTE_RANGE_OUT_OF_FILE',
      detail: `[${br.join(' ')}] but the file has ${size} bytes`,
    };
  } else if (!sig.contentsSpan || sig.contentsSpan[0] !== br[1] || sig.contentsSpan[1] !== br[2]) {
    return {
      check: 'byte-range',
      status: 'failed',
      reason: 'BYTE_RANGE_NOT_AT_CONTENTS',
      detail: `gap ${br[1]}..${br[2]} vs /Contents ${sig.contentsSpan ? `${sig.contentsSpan[0]}..${sig.contentsSpan[1]}` : 'not a direct string'}`,
    };
  } else return { check: 'byte-range', status: 'passed' };
}

/** Step 1b: what the signed bytes cover: the whole file, a whole revision, or part of one. */
function checkCoverage(
  rep: SignatureIntegrityReport,
  br: readonly number[],
  revisions: PdfRevision[],
  src: Parameters<typeof revisionEndingAt>[1],
  size: number,
): void {
  const end = br[2]! + br[3]!;
  const rev = revisionEndingAt(revisions, src, end);
  if (rev) rep.revision = rev.index;
  if (end === size) {
    rep.coversWholeFile = true;
    rep.checks.push({ check: 'coverage', status: 'passed', reason: 'COVERS_WHOLE_FILE' });
  } else if (rev) {
    rep.checks.push({
      check: 'coverage',
      status: 'passed',
      reason: 'COVERS_REVISION',
      detail: `revision ${rev.index} (ends at ${end}); later revisions need change analysis`,
    });
  } else {
    rep.checks.push({
      check: 'coverage',
      status: 'failed',
      reason: 'COVERAGE_PARTIAL',
      detail: `signed bytes end at ${end}, not at the end of a revision`,
    });
  }
  rep.coverageOk = rep.checks[1]!.status === 'passed';
}

/**
 * Step 2's digests of the signed ranges as given (even when malformed, for the report), one per
 * algorithm, memoised; empty when the ranges are not usable or leave the file (`usable` is then
 * undefined, else the ranges).
 */
function rangeDigests(
  src: ByteSource,
  br: readonly number[],
  size: number,
): { digestOf: (alg: CmsDigestAlgorithm) => Promise<Uint8Array>; usable: readonly number[] | undefined } {
  const ranges = br.length % 2 === 0 && br.every((x) => Number.isInteger(x) && x >= 0) ? br : undefined;
  const inFile = ranges?.every((_, i) => i % 2 === 1 || ranges[i]! + ranges[i + 1]! <= size) === true;
  const digests = new Map<CmsDigestAlgorithm, Promise<Uint8Array>>();
  const digestOf = (alg: CmsDigestAlgorithm): Promise<Uint8Array> => {
    if (!ranges || !inFile) return Promise.resolve(new Uint8Array(0));
    let d = digests.get(alg);
    if (!d) {
      d = src.hashRanges
        ? src.hashRanges(alg, ranges)
        : Promise.resolve().then(() => hashByteRangeSource(alg, src, ranges));
      digests.set(alg, d);
    }
    return d;
  };
  return { digestOf, usable: ranges && inFile ? ranges : undefined };
}

/**
 * Integrity of every signature and document time-stamp. `input` is the document in memory or a
 * `ByteSource` (e.g. `new FileSource(path)`: the ranges are hashed as a stream, only the objects
 * needed are read).
 */
export async function verifyPdfIntegrity(
  input: PdfInput,
  options: IntegrityOptions = {},
): Promise<PdfIntegrityReport> {
  const src = options.reader?.source ?? toSource(input);
  const r = options.reader ?? PdfReader.open(src);
  const revisions = options.revisions ?? r.revisions();
  const size = src.length;
  const reports: SignatureIntegrityReport[] = [];
  for (const sig of findSignatures(r)) {
    const checks: IntegrityCheck[] = [];
    const rep: SignatureIntegrityReport = {
      signature: sig,
      intact: false,
      valid: false,
      coverageOk: false,
      coversWholeFile: false,
      checks,
    };
    reports.push(rep);
    const br = sig.byteRange;
    // 1. ByteRange shape: [0 a b c], integers, a < b, the gap is exactly the /Contents string.
    if (!br) {
      checks.push({ check: 'byte-range', status: 'failed', reason: 'BYTE_RANGE_MISSING' });
      continue;
    }
    checks.push(byteRangeCheck(sig, br, size));
    const rangeOk = checks[0]!.status === 'passed';
    if (rangeOk) checkCoverage(rep, br, revisions, src, size);
    // 2. Digest and signature (over the ranges as given, even when malformed, for the report).
    const { digestOf, usable } = rangeDigests(src, br, size);
    try {
      if (sig.trailingDataAt !== undefined) {
        // Only zero padding may follow the CMS: anything else is data nobody signed or checks.
        checks.push({
          check: 'cms',
          status: 'failed',
          reason: 'CMS_MALFORMED',
          detail: `non-zero byte at offset ${sig.trailingDataAt} of /Contents after the ${sig.contents.length}-byte CMS (only zero padding may follow)`,
        });
        continue;
      }
      if (sig.kind === 'doc-timestamp') {
        const { tstInfo, signedData } = parseTimeStampToken(sig.contents);
        const alg = tstInfo.messageImprint.hashAlgorithm;
        rep.digestAlgorithm = alg;
        const t = await verifyTimeStampToken(sig.contents, { digest: await digestOf(alg), certificates: [] });
        rep.tsp = t;
        const find = (n: string) => t.checks.find((c) => c.check === n);
        const imprint = find('message-imprint');
        rep.intact = imprint?.status === 'passed';
        checks.push({
          check: 'message-digest',
          status: rep.intact ? 'passed' : 'failed',
          ...(rep.intact ? {} : { reason: 'DIGEST_MISMATCH' as const }),
        });
        const sigCheck = find('signature');
        rep.valid = sigCheck?.status === 'passed';
        checks.push({
          check: 'signature',
          status: rep.valid ? 'passed' : sigCheck ? 'failed' : 'indeterminate',
          ...(rep.valid
            ? {}
            : { reason: 'SIGNATURE_INVALID' as const, detail: sigCheck?.reason ?? 'no signature check' }),
        });
        rep.timestamp = tstInfo.genTime;
        if (t.signerCertificate) rep.signer = t.signerCertificate.subject.toString();
        void signedData;
      } else {
        const extra = options.cmsOptions ? await options.cmsOptions(sig) : {};
        let cms = await verifyCms(sig.contents, {
          ...extra,
          contentDigest: digestOf,
          requireSigningCertificate: sig.subFilter === 'ETSI.CAdES.detached',
        });
        // A SignerInfo without signed attributes signs the content itself: give it the ranges
        // (bounded: such legacy signatures are verified in memory only up to MAX_INLINE_CONTENT).
        const noAttrs =
          cms.signers[0]?.checks.some((c) => c.check === 'signed-attributes' && c.status !== 'passed') ||
          cms.signers[0]?.checks.some((c) => /no signed attributes/.test(c.detail ?? ''));
        let inline = false;
        if (noAttrs && usable) {
          const total = usable.reduce((n, x, i) => (i % 2 === 1 ? n + x : n), 0);
          if (total <= MAX_INLINE_CONTENT) {
            const content = readRanges(src, usable);
            cms = await verifyCms(sig.contents, { ...extra, content });
            inline = true;
          }
        }
        rep.cms = cms;
        const si = cms.signers[0];
        if (!si || cms.detached === false) {
          checks.push({
            check: 'cms',
            status: 'failed',
            reason: 'CMS_MALFORMED',
            detail: !si ? 'no SignerInfo' : 'the CMS carries encapsulated content (must be detached)',
          });
        } else {
          const find = (n: string) => si.checks.find((c) => c.check === n);
          // Without signed attributes the signature itself covers the content (verified inline).
          const md = inline ? find('signature') : find('message-digest');
          rep.intact = md?.status === 'passed';
          checks.push({
            check: 'message-digest',
            status: md?.status ?? 'indeterminate',
            ...(rep.intact
              ? {}
              : { reason: 'DIGEST_MISMATCH' as const, detail: md?.detail ?? md?.reason ?? '' }),
          });
          const sc = find('signature');
          rep.valid = rep.intact && sc?.status === 'passed';
          checks.push({
            check: 'signature',
            status: sc?.status ?? 'indeterminate',
            ...(sc?.status === 'passed'
              ? {}
              : { reason: 'SIGNATURE_INVALID' as const, detail: sc?.detail ?? sc?.reason ?? '' }),
          });
          const ess = find('signing-certificate');
          if (ess)
            checks.push({
              check: 'signing-certificate',
              status: ess.status,
              ...(ess.status === 'passed'
                ? {}
                : {
                    reason:
                      ess.reason === 'ESS_MISSING' ? ('ESS_MISSING' as const) : ('ESS_MISMATCH' as const),
                  }),
            });
          if (si.signerCertificate) rep.signer = si.signerCertificate.subject.toString();
          if (si.timestamp?.genTime) rep.timestamp = si.timestamp.genTime;
          if (HASHES.includes(si.digestAlgorithm as CmsDigestAlgorithm))
            rep.digestAlgorithm = si.digestAlgorithm as CmsDigestAlgorithm;
        }
      }
    } catch (e) {
      checks.push({ check: 'cms', status: 'failed', reason: 'CMS_MALFORMED', detail: (e as Error).message });
      rep.intact = false;
      rep.valid = false;
    }
  }
  const ok = reports.length > 0 && reports.every((x) => x.intact && x.valid && x.coverageOk);
  return { ok, revisions: revisions.length, signatures: reports };
}
