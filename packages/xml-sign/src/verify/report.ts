/**
 * XML validation report: the same verdict/reason shape as the PDF report of @kyso/pdf-sign
 * (status valid / invalid / indeterminate per signature, stable reason codes, signer summary with
 * Vietnamese identifiers, certificate validation at the signing time), rendered in vi or en.
 * Trust and revocation are inputs: a TrustStore, a revocation mode, a validation time.
 */
import {
  Certificate,
  DEFINITIVE_PATH_REASONS,
  type TrustStore,
  type ValidationReport,
  buildAndValidatePath,
  newRevocationChecker,
  OID,
  type Verdict,
} from '@kyso/pki-core';
import { xmlSignatureVerdict, xmlVerdict } from './xml-verdict.js';
import {
  type XmlSignatureResult,
  type VerifyXmlSignatureOptions,
  findSignatures,
  verifyXmlSignature,
} from '../dsig/verify.js';
import {
  type XadesResult,
  type XadesTimeStampResult,
  counterSignedSignature,
  verifyXades,
  xadesValidationData,
} from '../xades/xades.js';
import { DSIG_NS } from '../dsig/algorithms.js';
import { textOf } from '../dsig/reference.js';
import { type XmlDocument, type XmlElement, attr, childElements, descendants } from '../xml/dom.js';
import { type ParseXmlOptions, parseXml } from '../xml/parser.js';

/**
 * Outcome of a signature or document, in the three values of ETSI EN 319 102-1 §5.1.3 (TOTAL-PASSED,
 * TOTAL-FAILED, INDETERMINATE); the EN 319 102-1 indication and sub-indication are added by the
 * verdict functions (`xmlVerdict`).
 */
export type VerifyStatus = 'valid' | 'invalid' | 'indeterminate';
/**
 * How `verifyXml` gets revocation status (see `VerifyXmlOptions.revocation`): `embedded-only`
 * (default, CRLs in the signature only), `fetch` (then CRL/OCSP over HTTP), `soft-fail` (missing data
 * reported, not fatal), `off` (not checked).
 */
export type XmlRevocationMode = 'embedded-only' | 'fetch' | 'soft-fail' | 'off';

/** Options of `verifyXml`. Without a trust store every certificate is INDETERMINATE (NO_TRUST_ANCHORS). */
export interface VerifyXmlOptions extends Omit<VerifyXmlSignatureOptions, 'certificates'> {
  /** Trust anchors (e.g. the Vietnam National Root CA and the NEAC per-model roots). */
  trustStore?: TrustStore;
  /** Extra certificates (intermediates). */
  certificates?: readonly (Uint8Array | Certificate)[];
  /** Validation time (default: now). Certificates are validated at the time-stamp's time when there is one. */
  validationTime?: Date;
  /**
   * 'embedded-only' (default): CRLs in X509Data only, missing data makes the result indeterminate;
   * 'fetch': then CRL/OCSP over HTTP; 'soft-fail': missing data reported, not fatal; 'off'.
   */
  revocation?: XmlRevocationMode;
  /** Parser limits (defaults: `parseXml`'s). */
  parseOptions?: ParseXmlOptions;
}

/**
 * The signer as named by its certificate, for display (RFC 5280 subject attributes; Vietnamese
 * identifiers per the national PKI profile).
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
  /** Vietnamese identifiers: MST, CCCD, CMND… from UID, or written in the subject text. */
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

/** Validation of the signer's certificate path (RFC 5280 §6, ETSI EN 319 102-1 §5.2.6) at `validatedAt`. */
export interface CertificateValidation {
  /** `valid` when a path to a trust anchor validates at `validatedAt` with every status proven. */
  status: VerifyStatus;
  /** pki-core ValidationReason (or NO_TRUST_ANCHORS / NO_CERTIFICATE / CERTIFICATE_UNREADABLE). */
  reason?: string;
  /** Human-readable detail of `reason`. */
  detail?: string;
  /** The time the path was validated at, ISO 8601 UTC. */
  validatedAt: string;
  /**
   * Where `validatedAt` comes from: a passed signature time-stamp; else (B-LTA) a passed archive
   * time-stamp, the proof that the signature existed then (EN 319 102-1 past signature validation,
   * simplified: the signer's certificate, since expired, is validated at that time); else the
   * validation time.
   */
  timeSource: 'signature-timestamp' | 'archive-timestamp' | 'validation-time';
  /** Subjects of the path, leaf first, up to the trust anchor. */
  chain: string[];
  /**
   * The revocation check of each certificate of the path: status as pki-core's path validation reports
   * it, and its source (crl, ocsp or none).
   */
  revocation: { subject: string; status: string; source: string }[];
}

/**
 * The verification of one ds:Signature (XMLDSig 1.1 core validation, XAdES EN 319 132-1 properties,
 * certificate path at the signing time), counter-signatures included as signatures of their own.
 */
export interface XmlSignatureReport {
  /** Position of the signature in document order (0-based). */
  index: number;
  /** The Signature's Id attribute. */
  id?: string;
  /** Where the signature sits, e.g. `HDon/DSCKS/NBan`. */
  location: string;
  /**
   * `invalid` on a failed reference or signature value, `indeterminate` when the certificate path or a
   * status cannot be proven, else `valid`.
   */
  status: VerifyStatus;
  /** Stable codes of what made the status (empty when valid), e.g. SIGNATURE_INVALID, TIMESTAMP_INVALID. */
  reasons: string[];
  /** The signer, when its certificate is known. */
  signer?: SignerSummary;
  /**
   * The best signing time: a SignatureTimeStamp's genTime (proven), else the claimed XAdES SigningTime
   * or e-invoice SigningTime.
   */
  signingTime?: { time: string; source: 'signature-timestamp' | 'claimed-xades' | 'claimed-einvoice' };
  /** Core validation (XMLDSig 1.1 §3.2): the SignatureValue and each Reference, and what is signed. */
  integrity: {
    status: 'passed' | 'failed';
    signatureValid: boolean;
    references: { uri?: string; type?: string; valid: boolean; reason?: string }[];
    /** What is signed: element paths, `(whole document)` or `(detached) uri`. */
    signedData: string[];
  };
  /** Validation of the signer's certificate path. */
  certificate: CertificateValidation;
  /** The XAdES baseline level reached (ETSI EN 319 132-1 §6), or `XML-DSig` for a plain signature. */
  level: 'XML-DSig' | 'B-B' | 'B-T' | 'B-LT' | 'B-LTA';
  /** For a counter-signature: the index (in `signatures`) of the signature it countersigns. */
  counterSignatureOf?: number;
  /** The XAdES checks, for a signature with QualifyingProperties. */
  xades?: XadesResult;
  /** Remarks that do not change the status (SHA-1 algorithms, unchecked items). */
  warnings: string[];
  /** The core result, with the signed nodes (not serialised). */
  result: XmlSignatureResult;
  /** The EN 319 102-1 verdict of this signature (`xmlSignatureVerdict`), as `kyso xml verify --json` prints it. */
  verdict: Verdict;
}

/**
 * The result of `verifyXml`: every ds:Signature of the document in document order. Render it with
 * `renderXmlReport` (vi/en) or `xmlEtsiReport` (ETSI TS 119 102-2 XML).
 */
export interface XmlValidationReport {
  /** Every signature valid (`status === 'valid'`). */
  valid: boolean;
  /** The worst status of the signatures (`indeterminate` when the document has none). */
  status: VerifyStatus;
  /** The validation time, ISO 8601 UTC. */
  validationTime: string;
  /** The revocation mode used. */
  revocationMode: XmlRevocationMode;
  /** Every signature, in document order. */
  signatures: XmlSignatureReport[];
  /** The EN 319 102-1 verdict of the document (`xmlVerdict`: the worst signature's). */
  verdict: Verdict;
}

/**
 * The display summary of a certificate's subject: CN, O, title and the Vietnamese identifiers (MST,
 * CCCD, CMND, HC, MNS) from UID attributes, or written as `MST=…` / `MST:…` inside another attribute
 * (older certificates).
 */
export function signerSummary(c: Certificate): SignerSummary {
  const ids = c.subject.vnIdentifiers.map((i) => ({ type: i.prefix || 'UID', value: i.value }));
  if (ids.length === 0) {
    // Test and older certificates write "MST=…" inside another attribute (often the CN).
    const values = c.subject.rdns.flatMap((rdn) => rdn.map((a) => a.value)).join(' ');
    for (const m of values.matchAll(/\b(MST|CCCD|CMND|HC|MNS)\s*[:=]\s*([0-9A-Za-z-]+)/g))
      ids.push({ type: m[1]!, value: m[2]! });
  }
  const s: SignerSummary = {
    subject: c.subject.toString(),
    identifiers: ids,
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

function elementPath(el: XmlElement): string {
  const parts: string[] = [];
  let n: XmlElement | XmlDocument = el;
  while (n.kind === 'element') {
    const id = attr(n, 'Id') ?? attr(n, 'ID') ?? attr(n, 'id');
    parts.unshift(id ? `${n.local}[@Id='${id}']` : n.local);
    n = n.parent;
  }
  return parts.join('/');
}

/** The e-invoice SigningTime in the signature's own Object (local Vietnam time, no zone). */
function einvoiceSigningTime(sig: XmlElement): Date | undefined {
  for (const o of childElements(sig, DSIG_NS, 'Object')) {
    for (const e of descendants(o)) {
      if (e.local !== 'SigningTime' || e.ns === 'http://uri.etsi.org/01903/v1.3.2#') continue;
      const t = textOf(e).trim();
      const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.exec(t);
      if (!m) return undefined;
      const d = new Date(m[3] ? t : `${m[1]}+07:00`);
      return Number.isNaN(d.getTime()) ? undefined : d;
    }
  }
  return undefined;
}

/** Verifies every ds:Signature of a document and builds the report (never throws for "invalid"). */
export async function verifyXml(
  input: Uint8Array | string | XmlDocument,
  opts: VerifyXmlOptions = {},
): Promise<XmlValidationReport> {
  const doc = typeof input === 'object' && 'kind' in input ? input : parseXml(input, opts.parseOptions);
  const now = opts.validationTime ?? new Date();
  const mode = opts.revocation ?? 'embedded-only';
  const extra = (opts.certificates ?? []).map((c) => (c instanceof Certificate ? c : Certificate.fromDer(c)));
  const reports: XmlSignatureReport[] = [];
  // Counter-signatures and signatures nested in signed objects are reported too, in document order.
  const sigs = findSignatures(doc);
  for (const [index, sig] of sigs.entries()) {
    const r = verifyXmlSignature(doc, sig, { ...opts, certificates: extra });
    const x = await verifyXades(r, {
      ...(opts.trustStore ? { trustStore: opts.trustStore } : {}),
      certificates: extra,
      ...(opts.resolveDetached ? { resolveDetached: opts.resolveDetached } : {}),
      ...(opts.parseOptions ? { parseOptions: opts.parseOptions } : {}),
    });
    const reasons: string[] = [];
    const leaf = r.key && 'certificate' in r.key ? r.key.certificate : r.keyInfo.certificates[0];
    const stamp = x.signatureTimeStamps.find((t) => t.status === 'passed' && t.genTime);
    const archive = stamp ? undefined : archivePoe(x.archiveTimeStamps, now);
    const at = stamp?.genTime ?? archive ?? now;
    const lt = xadesValidationData(sig);
    const ltCerts = lt.certificates.flatMap((d) => {
      try {
        return [Certificate.fromDer(d)];
      } catch {
        return [];
      }
    });
    const cert = await validateCertificate(
      leaf,
      [...r.keyInfo.certificates, ...ltCerts, ...extra],
      [...r.keyInfo.crls, ...lt.crls],
      lt.ocspResponses,
      at,
      stamp ? 'signature-timestamp' : archive ? 'archive-timestamp' : 'validation-time',
      opts.trustStore,
      mode,
    );
    let status: VerifyStatus = 'valid';
    if (!r.valid) {
      status = 'invalid';
      reasons.push(r.error?.reason ?? 'SIGNATURE_INVALID');
    }
    if (cert.status !== 'valid') {
      reasons.push(cert.reason ?? 'CERTIFICATE_INDETERMINATE');
      if (cert.status === 'invalid') status = 'invalid';
      else if (status === 'valid') status = 'indeterminate';
    }
    if (firstQp(sig) && (!x.signedPropertiesCovered || !x.signingCertificateMatches)) {
      reasons.push(
        x.signedPropertiesCovered
          ? 'XADES_SIGNING_CERTIFICATE_MISMATCH'
          : 'XADES_SIGNED_PROPERTIES_NOT_SIGNED',
      );
      if (status === 'valid') status = 'indeterminate';
    }
    if (x.signatureTimeStamps.some((t) => t.status === 'failed')) reasons.push('TIMESTAMP_INVALID');
    if (x.archiveTimeStamps.some((t) => t.status === 'failed')) reasons.push('ARCHIVE_TIMESTAMP_INVALID');
    if (x.counterSignatureOf && !x.counterSignatureOf.countersignedValueCovered) {
      // A counter-signature that does not sign the countersigned SignatureValue is not one.
      reasons.push('COUNTERSIGNED_VALUE_NOT_COVERED');
      status = 'invalid';
    }
    const signedData = r.references.map((ref) =>
      ref.signed?.kind === 'element'
        ? elementPath(ref.signed.element)
        : ref.signed?.kind === 'document'
          ? '(whole document)'
          : `(detached) ${ref.uri ?? ''}`,
    );
    const claimed = x.signingTime ? { time: x.signingTime, source: 'claimed-xades' as const } : undefined;
    const evTime = einvoiceSigningTime(sig);
    const signingTime = stamp?.genTime
      ? { time: stamp.genTime.toISOString(), source: 'signature-timestamp' as const }
      : claimed
        ? { time: claimed.time.toISOString(), source: claimed.source }
        : evTime
          ? { time: evTime.toISOString(), source: 'claimed-einvoice' as const }
          : undefined;
    const location = sig.parent.kind === 'element' ? elementPath(sig.parent) : '/';
    const master = counterSignedSignature(sig);
    const masterIndex = master ? sigs.indexOf(master) : -1;
    reports.push({
      index,
      ...(r.id ? { id: r.id } : {}),
      location,
      status,
      reasons,
      ...(leaf ? { signer: signerSummary(leaf) } : {}),
      ...(signingTime ? { signingTime } : {}),
      integrity: {
        status: r.valid ? 'passed' : 'failed',
        signatureValid: r.signatureValid,
        references: r.references.map((ref) => ({
          ...(ref.uri !== undefined ? { uri: ref.uri } : {}),
          ...(ref.type ? { type: ref.type } : {}),
          valid: ref.valid,
          ...(ref.error ? { reason: ref.error.reason } : {}),
        })),
        signedData,
      },
      certificate: cert,
      level: x.level ?? 'XML-DSig',
      ...(masterIndex >= 0 ? { counterSignatureOf: masterIndex } : {}),
      ...(x.signedPropertiesCovered || x.problems.length > 0 ? { xades: x } : {}),
      warnings: r.warnings,
      result: r,
      verdict: xmlSignatureVerdict({ status, reasons, certificate: cert }),
    });
  }
  const status: VerifyStatus =
    reports.length === 0
      ? 'indeterminate'
      : reports.some((r) => r.status === 'invalid')
        ? 'invalid'
        : reports.some((r) => r.status === 'indeterminate')
          ? 'indeterminate'
          : 'valid';
  return {
    valid: status === 'valid',
    status,
    validationTime: now.toISOString(),
    revocationMode: mode,
    signatures: reports,
    verdict: xmlVerdict({ signatures: reports }),
  };
}

/**
 * Proof of existence from the archive time-stamps: the earliest genTime of a passed one (it covers
 * the SignatureValue and everything signed), when before `now`.
 */
function archivePoe(stamps: readonly XadesTimeStampResult[], now: Date): Date | undefined {
  const times = stamps
    .filter((t) => t.status === 'passed' && t.genTime && t.genTime.getTime() < now.getTime())
    .map((t) => t.genTime!.getTime());
  return times.length > 0 ? new Date(Math.min(...times)) : undefined;
}

function firstQp(sig: XmlElement): boolean {
  return childElements(sig, DSIG_NS, 'Object').some((o) =>
    childElements(o).some((c) => c.local === 'QualifyingProperties'),
  );
}

async function validateCertificate(
  leaf: Certificate | undefined,
  pool: Certificate[],
  crls: Uint8Array[],
  ocspResponses: Uint8Array[],
  at: Date,
  timeSource: CertificateValidation['timeSource'],
  trustStore: TrustStore | undefined,
  mode: XmlRevocationMode,
): Promise<CertificateValidation> {
  const base = { validatedAt: at.toISOString(), timeSource, chain: [] as string[], revocation: [] };
  if (!leaf)
    return { status: 'indeterminate', reason: 'NO_CERTIFICATE', detail: 'no signer certificate', ...base };
  if (!trustStore) {
    return {
      status: 'indeterminate',
      reason: 'NO_TRUST_ANCHORS',
      detail: 'no trust anchors were given: the certificate was not validated',
      ...base,
    };
  }
  const policy = mode === 'embedded-only' ? 'require' : mode === 'fetch' ? 'require' : mode;
  let rep: ValidationReport;
  try {
    rep = await buildAndValidatePath({
      leaf,
      intermediates: pool,
      trustStore,
      time: at,
      ...(mode !== 'off'
        ? {
            revocation: newRevocationChecker({
              crls,
              ocspResponses,
              certificates: pool,
              policy,
              fetch: mode === 'fetch',
            }),
          }
        : {}),
    });
  } catch (e) {
    return {
      status: 'indeterminate',
      reason: 'CERTIFICATE_UNREADABLE',
      detail: (e as Error).message,
      ...base,
    };
  }
  const reason = rep.reason ?? undefined;
  return {
    status: rep.valid ? 'valid' : reason && DEFINITIVE_PATH_REASONS.has(reason) ? 'invalid' : 'indeterminate',
    ...(reason ? { reason } : {}),
    ...(rep.detail ? { detail: rep.detail } : {}),
    validatedAt: at.toISOString(),
    timeSource,
    chain: rep.chain.map((c) => c.subject.toString()),
    revocation: rep.revocation.map((l) => ({
      subject: l.subject ?? '',
      status: l.status,
      source: l.source ?? 'none',
    })),
  };
}
