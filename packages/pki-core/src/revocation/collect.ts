/**
 * Validation data for the LT levels (PAdES, XAdES, CAdES B-LT): certificates, OCSP responses and
 * CRLs for a signer chain and its time-stamp authorities' chains, gathered through an injectable
 * `RevocationDataFetcher` (tests use a local CA, the CLIs `onlineRevocationFetcher`). Moved here
 * from pdf-sign so pdf-sign and xml-sign share one collector.
 *
 * What is collected is checked before it is kept (issue 13): an OCSP response must be successful,
 * signed by the CA or a responder the CA authorised (RFC 6960 §4.2.2.2), say `good` for the
 * certificate and be fresh at the signing time; otherwise the CRLs are tried (RFC 5280 §6.3 through
 * checkWithCrls: signed by the issuer, current, not listing the certificate). Only data that
 * proves a status is kept; every certificate without such data is a `problem` naming the
 * certificate and what was missing, and `requireLevel` turns problems into a typed error.
 */
import { bytesEqual } from '../bytes.js';
import { Crl } from '../crl.js';
import { KysoError } from '../errors.js';
import { buildOcspRequest, createCertId } from '../ocsp/request.js';
import { verifyOcspResponse } from '../ocsp/verify.js';
import { Certificate } from '../x509/certificate.js';
import { checkWithCrls } from './crl-check.js';
import { type FetcherOptions, RevocationFetcher } from './fetcher.js';

/**
 * Where validation data for the LT levels comes from (PAdES/XAdES/CAdES B-LT, EN 319 142-1 §5.4 /
 * EN 319 132-1): an OCSP response and/or CRLs per certificate, given its issuer. Both methods are
 * optional; return undefined / [] when there is nothing. `onlineRevocationFetcher` fetches from the
 * certificate's AIA and CRL distribution points; tests and offline signers pass their own.
 */
export interface RevocationDataFetcher {
  /** A DER OCSPResponse for `cert`, or undefined. */
  ocsp?(cert: Certificate, issuer: Certificate): Promise<Uint8Array | undefined>;
  /** DER CRLs covering `cert`. */
  crls?(cert: Certificate, issuer: Certificate): Promise<Uint8Array[]>;
}

/** A certificate whose status the collected data does not prove, and why. */
export interface ValidationDataProblem {
  /** The certificate's subject (RFC 4514 string). */
  subject: string;
  /** Serial number, hex. */
  serialNumber: string;
  /** What was missing or wrong, e.g. "OCSP: certStatus unknown; CRL: none published". */
  missing: string;
  /** True when OCSP or a CRL says the certificate is revoked. */
  revoked?: boolean;
}

/**
 * Validation data gathered for a signer chain and its TSA chains by `collectValidationData`: DER
 * certificates, OCSP responses and CRLs, each checked to prove a status before it was kept (what a
 * PAdES DSS or XAdES CertificateValues/RevocationValues carries), and the certificates left unproven.
 */
export interface CollectedValidationData {
  /** DER certificates of the chains (and their OCSP responders' certificates), without duplicates. */
  certs: Uint8Array[];
  /** DER OCSPResponse (RFC 6960) bodies that prove a `good` status at the signing time. */
  ocsps: Uint8Array[];
  /** DER CRLs (RFC 5280) that prove a certificate is not revoked. */
  crls: Uint8Array[];
  /** Subjects of the certificates for which no status-proving data was found (non-root). */
  missing: string[];
  /** The same certificates with the reason (what was tried and why it did not prove status). */
  problems: ValidationDataProblem[];
}

/**
 * A PAdES level (B-LT, B-LTA) that cannot be reached: the validation data does not prove the
 * status of `problems` (each names its certificate), or the verifier did not confirm the level.
 */
export class LevelNotReachedError extends KysoError {
  /** The level asked for (`B-LT`, `B-LTA`). */
  readonly level: string;
  /** The certificates whose status is not proven, each with what was missing. */
  readonly problems: ValidationDataProblem[];
  constructor(level: string, problems: ValidationDataProblem[], what?: string) {
    super(
      'NOT_FOUND',
      `level ${level} cannot be reached: ${
        what ??
        problems
          .map(
            (p) =>
              `${p.revoked ? 'revoked' : 'no revocation data'} for ${p.subject} (serial ${p.serialNumber}): ${p.missing}`,
          )
          .join('; ')
      } (accept a lower level explicitly to sign anyway)`,
      { level, problems },
    );
    this.name = 'LevelNotReachedError';
    this.level = level;
    this.problems = problems;
  }
}

/** Throws LevelNotReachedError for B-LT/B-LTA when `data` has problems, unless `acceptLowerLevel`. */
export function requireLevel(
  data: CollectedValidationData,
  level: string,
  opts: { acceptLowerLevel?: boolean } = {},
): void {
  if ((level === 'B-LT' || level === 'B-LTA') && data.problems.length > 0 && !opts.acceptLowerLevel)
    throw new LevelNotReachedError(level, data.problems);
}

/** Most certificates examined when closing the chain. */
const MAX_COLLECT_CERTS = 64;

function addUnique(list: Uint8Array[], b: Uint8Array): boolean {
  if (list.some((x) => bytesEqual(x, b))) return false;
  list.push(b);
  return true;
}

/**
 * Collects certificates and status-proving revocation data for every certificate of `certificates`
 * (and of the issuers found among them and `extra`), up to the self-signed roots. `time` is the
 * time the data must be fresh for (default now: data collected right after signing).
 */
export async function collectValidationData(
  certificates: readonly Uint8Array[],
  fetcher: RevocationDataFetcher,
  opts: { extra?: readonly Uint8Array[]; time?: Date } = {},
): Promise<CollectedValidationData> {
  const out: CollectedValidationData = { certs: [], ocsps: [], crls: [], missing: [], problems: [] };
  const time = opts.time ?? new Date();
  for (const c of [...certificates, ...(opts.extra ?? [])]) addUnique(out.certs, c);
  const parsed = out.certs.map((d) => Certificate.fromDer(d));
  const done = new Set<string>();
  const problem = (cert: Certificate, missing: string, revoked = false) => {
    out.missing.push(cert.subject.toString());
    out.problems.push({
      subject: cert.subject.toString(),
      serialNumber: cert.serialHex,
      missing,
      ...(revoked ? { revoked } : {}),
    });
  };
  for (let i = 0; i < parsed.length && i < MAX_COLLECT_CERTS; i++) {
    const cert = parsed[i]!;
    const key = `${cert.issuer.toString()}#${cert.serialHex}`;
    if (done.has(key)) continue;
    done.add(key);
    if (cert.isSelfIssued && cert.subject.equals(cert.issuer) && cert.basicConstraints?.ca) continue; // anchor
    if (cert.ocspNoCheck) continue;
    const issuer = parsed.find((p) => p.subject.equals(cert.issuer) && p !== cert);
    if (!issuer) {
      problem(cert, `its issuer's certificate (${cert.issuer.toString()}) is not in the chain`);
      continue;
    }
    const why: string[] = [];
    let proven = false;
    let revoked = false;
    const ocsp = fetcher.ocsp
      ? await fetcher.ocsp(cert, issuer).catch((e: Error) => {
          why.push(`OCSP: ${e.message}`);
          return undefined;
        })
      : undefined;
    if (ocsp) {
      try {
        const rep = await verifyOcspResponse(ocsp, { issuer, time, certificate: cert });
        // A delegated responder without id-pkix-ocsp-nocheck is acceptable: its own status is
        // collected in turn (its certificate joins the list below).
        const bad = rep.checks.filter(
          (c) =>
            c.status !== 'passed' && !(c.check === 'responder-revocation' && c.status === 'indeterminate'),
        );
        if (bad.length === 0 && rep.certStatus?.status === 'good') {
          proven = true;
          addUnique(out.ocsps, ocsp);
          // The responder's certificate (delegated responders) goes to /Certs too.
          for (const c of rep.response.basic?.certs ?? []) if (addUnique(out.certs, c.der)) parsed.push(c);
        } else {
          if (rep.certStatus?.status === 'revoked') revoked = true;
          why.push(
            `OCSP: ${
              rep.certStatus && rep.certStatus.status !== 'good'
                ? `certStatus ${rep.certStatus.status}`
                : bad.map((c) => `${c.check} ${c.reason}${c.detail ? ` (${c.detail})` : ''}`).join(', ')
            }`,
          );
        }
      } catch (e) {
        why.push(`OCSP: unreadable response (${(e as Error).message})`);
      }
    } else if (fetcher.ocsp && why.length === 0) why.push('OCSP: no response');
    if (!proven && !revoked && fetcher.crls) {
      const ders = await fetcher.crls(cert, issuer).catch((e: Error) => {
        why.push(`CRL: ${e.message}`);
        return [] as Uint8Array[];
      });
      const crls: Crl[] = [];
      for (const d of ders) {
        try {
          crls.push(Crl.fromDer(d));
        } catch (e) {
          why.push(`CRL: unreadable (${(e as Error).message})`);
        }
      }
      if (crls.length === 0) {
        if (ders.length === 0) why.push('CRL: none found');
      } else {
        const r = await checkWithCrls(cert, crls, {
          time,
          path: [cert, issuer],
          index: 0,
          extraCertificates: parsed,
        });
        if (r.status === 'good' && r.crl) {
          proven = true;
          addUnique(out.crls, r.crl.der);
          if (r.delta) addUnique(out.crls, r.delta.der);
        } else if (r.status === 'revoked') {
          revoked = true;
          why.push(`CRL: revoked${r.entry ? ` at ${r.entry.revocationDate.toISOString()}` : ''}`);
        } else why.push(`CRL: ${r.reason ?? 'unknown'} ${r.detail}`.trim());
      }
    }
    if (!proven) problem(cert, why.join('; ') || 'no OCSP or CRL source', revoked);
  }
  return out;
}

/** Online fetcher over pki-core's RevocationFetcher: OCSP from AIA, else CRLs from CRLDP. */
export function onlineRevocationFetcher(opts: FetcherOptions = {}): RevocationDataFetcher {
  const f = new RevocationFetcher(opts);
  const ocspUrls = (cert: Certificate): string[] =>
    (cert.authorityInfoAccess ?? [])
      .filter((a) => a.method === '1.3.6.1.5.5.7.48.1' && a.location.type === 'uri')
      .map((a) => (a.location as { value: string }).value);
  return {
    async ocsp(cert, issuer) {
      const urls = ocspUrls(cert);
      if (urls.length === 0) return undefined;
      const id = await createCertId(cert, issuer);
      const req = buildOcspRequest({ certIds: [id] });
      for (const u of urls) {
        try {
          return await f.fetchOcsp(u, req.der);
        } catch {
          // try the next responder
        }
      }
      return undefined;
    },
    async crls(cert) {
      const out: Uint8Array[] = [];
      for (const dp of cert.crlDistributionPoints ?? []) {
        for (const n of dp.distributionPoint?.fullName ?? []) {
          if (n.type !== 'uri') continue;
          try {
            out.push((await f.fetchCrl(n.value)).der);
            break;
          } catch {
            // next URL
          }
        }
      }
      return out;
    },
  };
}
