/**
 * The revocation checker path validation calls (src/path/revocation-types.ts). Sources are inputs:
 * CRLs and OCSP responses supplied as bytes (files, a PDF's DSS), extra certificates (CRL signers,
 * OCSP responders), and optionally an HTTP fetcher for the certificate's CDP / AIA URLs.
 *
 * Policy modes:
 *  - 'require': CRLs first, then OCSP; an unknown status is fatal for the path.
 *  - 'prefer-ocsp': OCSP first, then CRLs; an unknown status is fatal.
 *  - 'soft-fail': both, CRLs first; an unknown status is reported but not fatal.
 *  - 'off': nothing is checked; every result says 'not-checked'.
 * The result says which source answered (CRL number and issuer, or the OCSP responder) with its
 * thisUpdate/nextUpdate, and lists every source tried and why it was not used.
 */
import { Crl } from '../crl.js';
import { integerBytesEqual } from '../der.js';
import { KysoError } from '../errors.js';
import { OID } from '../oids.js';
import { buildOcspRequest, certIdMatchesIssuer, createCertId } from '../ocsp/request.js';
import { type OcspResponse, type SingleResponse, parseOcspResponse } from '../ocsp/response.js';
import { verifyOcspResponse } from '../ocsp/verify.js';
import type {
  RevocationChecker,
  RevocationContext,
  RevocationResult,
  RevocationSourceKind,
} from '../path/revocation-types.js';
import { Certificate } from '../x509/certificate.js';
import { checkWithCrls } from './crl-check.js';
import type { RevocationFetcher } from './fetcher.js';

/**
 * How revocation is checked: 'require' (CRLs then OCSP, unknown is fatal), 'prefer-ocsp' (OCSP
 * then CRLs, unknown is fatal), 'soft-fail' (unknown is reported, not fatal) or 'off'.
 */
export type RevocationMode = 'require' | 'prefer-ocsp' | 'soft-fail' | 'off';

/**
 * The KysoRevocationChecker's policy: mode, CRL/OCSP freshness limits, delta/indirect CRLs, scope and
 * fetching.
 */
export interface RevocationPolicy {
  /** Which source is asked first and whether an unknown status is fatal (see `RevocationMode`). */
  mode: RevocationMode;
  /** Reject CRLs whose thisUpdate is older than this many seconds at the validation time. */
  maxCrlAge?: number;
  /** Accept CRLs whose nextUpdate has passed (the result still shows the dates). Default false. */
  allowStaleCrls?: boolean;
  /** Use delta CRLs when present. Default true. */
  useDeltaCrls?: boolean;
  /** Accept indirect CRLs (cRLIssuer, IDP indirectCRL). Default true. */
  indirectCrls?: boolean;
  /**
   * Refuse complete CRLs without a cRLNumber (RFC 5280 §5.2.3 conformance; for CAs testing their
   * own CRLs). Default false, as v1 CRLs have none and major verifiers accept them.
   */
  requireCrlNumber?: boolean;
  /** Reject OCSP responses older than this many seconds (also applies without nextUpdate). */
  maxOcspAge?: number;
  /** Clock skew tolerated for OCSP times, seconds (default 300). */
  ocspClockSkew?: number;
  /** Which certificates to check: every non-anchor certificate (default) or the leaf only. */
  scope?: 'all' | 'leaf';
  /** Use the fetcher (CDP / AIA over HTTP) when the supplied data does not answer. Default true if a fetcher is given. */
  fetch?: boolean;
}

/**
 * Revocation data given to the checker: CRLs, OCSP responses, extra signer certificates and an optional
 * fetcher.
 */
export interface RevocationSources {
  /** CRLs: parsed, DER, or PEM text/bytes (several PEM blocks allowed). */
  crls?: readonly (Crl | Uint8Array | string)[];
  /** OCSP responses (DER OCSPResponse or parsed). */
  ocspResponses?: readonly (Uint8Array | OcspResponse)[];
  /** Extra certificates: separate CRL signers, delegated OCSP responders. */
  certificates?: readonly (Certificate | Uint8Array | string)[];
  /**
   * Fetches CRLs (CRL distribution points) and OCSP responses (AIA) over HTTP when the data given does
   * not settle a status.
   */
  fetcher?: RevocationFetcher;
}

/** A RevocationResult with the specifics of what was checked. */
export interface DetailedRevocationResult extends RevocationResult {
  /** CRL used: number (decimal), issuer, and the delta CRL number if one was applied. */
  crlNumber?: string;
  /** The CRL issuer (RFC 4514 string). */
  crlIssuer?: string;
  /** The delta CRL's number, when one was applied. */
  deltaCrlNumber?: string;
  /** OCSP: responder certificate subject, producedAt, whether it was a delegated responder. */
  responder?: string;
  /** The OCSP response's producedAt. */
  producedAt?: Date;
  /** Every source tried that did not answer, with why. */
  attempts: string[];
}

/** Fixed cap on recursion when a separate CRL signer's own status is checked. */
const MAX_SIGNER_DEPTH = 2;

/** One source's answer and whether it settles the status (a definitive answer stops the search). */
export interface Answer {
  /** The source's answer. */
  result: DetailedRevocationResult;
  /** Whether it settles the status (the search stops). */
  definitive: boolean;
}

/**
 * The RevocationChecker of kyso: CRLs (with deltas, indirect CRLs) and OCSP from the given data, then CDP/AIA
 * fetching, under a RevocationPolicy.
 */
export class KysoRevocationChecker implements RevocationChecker {
  /** What the checker may use and how strictly (sources, freshness, soft-fail). */
  readonly policy: RevocationPolicy;
  /** CRLs given (and added), parsed. */
  readonly crls: Crl[] = [];
  /** OCSP responses given (and added), parsed. */
  readonly ocspResponses: OcspResponse[] = [];
  /** Extra certificates for CRL issuers and OCSP responders. */
  readonly certificates: Certificate[] = [];
  /** Inputs that could not be parsed (reported in results, never thrown). */
  readonly inputErrors: string[] = [];
  readonly #fetcher: RevocationFetcher | undefined;

  constructor(policy: RevocationPolicy, sources: RevocationSources = {}) {
    this.policy = policy;
    this.#fetcher = sources.fetcher;
    for (const c of sources.crls ?? []) this.addCrl(c);
    for (const r of sources.ocspResponses ?? []) this.addOcspResponse(r);
    for (const c of sources.certificates ?? []) {
      try {
        if (c instanceof Certificate) this.certificates.push(c);
        else this.certificates.push(...Certificate.parseAll(c));
      } catch (e) {
        this.inputErrors.push(`certificate: ${(e as Error).message}`);
      }
    }
  }

  /** Adds CRLs; unparseable input is recorded in `inputErrors` and returns false. */
  addCrl(c: Crl | Uint8Array | string): boolean {
    try {
      if (c instanceof Crl) this.crls.push(c);
      else this.crls.push(...Crl.parseAll(c));
      return true;
    } catch (e) {
      this.inputErrors.push(`CRL: ${e instanceof KysoError ? `${e.code}: ` : ''}${(e as Error).message}`);
      return false;
    }
  }

  /**
   * Adds an OCSP response (DER or parsed); unparseable input is recorded in `inputErrors` and returns false.
   */
  addOcspResponse(r: Uint8Array | OcspResponse): boolean {
    try {
      this.ocspResponses.push(r instanceof Uint8Array ? parseOcspResponse(r) : r);
      return true;
    } catch (e) {
      this.inputErrors.push(
        `OCSP response: ${e instanceof KysoError ? `${e.code}: ` : ''}${(e as Error).message}`,
      );
      return false;
    }
  }

  /**
   * The status of `cert` issued by `issuer` at `ctx.time`: CRLs (RFC 5280 §6.3) and OCSP responses
   * (RFC 6960) from the given data first, then fetched from its CRL distribution points and AIA when
   * the policy allows; never throws for missing or invalid data (the result says `unknown` and why).
   */
  async check(
    cert: Certificate,
    issuer: Certificate,
    ctx: RevocationContext,
  ): Promise<DetailedRevocationResult> {
    return this.#check(cert, issuer, ctx, 0);
  }

  async #check(
    cert: Certificate,
    issuer: Certificate,
    ctx: RevocationContext,
    depth: number,
  ): Promise<DetailedRevocationResult> {
    const p = this.policy;
    if (p.mode === 'off') {
      return { status: 'not-checked', source: 'none', detail: 'revocation checking is off', attempts: [] };
    }
    if (p.scope === 'leaf' && ctx.index > 0) {
      return { status: 'not-checked', source: 'none', detail: 'policy checks the leaf only', attempts: [] };
    }
    if (cert.ocspNoCheck && cert.extKeyUsage?.includes(OID.ocspSigning)) {
      return {
        status: 'not-checked',
        source: 'none',
        reason: 'OCSP_NOCHECK',
        detail:
          'OCSP responder certificate with id-pkix-ocsp-nocheck: no revocation check (RFC 6960 §4.2.2.2.1)',
        attempts: [],
      };
    }
    const order: ('crl' | 'ocsp')[] = p.mode === 'prefer-ocsp' ? ['ocsp', 'crl'] : ['crl', 'ocsp'];
    const attempts: string[] = this.inputErrors.map((e) => `input not usable: ${e}`);
    let firstUnknown: DetailedRevocationResult | undefined;
    for (const kind of order) {
      const a =
        kind === 'crl'
          ? await this.#crl(cert, issuer, ctx, depth, false)
          : await this.#ocsp(cert, issuer, ctx, false);
      if (a) {
        attempts.push(...a.result.attempts);
        if (a.definitive) return { ...a.result, attempts };
        firstUnknown ??= a.result;
      }
    }
    if (this.#fetcher && p.fetch !== false) {
      for (const kind of order) {
        const a =
          kind === 'crl'
            ? await this.#crl(cert, issuer, ctx, depth, true)
            : await this.#ocsp(cert, issuer, ctx, true);
        if (a) {
          attempts.push(...a.result.attempts);
          if (a.definitive) return { ...a.result, attempts };
          firstUnknown ??= a.result;
        }
      }
    }
    const fatal = p.mode !== 'soft-fail';
    if (firstUnknown) return { ...firstUnknown, status: 'unknown', fatal, attempts };
    return {
      status: 'unknown',
      source: 'none',
      fatal,
      reason: 'NO_REVOCATION_DATA',
      detail: `no CRL from ${nameOf(issuer)} and no OCSP response for ${nameOf(cert)} was supplied or fetched`,
      attempts,
    };
  }

  async #crl(
    cert: Certificate,
    issuer: Certificate,
    ctx: RevocationContext,
    depth: number,
    fetch: boolean,
  ): Promise<Answer | undefined> {
    let crls: Crl[] = this.crls;
    const attempts: string[] = [];
    if (fetch) {
      crls = [];
      for (const url of cert.crlUrls) {
        try {
          crls.push(await this.#fetcher!.fetchCrl(url));
        } catch (e) {
          attempts.push(`CRL ${url}: ${(e as Error).message}`);
        }
      }
      if (crls.length === 0) {
        return attempts.length
          ? { definitive: false, result: unknown('crl', 'CRL_FETCH_FAILED', attempts[0]!, attempts) }
          : undefined;
      }
    }
    // Only CRLs from the issuer's name or a CRL signer can apply; skip quickly when none do.
    if (!fetch && crls.length === 0) return undefined;
    const path = ctx.path.length > ctx.index + 1 ? ctx.path : [...ctx.path.slice(0, ctx.index + 1), issuer];
    const out = await checkWithCrls(cert, crls, {
      time: ctx.time,
      path,
      index: ctx.index,
      ...(this.policy.maxCrlAge !== undefined ? { maxAge: this.policy.maxCrlAge } : {}),
      allowStale: this.policy.allowStaleCrls === true,
      useDeltas: this.policy.useDeltaCrls !== false,
      indirectCrls: this.policy.indirectCrls !== false,
      requireCrlNumber: this.policy.requireCrlNumber === true,
      extraCertificates: this.certificates,
      checkSignerRevocation:
        depth < MAX_SIGNER_DEPTH
          ? async (signer, signerIssuer) => {
              const idx = path.indexOf(signerIssuer);
              const r = await this.#check(
                signer,
                signerIssuer,
                { time: ctx.time, path: [signer, ...path.slice(idx)], index: 0 },
                depth + 1,
              );
              return r.status === 'good' ? 'good' : r.status === 'revoked' ? 'revoked' : 'unknown';
            }
          : undefined,
    });
    attempts.push(...out.rejected.map((r) => `${fetch ? 'fetched ' : ''}${r}`));
    const crl = out.crl;
    const base: Partial<DetailedRevocationResult> = crl
      ? {
          thisUpdate: crl.thisUpdate,
          ...(crl.nextUpdate ? { nextUpdate: crl.nextUpdate } : {}),
          ...(crl.crlNumber !== undefined ? { crlNumber: crl.crlNumber.toString() } : {}),
          crlIssuer: crl.issuer.toString(),
          ...(out.delta?.crlNumber !== undefined ? { deltaCrlNumber: out.delta.crlNumber.toString() } : {}),
        }
      : {};
    if (out.status === 'revoked') {
      const e = out.entry!;
      return {
        definitive: true,
        result: {
          ...base,
          status: 'revoked',
          source: 'crl',
          detail: out.detail,
          revocationTime: e.revocationDate,
          revocationReason: e.reason ?? 'unspecified',
          attempts,
        },
      };
    }
    if (out.status === 'good') {
      return {
        definitive: true,
        result: { ...base, status: 'good', source: 'crl', detail: out.detail, attempts },
      };
    }
    return { definitive: false, result: unknown('crl', out.reason ?? 'CRL_NOT_FOUND', out.detail, attempts) };
  }

  async #ocsp(
    cert: Certificate,
    issuer: Certificate,
    ctx: RevocationContext,
    fetch: boolean,
  ): Promise<Answer | undefined> {
    const attempts: string[] = [];
    let responses: OcspResponse[] = this.ocspResponses;
    if (fetch) {
      responses = [];
      const urls = cert.ocspUrls;
      if (urls.length === 0) return undefined;
      const id = await createCertId(cert, issuer);
      const req = buildOcspRequest({ certIds: [id] });
      for (const url of urls) {
        try {
          responses.push(parseOcspResponse(await this.#fetcher!.fetchOcsp(url, req.der)));
          break;
        } catch (e) {
          attempts.push(`OCSP ${url}: ${(e as Error).message}`);
        }
      }
      if (responses.length === 0) {
        return { definitive: false, result: unknown('ocsp', 'OCSP_FETCH_FAILED', attempts[0]!, attempts) };
      }
    }
    if (responses.length === 0) return undefined;
    const out = await checkWithOcsp(cert, issuer, responses, {
      time: ctx.time,
      ...(this.policy.maxOcspAge !== undefined ? { maxAge: this.policy.maxOcspAge } : {}),
      ...(this.policy.ocspClockSkew !== undefined ? { clockSkew: this.policy.ocspClockSkew } : {}),
      certificates: this.certificates,
    });
    out.result.attempts = [...attempts, ...out.result.attempts];
    return out;
  }
}

function unknown(
  source: RevocationSourceKind,
  reason: string,
  detail: string,
  attempts: string[],
): DetailedRevocationResult {
  return { status: 'unknown', source, reason, detail, attempts };
}

/**
 * Options of checkWithOcsp: validation time, freshness limit and clock skew (seconds), extra responder
 * certificates.
 */
export interface OcspCheckOptions {
  /** The validation time the response must be fresh at. */
  time: Date;
  /** Largest age in seconds of thisUpdate at `time` (also without nextUpdate). */
  maxAge?: number;
  /** Clock skew tolerated, seconds (default 300). */
  clockSkew?: number;
  /** Extra candidate responder certificates (delegated responders delivered out of band). */
  certificates?: readonly Certificate[];
}

/** Response extensions kyso processes (others, if critical, make the response unusable). */
const KNOWN_OCSP_EXTENSIONS: ReadonlySet<string> = new Set([OID.ocspNonce]);
/** SingleResponse extensions kyso accepts when critical: the CT SCT list (RFC 6962 §3.3), informational. */
const KNOWN_SINGLE_EXTENSIONS: ReadonlySet<string> = new Set(['1.3.6.1.4.1.11129.2.4.5']);

/**
 * Looks for the certificate in OCSP responses (CertID serial and issuer hashes), verifies a matching
 * response with `verifyOcspResponse` (signature, responder authorisation, producedAt, nonce), checks
 * every matching SingleResponse's dates, and maps the strictest status (revoked > unknown > good,
 * as a response listing the certificate twice must not be read optimistically). A response produced
 * outside the certificate's validity period is not used.
 */
export async function checkWithOcsp(
  cert: Certificate,
  issuer: Certificate,
  responses: readonly OcspResponse[],
  opts: OcspCheckOptions,
): Promise<Answer> {
  const attempts: string[] = [];
  let firstProblem: { reason: string; detail: string } | undefined;
  const problem = (reason: string, detail: string) => {
    attempts.push(`OCSP: ${reason}: ${detail}`);
    firstProblem ??= { reason, detail };
  };
  const t = opts.time.getTime();
  const skew = (opts.clockSkew ?? 300) * 1000;
  for (const resp of responses) {
    if (resp.status !== 'successful' || !resp.basic) {
      problem('OCSP_ERROR_RESPONSE', `responder answered ${resp.status}`);
      continue;
    }
    const b = resp.basic;
    const singles: SingleResponse[] = [];
    try {
      for (const s of b.responses) {
        if (
          integerBytesEqual(s.certId.serialNumber, cert.serialNumber) &&
          (await certIdMatchesIssuer(s.certId, issuer))
        ) {
          singles.push(s);
        }
      }
    } catch (e) {
      if (!(e instanceof KysoError)) throw e;
      problem('OCSP_CERTID_UNUSABLE', e.message);
      continue;
    }
    if (singles.length === 0) {
      problem('OCSP_NO_MATCHING_RESPONSE', 'no SingleResponse for this certificate and issuer');
      continue;
    }
    const crit = [
      ...b.extensions.filter((e) => e.critical && !KNOWN_OCSP_EXTENSIONS.has(e.oid)),
      ...singles.flatMap((s) =>
        s.extensions.filter((e) => e.critical && !KNOWN_SINGLE_EXTENSIONS.has(e.oid)),
      ),
    ];
    if (crit.length > 0) {
      problem('OCSP_UNHANDLED_CRITICAL_EXTENSION', crit.map((e) => e.oid).join(', '));
      continue;
    }
    let report: Awaited<ReturnType<typeof verifyOcspResponse>>;
    try {
      report = await verifyOcspResponse(resp, {
        issuer,
        time: opts.time,
        certificate: cert,
        ...(opts.maxAge !== undefined ? { maxAge: opts.maxAge } : {}),
        ...(opts.clockSkew !== undefined ? { clockSkew: opts.clockSkew } : {}),
        ...(opts.certificates ? { responderCertificates: [...opts.certificates] } : {}),
      });
    } catch (e) {
      if (!(e instanceof KysoError)) throw e;
      problem('OCSP_UNUSABLE', e.message);
      continue;
    }
    const failed = report.checks.filter((c) => c.check !== 'certificate-status' && c.status === 'failed');
    if (failed.length > 0) {
      const f = failed[0]!;
      const code =
        f.check === 'freshness' ? 'OCSP_INVALID_DATE' : `OCSP_${f.reason.toUpperCase().replace(/-/g, '_')}`;
      problem(
        code,
        failed.map((c) => `${c.check}: ${c.reason}${c.detail ? ` (${c.detail})` : ''}`).join('; '),
      );
      continue;
    }
    const stale = singles.filter(
      (s) =>
        s.thisUpdate.getTime() > t + skew ||
        (s.nextUpdate !== undefined && s.nextUpdate.getTime() + skew < t) ||
        (opts.maxAge !== undefined && t - s.thisUpdate.getTime() > opts.maxAge * 1000),
    );
    if (stale.length > 0) {
      problem('OCSP_INVALID_DATE', 'a SingleResponse for the certificate is not current');
      continue;
    }
    if (
      b.producedAt.getTime() < cert.notBefore.getTime() ||
      b.producedAt.getTime() > cert.notAfter.getTime()
    ) {
      problem(
        'OCSP_BAD_PRODUCED_AT',
        `producedAt ${b.producedAt.toISOString()} is outside the certificate's validity`,
      );
      continue;
    }
    const notes = report.checks.filter(
      (c) => c.status === 'indeterminate' && c.check !== 'certificate-status',
    );
    const rank = (s: SingleResponse) =>
      s.certStatus.status === 'revoked' ? 2 : s.certStatus.status === 'unknown' ? 1 : 0;
    const single = singles.reduce((a, x) => (rank(x) > rank(a) ? x : a));
    const responder = report.responderCertificate?.subject.toString() ?? '';
    const base = {
      source: 'ocsp' as const,
      thisUpdate: single.thisUpdate,
      ...(single.nextUpdate ? { nextUpdate: single.nextUpdate } : {}),
      responder: `${responder}${report.delegated ? ' (delegated)' : ''}`,
      producedAt: b.producedAt,
      attempts,
    };
    const noteText = notes.length ? `; ${notes.map((n) => n.detail ?? n.reason).join('; ')}` : '';
    const s = single.certStatus;
    if (s.status === 'good') {
      return {
        definitive: true,
        result: { ...base, status: 'good', detail: `OCSP good from ${base.responder}${noteText}` },
      };
    }
    if (s.status === 'revoked') {
      return {
        definitive: true,
        result: {
          ...base,
          status: 'revoked',
          detail: `OCSP revoked from ${base.responder}${noteText}`,
          revocationTime: s.revocationTime,
          revocationReason: s.reason ?? 'unspecified',
        },
      };
    }
    problem('OCSP_STATUS_UNKNOWN', `responder ${base.responder} answered unknown for the certificate`);
  }
  const p = firstProblem ?? { reason: 'OCSP_NO_MATCHING_RESPONSE', detail: 'no OCSP response supplied' };
  return { definitive: false, result: unknown('ocsp', p.reason, p.detail, attempts) };
}

/** A certificate's CN (or whole subject) for messages. */
function nameOf(c: Certificate): string {
  return `"${c.subject.commonName ?? c.subject.toString()}"`;
}
