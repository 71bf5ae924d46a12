/**
 * The full PDF signature verifier (PAdES, ETSI EN 319 142-1 / EN 319 102-1 in outline). For each
 * signature and document time-stamp, in revision order:
 *  1. integrity (integrity.ts): ByteRange [0 a b c] whose gap is exactly /Contents and whose end
 *     is the end of a revision; digest; CMS signature; signing-certificate(-v2) for PAdES;
 *  2. certificate validation with pki-core at the proven signing time: the signature time-stamp's
 *     genTime when it is valid, else the genTime of a valid document time-stamp over the
 *     signature, else the validation time; revocation data from the DSS and the CMS itself (and
 *     HTTP with `revocation: 'fetch'`). Data issued after the signing time is accepted when it
 *     says "good" (or "revoked" later than the signing time), as past-signature validation does;
 *  3. the PAdES level actually reached (B-B, B-T, B-LT with revocation data in the document for
 *     the signer and TSA chains, B-LTA with a valid document time-stamp over that DSS);
 *  4. modification analysis (modifications.ts) of every later revision against the DocMDP
 *     permission (P=1 DSS/time-stamps only; P=2 or no certification: also form filling and
 *     signing; P=3: also annotations) and FieldMDP locks.
 * Validation outcomes are a report; malformed PDFs throw PdfError.
 */
import {
  type Certificate,
  Certificate as Cert,
  CertificatePool,
  Crl,
  type Clock,
  type KysoRevocationChecker,
  type RevocationChecker,
  type RevocationContext,
  type RevocationResult,
  type TrustStore,
  type ValidationReport,
  DEFINITIVE_PATH_REASONS,
  buildAndValidatePath,
  der,
  newRevocationChecker,
  systemClock,
  parseCms,
  parseOcspResponse,
  parseTimeStampToken,
  OID,
  type Verdict,
  worstVerdict,
} from '@kyso/pki-core';
import { pdfSignatureVerdict, pdfVerdict } from './pdf-verdict.js';
import { type PdfDict, PdfRef, PdfString } from '../pdf/objects.js';
import { PdfReader } from '../pdf/reader.js';
import { type IntegrityCheck, type SignatureIntegrityReport, verifyPdfIntegrity } from './integrity.js';
import {
  type ModificationFinding,
  type ModificationLevel,
  type ModificationPolicy,
  type RevisionDiff,
  allowedLevel,
  diffRevision,
  levelRank,
  maxLevel,
} from './modifications.js';
import { repairFindings } from './changes/repair.js';
import { type PdfSignatureInfo, findSignatures } from './signatures.js';
import { type PdfInput, toSource } from './source.js';

/**
 * How `verifyPdf` gets revocation status (see `VerifyPdfOptions.revocation`): `dss-only` (default,
 * document data only, missing data is fatal), `fetch` (then CRL/OCSP over HTTP), `soft-fail` (missing
 * data reported, not fatal), `off` (not checked, said so in the report).
 */
export type RevocationMode = 'dss-only' | 'fetch' | 'soft-fail' | 'off';
/**
 * Outcome of one check or signature, in the three values of ETSI EN 319 102-1 §5.1.3 (TOTAL-PASSED,
 * TOTAL-FAILED, INDETERMINATE). The EN 319 102-1 indication and sub-indication are in `verdict`
 * (`withVerdicts`, `pdfVerdict`).
 */
export type VerifyStatus = 'valid' | 'invalid' | 'indeterminate';
/**
 * The PAdES baseline level a signature actually reaches (ETSI EN 319 142-1 §6), as proven by what the
 * document holds: `B-T` needs a valid signature time-stamp, `B-LT` revocation data in the document for
 * the signer and TSA chains, `B-LTA` a valid document time-stamp over that DSS; `none` for a signature
 * that is not PAdES (e.g. adbe.pkcs7.detached) or not valid.
 */
export type PadesLevelReached = 'B-B' | 'B-T' | 'B-LT' | 'B-LTA' | 'none';

/**
 * Options of `verifyPdf` and `verifyPdfFile`. Without options the document is verified against no
 * trust anchors (every certificate INDETERMINATE / NO_TRUST_ANCHORS), at the current time, with the
 * revocation data the document carries.
 */
export interface VerifyPdfOptions {
  /** Trust anchors. Without anchors every certificate is indeterminate (NO_TRUST_ANCHORS). */
  trustStore?: TrustStore;
  /** Validation time (default `clock.now()`): used when no time-stamp proves an earlier time. */
  time?: Date;
  /** Where "now" comes from when `time` is not given (default the system clock). */
  clock?: Clock;
  /**
   * 'dss-only' (default): revocation data in the document (DSS, CMS) only, missing data is fatal;
   * 'fetch': then CRL/OCSP over HTTP; 'soft-fail': document data, missing data reported but not
   * fatal; 'off': not checked (said so in the report).
   */
  revocation?: RevocationMode;
  /**
   * A revocation checker asked when the document's own data (DSS, CMS) does not settle a
   * certificate's status, in place of the HTTP fetcher of `revocation: 'fetch'` (e.g. a server's
   * CRL/OCSP cache, or a test double). Its "unknown" is fatal unless `revocation` is 'soft-fail'.
   */
  revocationChecker?: RevocationChecker;
  /**
   * Rules judging the changes after each signature (default `defaultModificationPolicy`). A policy
   * can explain more kinds of change; changes no rule explains are always OTHER.
   */
  modificationPolicy?: ModificationPolicy;
}

/**
 * The signer as named by its certificate, for display (the subject's attributes as ISO/IEC 9594 /
 * RFC 5280 names them; Vietnamese identifiers per the national PKI profile).
 */
export interface SignerSummary {
  /** The subject distinguished name (RFC 4514 string). */
  subject: string;
  /** CN (2.5.4.3). */
  commonName?: string;
  /** O (2.5.4.10). */
  organization?: string;
  /** Title (T, 2.5.4.12), e.g. the official's position. */
  title?: string;
  /** Vietnamese identifiers from UID: CCCD, CMND, HC, MST, MNS. */
  identifiers: { type: string; value: string }[];
  /** The issuer distinguished name (RFC 4514 string). */
  issuer: string;
  /** Certificate serial number, hex. */
  serialNumber: string;
  /** Validity start, ISO 8601 UTC. */
  notBefore: string;
  /** Validity end, ISO 8601 UTC. */
  notAfter: string;
}

/**
 * Where a signature's signing time comes from, most to least trustworthy: the signature time-stamp's
 * genTime, a later document time-stamp's genTime (both proven by a TSA), the /M entry, or the CMS
 * signingTime attribute (both claimed by the signer, not proof).
 */
export type SigningTimeSource = 'signature-timestamp' | 'document-timestamp' | 'claimed-m' | 'claimed-cms';

/** The revocation check of one certificate of a validated path (RFC 5280 §6.3 CRL / RFC 6960 OCSP). */
export interface RevocationLine {
  /** The certificate's subject (RFC 4514 string). */
  subject: string;
  /** `good`, `revoked` or `unknown` (or `not-checked` with revocation `off`). */
  status: string;
  /** crl / ocsp / none. */
  source: string;
  /** Where the data came from: the document (DSS or CMS), HTTP, or nowhere. */
  origin: 'embedded' | 'fetched' | 'none';
  /** Why, in words (e.g. the revocation date and reason, or what was missing). */
  detail?: string;
}

/**
 * Validation of a signer's or TSA's certificate path (RFC 5280 §6, ETSI EN 319 102-1 §5.2.6 X.509
 * certificate validation) at the time given by `validatedAt`.
 */
export interface CertificateValidation {
  /** `valid` when a path to a trust anchor validates at `validatedAt` with every status proven. */
  status: VerifyStatus;
  /** pki-core ValidationReason (or NO_TRUST_ANCHORS / NO_CERTIFICATE). */
  reason?: string;
  /** Human-readable detail of `reason`. */
  detail?: string;
  /** The time the path was validated at, and why that time. */
  validatedAt: string;
  /** Why `validatedAt` is that time: a proven or claimed signing time, or the validation time itself. */
  timeSource: SigningTimeSource | 'validation-time';
  /** Subjects of the path, leaf first, up to the trust anchor (empty when no path was built). */
  chain: string[];
  /** Revocation status of each certificate of the path except the anchor. */
  revocation: RevocationLine[];
}

/**
 * A signature time-stamp (RFC 3161 token in the unsigned attribute signature-time-stamp, ETSI EN 319
 * 122-1 §5.3) and its verification.
 */
export interface TimestampSummary {
  /** The token's genTime, ISO 8601 UTC. */
  genTime?: string;
  /** Whether the token verifies (imprint over the signature value, TSA signature, TSA certificate path). */
  status: VerifyStatus;
  /** The TSA certificate's subject. */
  tsa?: string;
  /** Stable code of what made the status, when not valid. */
  reason?: string;
  /** Why, when the time-stamp is not valid. */
  detail?: string;
  /** Validation of the TSA's certificate path. */
  certificate?: CertificateValidation;
}

/**
 * What changed in the document after a signature, against what its DocMDP permission (ISO 32000-2
 * §12.8.2.2) and FieldMDP locks (§12.8.2.4) allow.
 */
export interface ChangeSummary {
  /** Highest level of the changes after this signature. */
  level: ModificationLevel;
  /** Highest level the DocMDP permission allows. */
  allowedLevel: ModificationLevel;
  /** Whether every change is allowed. */
  allowed: boolean;
  /** Each change found, classified, with whether it is allowed. */
  findings: (ModificationFinding & { allowed: boolean })[];
}

/**
 * The verification of one signature or document time-stamp (ISO 32000-2 §12.8, PAdES ETSI EN 319
 * 142-1): integrity, certificate path, time-stamp, PAdES level and the changes after it.
 */
export interface PdfSignatureReport {
  /** Position of the signature in document order (0-based). */
  index: number;
  /** Fully qualified name of the signature field. */
  field: string;
  /** A signature, or a document time-stamp (/Type /DocTimeStamp, ISO 32000-2 §12.8.5). */
  kind: 'signature' | 'doc-timestamp';
  /** The /SubFilter (ETSI.CAdES.detached, adbe.pkcs7.detached, ETSI.RFC3161...). */
  subFilter?: string;
  /** Revision the signature covers (0-based). */
  revision?: number;
  /** Whether the ByteRange covers the whole file (false: later incremental updates exist, see `changes`). */
  coversWholeFile: boolean;
  /**
   * Overall status: `invalid` on any failed integrity check or disallowed change, `indeterminate` when
   * the path or a status cannot be proven, else `valid`.
   */
  status: VerifyStatus;
  /** Stable codes of what made the status (empty when valid). */
  reasons: string[];
  /** The signer (for a document time-stamp: the TSA). */
  signer?: SignerSummary;
  /** The best signing time and where it comes from. */
  signingTime?: { time: string; source: SigningTimeSource };
  /** The /M the signer claimed (not proof). */
  claimedTime?: string;
  /**
   * Integrity checks (ISO 32000-2 §12.8.1 ByteRange, CMS RFC 5652 §5.4 digest and signature): `intact`
   * the ByteRange digest matches, `signatureValid` the CMS signature verifies, `coverage` whether the
   * signature covers the whole file, one revision, or an invalid range.
   */
  integrity: {
    status: 'passed' | 'failed';
    intact: boolean;
    signatureValid: boolean;
    coverage: 'whole-file' | 'revision' | 'invalid';
    checks: IntegrityCheck[];
  };
  /** Validation of the signer's certificate path at the signing time. */
  certificate: CertificateValidation;
  /** The signature time-stamp, when there is one. */
  timestamp?: TimestampSummary;
  /** The PAdES level reached. */
  level: PadesLevelReached;
  /** Where the revocation data used came from: the document, HTTP, both, or nowhere. */
  revocationSource: 'embedded' | 'fetched' | 'mixed' | 'none';
  /** PAdES baseline deviations (they lower the level, not the validity). */
  conformance: { code: string; detail: string }[];
  /** DocMDP permission P (1, 2, 3) when this is a certification signature. */
  docMdp?: number;
  /** The /Reason of the signature dictionary. */
  reason?: string;
  /** The /Location of the signature dictionary. */
  location?: string;
  /** The changes made after this signature and whether its permissions allow them. */
  changes: ChangeSummary;
  /** The EN 319 102-1 verdict of this signature (`pdfSignatureVerdict`), as `kyso pdf verify --json` prints it. */
  verdict: Verdict;
}

/**
 * The result of `verifyPdf`: every signature and document time-stamp, in document order, with the
 * revision-by-revision modification analysis. Add the ETSI EN 319 102-1 verdicts with `withVerdicts`,
 * or render it with `renderReport` (vi/en text) or `pdfEtsiReport` (ETSI TS 119 102-2 XML).
 */
export interface PdfValidationReport {
  /** Every signature and time-stamp valid, and no disallowed change after any of them. */
  valid: boolean;
  /** The worst status of the signatures (`indeterminate` when the document has none). */
  status: VerifyStatus;
  /** The validation time, ISO 8601 UTC. */
  validationTime: string;
  /** The revocation mode used. */
  revocationMode: RevocationMode;
  /** Number of revisions of the document (1 + incremental updates). */
  revisions: number;
  /** DocMDP permission of the certification signature. */
  certification?: { field: string; p: number };
  /** Every signature and document time-stamp, in document order. */
  signatures: PdfSignatureReport[];
  /** Revision-by-revision modification analysis (from the first signed revision on). */
  modifications: RevisionDiff[];
  /** The EN 319 102-1 verdict of the document (`pdfVerdict`: the worst signature's). */
  verdict: Verdict;
}

// ---------------------------------------------------------------------------------------------

/** Later evaluation times tried for revocation data issued after the signing time. */
const MAX_REVOCATION_TIMES = 16;

interface ValidationData {
  certs: Uint8Array[];
  crls: Uint8Array[];
  ocsps: Uint8Array[];
}

function dssData(r: PdfReader): ValidationData {
  const out: ValidationData = { certs: [], crls: [], ocsps: [] };
  const dss = r.dict(r.catalog().get('DSS'));
  if (!dss) return out;
  const take = (k: string, into: Uint8Array[]) => {
    for (const s of r.array(dss.get(k)) ?? []) {
      try {
        into.push(r.streamData(s));
      } catch {
        // an unreadable entry is simply not usable
      }
    }
  };
  take('Certs', out.certs);
  take('CRLs', out.crls);
  take('OCSPs', out.ocsps);
  return out;
}

/** Certificates, CRLs and OCSP responses carried by a CMS (SignedData sets, Adobe's attribute). */
function cmsData(contents: Uint8Array): ValidationData {
  const out: ValidationData = { certs: [], crls: [], ocsps: [] };
  try {
    const sd = parseCms(contents).signedData;
    out.certs.push(...sd.certificates);
    out.crls.push(...sd.crls);
    for (const o of sd.otherRevocationInfo) if (o.format === OID.riOcspResponse) out.ocsps.push(o.info);
    for (const si of sd.signerInfos) {
      for (const a of si.signedAttrs ?? []) {
        if (a.type !== OID.adbeRevocationInfoArchival) continue;
        for (const v of a.values) {
          try {
            const seq = new der.DerReader(der.DerReader.single(v, der.Tag.SEQUENCE).value);
            while (!seq.done) {
              const el = seq.read();
              const list = new der.DerReader(der.DerReader.single(el.value, der.Tag.SEQUENCE).value);
              const items = list.readAll().map((x) => x.raw);
              if (el.tag === 0xa0) out.crls.push(...items);
              else if (el.tag === 0xa1) out.ocsps.push(...items);
            }
          } catch {
            // malformed archival attribute: ignored
          }
        }
      }
      // Signature time-stamp tokens bring the TSA chain.
      for (const a of si.unsignedAttrs ?? []) {
        if (a.type !== OID.timeStampToken) continue;
        for (const tok of a.values) {
          try {
            out.certs.push(...parseCms(tok).signedData.certificates);
          } catch {
            // judged by the CMS verifier
          }
        }
      }
    }
  } catch {
    // malformed CMS: reported by the integrity check
  }
  return out;
}

const certKey = (c: Certificate) => `${c.issuer.toString()}#${c.serialHex}`;

/**
 * Revocation over the document's data (and optionally HTTP). Data issued after the validation
 * time T is evaluated at its own issuance time (up to the certificate's notAfter): "good" then
 * means not revoked at T; "revoked" after T does not invalidate what was proven before.
 */
class DocumentRevocationChecker implements RevocationChecker {
  readonly origins = new Map<string, 'embedded' | 'fetched' | 'none'>();
  constructor(
    readonly offline: KysoRevocationChecker,
    readonly online: RevocationChecker | undefined,
    readonly laterTimes: readonly Date[],
    readonly mode: RevocationMode,
  ) {}

  async check(cert: Certificate, issuer: Certificate, ctx: RevocationContext): Promise<RevocationResult> {
    const key = certKey(cert);
    if (this.mode === 'off') {
      this.origins.set(key, 'none');
      return { status: 'not-checked', source: 'none', detail: 'revocation checking is off' };
    }
    const r = await this.offlineCheck(cert, issuer, ctx);
    if (r.status !== 'unknown') {
      this.origins.set(key, r.status === 'not-checked' ? 'none' : 'embedded');
      return r;
    }
    if (this.online) {
      const f = await this.online.check(cert, issuer, ctx);
      if (f.status === 'good' || f.status === 'revoked') {
        this.origins.set(key, 'fetched');
        return f;
      }
    }
    this.origins.set(key, 'none');
    return { ...r, fatal: this.mode !== 'soft-fail' };
  }

  async offlineCheck(
    cert: Certificate,
    issuer: Certificate,
    ctx: RevocationContext,
  ): Promise<RevocationResult> {
    const r = await this.offline.check(cert, issuer, ctx);
    if (r.status !== 'unknown') return r;
    const t0 = ctx.time.getTime();
    for (const t of this.laterTimes) {
      if (t.getTime() <= t0 || t.getTime() > cert.notAfter.getTime()) continue;
      const later = await this.offline.check(cert, issuer, { ...ctx, time: t });
      const when = `document data evaluated at ${t.toISOString()}, after ${ctx.time.toISOString()}`;
      if (later.status === 'good') return { ...later, detail: `${later.detail ?? 'good'} (${when})` };
      if (later.status === 'revoked') {
        if (later.revocationTime && later.revocationTime.getTime() > t0) {
          return {
            status: 'good',
            source: later.source,
            detail: `revoked on ${later.revocationTime.toISOString()}, after ${ctx.time.toISOString()} (${when})`,
          };
        }
        return later;
      }
    }
    return r;
  }
}

function signerSummary(c: Certificate): SignerSummary {
  const s: SignerSummary = {
    subject: c.subject.toString(),
    identifiers: c.subject.vnIdentifiers.map((i) => ({ type: i.prefix || 'UID', value: i.value })),
    issuer: c.issuer.toString(),
    serialNumber: c.serialHex,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
  };
  const cn = c.subject.commonName;
  if (cn) s.commonName = cn;
  const o = c.subject.get('O')[0];
  if (o) s.organization = o;
  const t = c.subject.get(OID.title)[0];
  if (t) s.title = t;
  return s;
}

/** PDF date (D:YYYYMMDDHHmmSSOHH'mm') to a Date; undefined when unparseable. */
export function parsePdfDate(s: string | undefined): Date | undefined {
  if (!s) return undefined;
  const m =
    /^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:([Zz+-])(?:(\d{2})'?(\d{2})?'?)?)?/.exec(
      s.trim(),
    );
  if (!m) return undefined;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', se = '00', tz, th = '00', tm = '00'] = m;
  let ms = Date.UTC(+y!, +mo - 1, +d, +h, +mi, +se);
  if (tz === '+' || tz === '-') ms -= (tz === '+' ? 1 : -1) * (+th * 60 + +tm) * 60_000;
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

function pathValidation(
  rep: ValidationReport | undefined,
  at: Date,
  timeSource: CertificateValidation['timeSource'],
  checker: DocumentRevocationChecker,
  noAnchors: boolean,
): CertificateValidation {
  if (!rep) {
    return {
      status: 'indeterminate',
      reason: noAnchors ? 'NO_TRUST_ANCHORS' : 'NO_CERTIFICATE',
      detail: noAnchors
        ? 'no trust anchors were given: the certificate was not validated'
        : 'no signer certificate to validate',
      validatedAt: at.toISOString(),
      timeSource,
      chain: [],
      revocation: [],
    };
  }
  const reason = rep.reason ?? undefined;
  const status: VerifyStatus = rep.valid
    ? 'valid'
    : reason && DEFINITIVE_PATH_REASONS.has(reason)
      ? 'invalid'
      : 'indeterminate';
  const out: CertificateValidation = {
    status,
    validatedAt: at.toISOString(),
    timeSource,
    chain: rep.chain.map((c) => c.subject.toString()),
    revocation: rep.revocation.map((x) => {
      const c = rep.chain[x.certIndex];
      const line: RevocationLine = {
        subject: x.subject,
        status: x.status,
        source: x.source,
        origin: (c && checker.origins.get(certKey(c))) ?? (x.source === 'none' ? 'none' : 'embedded'),
      };
      if (x.detail) line.detail = x.detail;
      return line;
    }),
  };
  if (reason) out.reason = reason;
  if (rep.detail) out.detail = rep.detail;
  // A valid path whose revocation was not established (soft-fail or off) says so.
  if (rep.valid && out.revocation.some((l) => l.status !== 'good' && l.status !== 'not-checked'))
    out.detail = 'revocation status not established for every certificate (soft-fail)';
  return out;
}

/** What the per-signature phases of verifyPdf share. */
interface PdfVerifyContext {
  reader: PdfReader;
  options: VerifyPdfOptions;
  /** The validation time when nothing proves an earlier one. */
  now: Date;
  checker: DocumentRevocationChecker;
  /** Certificates of the DSS and of every CMS (intermediates for every path). */
  extraCerts: Certificate[];
  diffs: RevisionDiff[];
  /** Valid document time-stamps (proof of existence for the revisions they cover). */
  dtsOk: { revision: number; genTime: Date }[];
}

/**
 * Phase: a report per signature, and for each document time-stamp its TSA path at genTime;
 * the valid ones are recorded in `ctx.dtsOk`.
 */
async function documentTimestampPhase(
  ctx: PdfVerifyContext,
  signatures: readonly SignatureIntegrityReport[],
): Promise<PdfSignatureReport[]> {
  const { options, now, checker, extraCerts, dtsOk } = ctx;
  const reports: PdfSignatureReport[] = [];
  for (const [i, ir] of signatures.entries()) {
    const rep = baseReport(i, ir);
    reports.push(rep);
    if (ir.signature.kind !== 'doc-timestamp') continue;
    const tsaCert = ir.tsp?.signerCertificate;
    const genTime = ir.tsp?.genTime;
    if (tsaCert) rep.signer = signerSummary(tsaCert);
    if (genTime) rep.signingTime = { time: genTime.toISOString(), source: 'document-timestamp' };
    let path: ValidationReport | undefined;
    if (tsaCert && genTime && options.trustStore) {
      path = await buildAndValidatePath({
        leaf: tsaCert,
        intermediates: new CertificatePool([
          ...extraCerts,
          ...(ir.tsp ? tokenCerts(ir.signature.contents) : []),
        ]),
        trustStore: options.trustStore,
        time: genTime,
        purpose: 'timeStamping',
        revocation: checker,
      });
    }
    rep.certificate = pathValidation(
      path,
      genTime ?? now,
      'document-timestamp',
      checker,
      !options.trustStore,
    );
    if (rep.status === 'valid' && rep.certificate.status === 'valid' && genTime && ir.revision !== undefined)
      dtsOk.push({ revision: ir.revision, genTime });
  }
  return reports;
}

/**
 * Phase: one signature: its proof of existence (signature time-stamp, else a later document
 * time-stamp), the signer path at that time, the time-stamp summary, PAdES conformance and the
 * level reached, and where the revocation data came from.
 */
async function signaturePhase(
  ctx: PdfVerifyContext,
  ir: SignatureIntegrityReport,
  rep: PdfSignatureReport,
): Promise<void> {
  const { reader, options, now, checker, extraCerts, diffs, dtsOk } = ctx;
  const si = ir.cms?.signers[0];
  const cert = si?.signerCertificate ?? undefined;
  if (cert) rep.signer = signerSummary(cert);
  const claimed = parsePdfDate(ir.signature.m);
  if (claimed) rep.claimedTime = claimed.toISOString();
  const ts = si?.timestamp;
  const tsValid = ts?.valid === true && ts.genTime !== undefined;
  // Proof of existence: the signature time-stamp, else a document time-stamp over the signature.
  const dtsPoe = dtsOk.find((d) => ir.revision !== undefined && d.revision >= ir.revision);
  let at = now;
  let timeSource: CertificateValidation['timeSource'] = 'validation-time';
  let path = si?.path;
  if (tsValid) {
    at = ts.genTime!;
    timeSource = 'signature-timestamp';
    rep.signingTime = { time: at.toISOString(), source: 'signature-timestamp' };
  } else if (dtsPoe && dtsPoe.genTime.getTime() < now.getTime()) {
    at = dtsPoe.genTime;
    timeSource = 'document-timestamp';
    if (cert && options.trustStore) {
      path = await buildAndValidatePath({
        leaf: cert,
        intermediates: new CertificatePool([...(ir.cms?.certificates ?? []), ...extraCerts]),
        trustStore: options.trustStore,
        time: at,
        purpose: 'any',
        revocation: checker,
      });
    }
  }
  if (!rep.signingTime) {
    if (claimed) rep.signingTime = { time: claimed.toISOString(), source: 'claimed-m' };
    else if (si?.signingTime) rep.signingTime = { time: si.signingTime.toISOString(), source: 'claimed-cms' };
  }
  rep.certificate = pathValidation(
    cert ? path : undefined,
    at,
    timeSource,
    checker,
    !options.trustStore && !!cert,
  );
  if (ts) {
    const bad = ts.checks.find((c) => c.status !== 'passed');
    const tsa: TimestampSummary = {
      status: ts.valid
        ? 'valid'
        : bad?.status === 'indeterminate' || bad?.reason === 'TIMESTAMP_TSA_INVALID'
          ? 'indeterminate'
          : 'invalid',
    };
    if (ts.genTime) tsa.genTime = ts.genTime.toISOString();
    if (ts.tsaCertificate) tsa.tsa = ts.tsaCertificate.subject.toString();
    if (bad?.reason) tsa.reason = bad.reason;
    if (bad?.detail) tsa.detail = bad.detail;
    if (ts.path && ts.genTime)
      tsa.certificate = pathValidation(ts.path, ts.genTime, 'signature-timestamp', checker, false);
    rep.timestamp = tsa;
    if (tsa.status !== 'valid') {
      rep.reasons.push(`TIMESTAMP_${tsa.status.toUpperCase()}`);
      if (tsa.status === 'invalid') rep.status = 'invalid';
      else if (rep.status === 'valid') rep.status = 'indeterminate';
    }
  }
  // Conformance and level.
  const pades = ir.signature.subFilter === 'ETSI.CAdES.detached';
  const essOk = si?.checks.some((c) => c.check === 'signing-certificate' && c.status === 'passed') === true;
  if (pades && si?.signingTime)
    rep.conformance.push({
      code: 'PADES_CMS_SIGNING_TIME',
      detail: 'a PAdES signature must not carry the CMS signing-time attribute (the time is /M)',
    });
  if (pades && !ir.signature.m)
    rep.conformance.push({ code: 'PADES_NO_M', detail: 'the signature dictionary has no /M' });
  if (!pades)
    rep.conformance.push({
      code: 'NOT_PADES',
      detail: `SubFilter ${ir.signature.subFilter ?? '(none)'}: not a PAdES baseline signature`,
    });
  let level: PadesLevelReached = 'none';
  if (
    pades &&
    essOk &&
    rep.integrity.status === 'passed' &&
    !rep.conformance.some((c) => c.code !== 'PADES_NO_M')
  ) {
    level = 'B-B';
    if (tsValid || dtsPoe) level = 'B-T';
    if (level === 'B-T') {
      const chains = [path?.chain ?? [], ts?.path?.chain ?? []];
      const complete = await documentHasRevocationData(chains, checker, at);
      const hasDss = reader.catalog().has('DSS');
      if (complete && hasDss) {
        level = 'B-LT';
        const dssAfter = diffs.find(
          (d) =>
            ir.revision !== undefined &&
            d.revision > ir.revision &&
            d.findings.some((f) => f.code === 'DSS_UPDATED'),
        );
        if (dssAfter && dtsOk.some((d) => d.revision >= dssAfter.revision)) level = 'B-LTA';
      }
    }
  }
  rep.level = level;
  const origins = [...rep.certificate.revocation, ...(rep.timestamp?.certificate?.revocation ?? [])].map(
    (l) => l.origin,
  );
  rep.revocationSource =
    origins.length === 0 || origins.every((o) => o === 'none')
      ? 'none'
      : origins.every((o) => o !== 'fetched')
        ? 'embedded'
        : origins.every((o) => o === 'fetched')
          ? 'fetched'
          : 'mixed';
}

/** Phase: the changes after one signature, against DocMDP (its allowed level) and FieldMDP locks. */
function changesPhase(
  rep: PdfSignatureReport,
  ir: SignatureIntegrityReport,
  diffs: readonly RevisionDiff[],
  docMdp: number | undefined,
  locks: ReturnType<typeof fieldLocks>,
): void {
  const allowed = allowedLevel(docMdp);
  rep.changes.allowedLevel = allowed;
  const rev = ir.revision;
  if (rev === undefined) return;
  for (const d of diffs) {
    if (d.revision <= rev) continue;
    for (const f of d.findings) {
      const ok = levelRank(f.level) <= levelRank(allowed);
      rep.changes.findings.push({ ...f, allowed: ok });
      rep.changes.level = maxLevel(rep.changes.level, f.level);
    }
    for (const name of d.changedFields) {
      const lock = locks.find((l) => l.revision < d.revision && l.locks(name));
      if (lock)
        rep.changes.findings.push({
          revision: d.revision,
          level: 'OTHER',
          code: 'FIELD_CHANGED',
          description: `field '${name}' changed although signature '${lock.field}' locked it (FieldMDP)`,
          field: name,
          allowed: false,
        });
    }
  }
  rep.changes.allowed = rep.changes.findings.every((f) => f.allowed);
  if (!rep.changes.allowed) {
    rep.status = 'invalid';
    rep.reasons.push('DISALLOWED_CHANGES');
  }
  // Allowed changes a viewer may show over what was signed: at best INDETERMINATE.
  const doubtful = rep.changes.findings.filter((f) => f.allowed && f.indeterminate);
  if (doubtful.length) {
    if (rep.status === 'valid') rep.status = 'indeterminate';
    for (const code of new Set(doubtful.map((f) => f.code))) rep.reasons.push(code);
  }
}

/**
 * Phase: the validation data in the document (the DSS and every CMS), its certificates that
 * parse, and the issuance times of its CRLs and OCSP responses (later evaluation times for
 * revocation data issued after the signing time).
 */
function collectValidationData(
  reader: PdfReader,
  sigs: ReturnType<typeof findSignatures>,
): { all: ValidationData; extraCerts: Certificate[]; laterTimes: Set<number> } {
  const data = dssData(reader);
  const perCms = sigs.map((s) => cmsData(s.contents));
  const all: ValidationData = {
    certs: [...data.certs, ...perCms.flatMap((d) => d.certs)],
    crls: [...data.crls, ...perCms.flatMap((d) => d.crls)],
    ocsps: [...data.ocsps, ...perCms.flatMap((d) => d.ocsps)],
  };
  const extraCerts: Certificate[] = [];
  for (const c of all.certs) {
    try {
      extraCerts.push(Cert.fromDer(c));
    } catch {
      // not a certificate we can use
    }
  }
  const laterTimes = new Set<number>();
  for (const o of all.ocsps) {
    try {
      const p = parseOcspResponse(o);
      if (p.basic) {
        laterTimes.add(p.basic.producedAt.getTime());
        for (const s of p.basic.responses) laterTimes.add(s.thisUpdate.getTime());
      }
    } catch {
      // unusable
    }
  }
  for (const c of all.crls) {
    try {
      for (const crl of Crl.parseAll(c)) laterTimes.add(crl.thisUpdate.getTime());
    } catch {
      // unusable
    }
  }
  return { all, extraCerts, laterTimes };
}

/**
 * Verifies every signature and document time-stamp of a PDF, given in memory or as a `ByteSource`
 * (`verifyPdfFile(path)` opens a file: only the objects needed are read and the signed ranges are
 * hashed as a stream, so a large document is never held in memory).
 */
export async function verifyPdf(
  input: PdfInput,
  options: VerifyPdfOptions = {},
): Promise<PdfValidationReport> {
  const now = options.time ?? (options.clock ?? systemClock).now();
  const mode: RevocationMode = options.revocation ?? 'dss-only';
  const src = toSource(input);
  const reader = PdfReader.open(src);
  const revisions = reader.revisions();
  const sigs = findSignatures(reader);

  // Validation data in the document: the DSS and every CMS.
  const { all, extraCerts, laterTimes } = collectValidationData(reader, sigs);

  // Integrity first (ByteRange, digest, CMS), with trust and revocation for the CMS verifier.
  const offline = newRevocationChecker({
    crls: all.crls,
    ocspResponses: all.ocsps,
    certificates: extraCerts,
    policy: 'soft-fail',
  });
  const online: RevocationChecker | undefined =
    options.revocationChecker ??
    (mode === 'fetch'
      ? newRevocationChecker({ fetch: true, certificates: extraCerts, policy: 'soft-fail' })
      : undefined);
  const dtsTimes: Date[] = [];
  const makeChecker = () =>
    new DocumentRevocationChecker(
      offline,
      online,
      [...new Set([...laterTimes, ...dtsTimes.map((d) => d.getTime())])]
        .sort((a, b) => a - b)
        .slice(0, MAX_REVOCATION_TIMES)
        .map((t) => new Date(t)),
      mode,
    );
  // Document time-stamp genTimes are POE for the validation data: read them before the signatures.
  for (const s of sigs) {
    if (s.kind !== 'doc-timestamp') continue;
    try {
      const { tstInfo } = parseTimeStampToken(s.contents);
      dtsTimes.push(tstInfo.genTime);
    } catch {
      // reported by the integrity check
    }
  }
  const checker = makeChecker();
  const integrity = await verifyPdfIntegrity(src, {
    reader,
    revisions,
    cmsOptions: () => ({
      ...(options.trustStore ? { trustStore: options.trustStore } : {}),
      time: now,
      revocation: checker,
      certificates: extraCerts,
    }),
  });

  // Modification analysis: every revision after the first signed one.
  const firstSigned = Math.min(...integrity.signatures.map((s) => s.revision ?? revisions.length));
  const readers = new Map<number, PdfReader>();
  // The newest revision usually ends the file: its reader is the one already open.
  if (revisions.length > 0 && revisions[revisions.length - 1]!.end === src.length)
    readers.set(revisions.length - 1, reader);
  const diffs: RevisionDiff[] = [];
  for (let j = Math.max(1, firstSigned + 1); j < revisions.length; j++)
    diffs.push(diffRevision(src, revisions, j, readers, options.modificationPolicy));
  // What a repairing viewer reads beyond the xref chain (trailing data, corrected offsets...).
  for (const f of repairFindings(reader, revisions, firstSigned)) {
    let d = diffs.find((x) => x.revision === f.revision);
    if (!d) {
      d = { revision: f.revision, level: 'NONE', findings: [], changedFields: [] };
      diffs.push(d);
    }
    d.findings.push(f);
    d.level = maxLevel(d.level, f.level);
  }

  // Certification and locks.
  const certSig = sigs.find((s) => s.docMdp !== undefined);
  const docMdp = certSig?.docMdp;
  const locks = fieldLocks(reader, sigs, integrity.signatures);

  // Document time-stamps: token, TSA path at genTime.
  const dtsOk: { revision: number; genTime: Date }[] = [];
  const ctx: PdfVerifyContext = { reader, options, now, checker, extraCerts, diffs, dtsOk };
  const reports = await documentTimestampPhase(ctx, integrity.signatures);

  // Signatures.
  for (const [i, ir] of integrity.signatures.entries())
    if (ir.signature.kind === 'signature') await signaturePhase(ctx, ir, reports[i]!);

  // Changes after each signature, against DocMDP and FieldMDP.
  for (const [i, ir] of integrity.signatures.entries()) changesPhase(reports[i]!, ir, diffs, docMdp, locks);

  // Bottom line per signature.
  for (const rep of reports) {
    if (rep.integrity.status !== 'passed') {
      rep.status = 'invalid';
      rep.reasons.unshift('INTEGRITY');
    }
    if (rep.certificate.status !== 'valid') {
      rep.reasons.push(`CERTIFICATE_${rep.certificate.reason ?? rep.certificate.status.toUpperCase()}`);
      if (rep.certificate.status === 'invalid') rep.status = 'invalid';
      else if (rep.status === 'valid') rep.status = 'indeterminate';
    }
    rep.verdict = pdfSignatureVerdict(rep);
  }
  const status: VerifyStatus =
    reports.length === 0
      ? 'indeterminate'
      : reports.some((r) => r.status === 'invalid')
        ? 'invalid'
        : reports.some((r) => r.status === 'indeterminate')
          ? 'indeterminate'
          : 'valid';
  const out: PdfValidationReport = {
    valid: status === 'valid',
    status,
    validationTime: now.toISOString(),
    revocationMode: mode,
    revisions: revisions.length,
    signatures: reports,
    modifications: diffs,
    verdict: pdfVerdict({ signatures: reports }),
  };
  if (certSig && docMdp !== undefined) out.certification = { field: certSig.fieldName, p: docMdp };
  return out;
}

function baseReport(index: number, ir: SignatureIntegrityReport): PdfSignatureReport {
  const s = ir.signature;
  const intactOk = ir.intact && ir.valid && ir.coverageOk && ir.checks.every((c) => c.status === 'passed');
  const rep: PdfSignatureReport = {
    index,
    field: s.fieldName,
    kind: s.kind,
    coversWholeFile: ir.coversWholeFile,
    status: intactOk ? 'valid' : 'invalid',
    reasons: [],
    integrity: {
      status: intactOk ? 'passed' : 'failed',
      intact: ir.intact,
      signatureValid: ir.valid,
      coverage: !ir.coverageOk ? 'invalid' : ir.coversWholeFile ? 'whole-file' : 'revision',
      checks: ir.checks,
    },
    certificate: {
      status: 'indeterminate',
      validatedAt: '',
      timeSource: 'validation-time',
      chain: [],
      revocation: [],
    },
    level: 'none',
    revocationSource: 'none',
    conformance: [],
    changes: { level: 'NONE', allowedLevel: 'FORM_FILLING', allowed: true, findings: [] },
    // Replaced by the bottom line of verifyPdf, once every phase has run.
    verdict: worstVerdict([]),
  };
  if (s.subFilter) rep.subFilter = s.subFilter;
  if (ir.revision !== undefined) rep.revision = ir.revision;
  if (s.docMdp !== undefined) rep.docMdp = s.docMdp;
  if (s.reason !== undefined) rep.reason = s.reason;
  if (s.location !== undefined) rep.location = s.location;
  return rep;
}

function tokenCerts(token: Uint8Array): Certificate[] {
  try {
    return parseCms(token).signedData.certificates.map((c) => Cert.fromDer(c));
  } catch {
    return [];
  }
}

/** Whether the document's own data answers revocation for every non-anchor certificate of the chains. */
async function documentHasRevocationData(
  chains: Certificate[][],
  checker: DocumentRevocationChecker,
  at: Date,
): Promise<boolean> {
  let any = false;
  for (const chain of chains) {
    for (let k = 0; k + 1 < chain.length; k++) {
      const c = chain[k]!;
      if (c.ocspNoCheck) continue;
      any = true;
      const r = await checker.offlineCheck(c, chain[k + 1]!, { time: at, path: chain, index: k });
      if (r.status !== 'good') return false;
    }
  }
  return any;
}

interface FieldLockInfo {
  field: string;
  revision: number;
  locks(name: string): boolean;
}

/** FieldMDP locks of each signature (its /Reference FieldMDP transform, or the field's /Lock). */
function fieldLocks(
  r: PdfReader,
  sigs: PdfSignatureInfo[],
  reports: SignatureIntegrityReport[],
): FieldLockInfo[] {
  const out: FieldLockInfo[] = [];
  for (const [i, s] of sigs.entries()) {
    const rev = reports[i]?.revision;
    if (rev === undefined || s.objectNumber === undefined) continue;
    const sd = r.dict(new PdfRef(s.objectNumber, 0));
    const params: PdfDict[] = [];
    for (const ref of r.array(sd?.get('Reference')) ?? []) {
      const rd = r.dict(ref);
      if (rd?.name('TransformMethod') === 'FieldMDP') {
        const p = r.dict(rd.get('TransformParams'));
        if (p) params.push(p);
      }
    }
    for (const p of params) {
      const action = p.name('Action');
      const names = (r.array(p.get('Fields')) ?? [])
        .map((x) => r.resolve(x))
        .filter((x): x is PdfString => x instanceof PdfString)
        .map((x) => x.text());
      const matches = (n: string) => names.some((x) => n === x || n.startsWith(`${x}.`));
      out.push({
        field: s.fieldName,
        revision: rev,
        locks: (n) =>
          n !== s.fieldName && (action === 'All' ? true : action === 'Include' ? matches(n) : !matches(n)),
      });
    }
  }
  return out;
}
