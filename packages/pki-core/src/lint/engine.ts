/**
 * `lint(input, { profile })`: runs the certificate or CRL lints and returns a zlint/pkilint-shaped
 * report (one result per lint, with severity, clause and a one-line explanation).
 */
import { KysoError } from '../errors.js';
import { Crl } from '../crl.js';
import { OID } from '../oids.js';
import { Certificate } from '../x509/certificate.js';
import { CERT_LINTS, type CertLint, type CheckOutcome } from './cert-lints.js';
import { CRL_LINTS, type CrlLint } from './crl-lints.js';
import { OCSP_LINTS, type OcspLint } from './ocsp-lints.js';
import { parseOcspResponse } from '../ocsp/response.js';
import { type LintCert, type LintCrl, lintInputs, parseLintCert, parseLintCrl } from './parse.js';
import {
  LINT_PROFILES,
  type LintInfo,
  type LintProfile,
  type LintReport,
  type LintResult,
  type LintTarget,
} from './types.js';
import { type CertView, certView } from './view.js';

/** Options of `lint`. */
export interface LintOptions {
  /** Default `auto` (chosen from the certificate). CRLs and OCSP responses ignore it. */
  profile?: LintProfile;
  /** What a byte input is; default: detected (certificate, then CRL, then bare TBSCertificate). OCSP responses need `ocsp`. */
  kind?: 'certificate' | 'tbsCertificate' | 'crl' | 'ocsp';
}

/** Every lint's metadata (for documentation and `--list`). */
export function listLints(): LintInfo[] {
  const strip = ({
    check: _c,
    profiles: _p,
    ...info
  }: CertLint | ((CrlLint | OcspLint) & { profiles?: unknown })) => info;
  return [...CERT_LINTS.map(strip), ...CRL_LINTS.map(strip), ...OCSP_LINTS.map(strip)];
}

/** Whether `p` is one of `LINT_PROFILES` (for validating a CLI option or JSON input). */
export function isLintProfile(p: string): p is LintProfile {
  return (LINT_PROFILES as readonly string[]).includes(p);
}

/** The profile `auto` resolves to for a certificate. */
export function detectProfile(v: CertView): LintProfile {
  if (v.isCA) return v.selfIssued ? 'root' : 'sub-ca';
  const eku = v.eku ?? [];
  if (eku.includes(OID.ocspSigning)) return 'ocsp-signer';
  if (eku.length === 1 && eku[0] === OID.timeStamping) return 'tsa';
  const attrs = v.c.subject?.attributes ?? [];
  const uids = attrs.filter((a) => a.type === OID.userId).map((a) => a.value.toUpperCase());
  if (attrs.some((a) => a.type === OID.title)) return 'official';
  if (uids.some((u) => /^(CCCD|CMND|HC):/.test(u))) return 'person';
  if (uids.some((u) => /^(MST|MNS):/.test(u))) return 'organization';
  if (eku.includes(OID.serverAuth) && (v.san ?? []).some((g) => g.type === 'dns')) return 'tls-server';
  return 'rfc5280';
}

/**
 * The `pass` and `na` results of each lint carry no details, so they are built once and shared
 * (frozen): a certificate run allocates result objects for its failures only (lint before issue
 * runs on every issuance; see bench/lint.bench.mjs).
 */
const shared = new WeakMap<LintInfo, { pass: LintResult; na: LintResult; clause: string }>();
function sharedResults(l: LintInfo) {
  let s = shared.get(l);
  if (!s) {
    const clause = `${l.source} ${l.clause}`;
    const make = (status: 'pass' | 'na'): LintResult =>
      Object.freeze({ lint: l.name, status, severity: l.severity, clause, description: l.description });
    s = { pass: make('pass'), na: make('na'), clause };
    shared.set(l, s);
  }
  return s;
}
function result(l: LintInfo, o: CheckOutcome): LintResult {
  const s = sharedResults(l);
  if (o === undefined) return s.pass;
  if (o === 'na') return s.na;
  return {
    lint: l.name,
    status: 'fail',
    severity: l.severity,
    clause: s.clause,
    description: l.description,
    details: o,
  };
}

function report(target: LintReport['target'], profile: LintProfile, results: LintResult[]): LintReport {
  const findings: LintResult[] = [];
  let errors = 0;
  let warnings = 0;
  let notices = 0;
  for (const r of results) {
    if (r.status !== 'fail') continue;
    findings.push(r);
    if (r.severity === 'error') errors++;
    else if (r.severity === 'warning') warnings++;
    else notices++;
  }
  return { target, profile, results, findings, errors, warnings, notices, ok: errors === 0 };
}

function run<T>(check: (x: T) => CheckOutcome, x: T): CheckOutcome {
  try {
    return check(x);
  } catch (e) {
    // A lint must never crash the run: an unexpected exception is itself a finding.
    return `could not be checked: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/**
 * Per profile, what a certificate run does for each lint, computed once: the lints applicable to the
 * profile (with their shared results) and the `na` results of the others, in CERT_LINTS order. The
 * gate runs on every issuance, so the per-lint profile filter and result lookups are not repeated.
 */
interface ProfilePlan {
  /** Per CERT_LINTS index: the lint to run, or undefined when it does not apply to the profile. */
  run: (CertLint | undefined)[];
  /** Per index: the shared `pass` result (or the `na` one for a lint not applicable). */
  pass: LintResult[];
  /** Per index: the shared `na` result. */
  na: LintResult[];
  clause: string[];
}
const plans = new Map<LintProfile, ProfilePlan>();
function planFor(p: LintProfile): ProfilePlan {
  let plan = plans.get(p);
  if (!plan) {
    const applies = (l: CertLint) => !l.profiles || l.profiles.includes(p);
    plan = {
      run: CERT_LINTS.map((l) => (applies(l) ? l : undefined)),
      pass: CERT_LINTS.map((l) => (applies(l) ? sharedResults(l).pass : sharedResults(l).na)),
      na: CERT_LINTS.map((l) => sharedResults(l).na),
      clause: CERT_LINTS.map((l) => sharedResults(l).clause),
    };
    plans.set(p, plan);
  }
  return plan;
}

/** Lints an already parsed lenient certificate model. */
export function lintParsedCertificate(c: LintCert, profile: LintProfile = 'auto'): LintReport {
  const v = certView(c, profile);
  const p = profile === 'auto' ? detectProfile(v) : profile;
  v.profile = p;
  const plan = planFor(p);
  const n = plan.run.length;
  const results: LintResult[] = [];
  for (let i = 0; i < n; i++) {
    const l = plan.run[i];
    if (!l) {
      results.push(plan.pass[i]!);
      continue;
    }
    const o = run(l.check, v);
    results.push(
      o === undefined
        ? plan.pass[i]!
        : o === 'na'
          ? plan.na[i]!
          : {
              lint: l.name,
              status: 'fail',
              severity: l.severity,
              clause: plan.clause[i]!,
              description: l.description,
              details: o,
            },
    );
  }
  return report(c.kind, p, results);
}

/** Lints a DER OCSPResponse (strictly parsed: a malformed response throws KysoError). */
export function lintOcspResponse(der: Uint8Array): LintReport {
  const r = parseOcspResponse(der);
  return report(
    'ocsp',
    'rfc5280',
    OCSP_LINTS.map((l) => result(l, run(l.check, r))),
  );
}

/** Runs every CRL lint on an already parsed CRL (profile `rfc5280`). */
export function lintParsedCrl(c: LintCrl): LintReport {
  return report(
    'crl',
    'rfc5280',
    CRL_LINTS.map((l) => result(l, run(l.check, c))),
  );
}

/**
 * Lints a certificate, a bare TBSCertificate (before signing), or a CRL. Byte or PEM input is
 * detected unless `kind` says; input whose framing is not readable throws KysoError (malformed
 * input is an error, not a report).
 */
export function lint(input: Certificate | Crl | Uint8Array | string, options: LintOptions = {}): LintReport {
  const profile = options.profile ?? 'auto';
  if (!isLintProfile(profile)) throw new KysoError('INVALID_ARGUMENT', `unknown lint profile ${profile}`);
  if (input instanceof Certificate) return lintParsedCertificate(parseLintCert(input.der), profile);
  if (input instanceof Crl) return lintParsedCrl(parseLintCrl(input.der));
  const kind = options.kind;
  if (kind === 'ocsp') return lintOcspResponse(lintInputs(input, 'OCSP RESPONSE')[0]!);
  if (kind === 'crl') return lintParsedCrl(parseLintCrl(lintInputs(input, 'X509 CRL')[0]!));
  if (kind === 'tbsCertificate') return lintParsedCertificate(parseLintCert(toDer(input), true), profile);
  // DER (a SEQUENCE) needs no PEM sniffing.
  if (input instanceof Uint8Array && input[0] === 0x30)
    return kind === 'certificate'
      ? lintParsedCertificate(parseLintCert(input), profile)
      : lintDetected(input, profile);
  const ders =
    kind === 'certificate'
      ? lintInputs(input, 'CERTIFICATE')
      : lintInputs(input, 'CERTIFICATE', 'X509 CRL', 'TRUSTED CERTIFICATE');
  const der = ders[0]!;
  if (kind === 'certificate') return lintParsedCertificate(parseLintCert(der), profile);
  return lintDetected(der, profile);
}

/** Lints every certificate / CRL in a PEM bundle (or the one DER). */
export function lintAll(input: Uint8Array | string, options: LintOptions = {}): LintReport[] {
  const profile = options.profile ?? 'auto';
  if (options.kind === 'ocsp') return lintInputs(input, 'OCSP RESPONSE').map((d) => lintOcspResponse(d));
  if (options.kind === 'crl') return lintInputs(input, 'X509 CRL').map((d) => lintParsedCrl(parseLintCrl(d)));
  const labels = options.kind === 'certificate' ? ['CERTIFICATE'] : ['CERTIFICATE', 'X509 CRL'];
  return lintInputs(input, ...labels).map((d) =>
    options.kind === 'certificate'
      ? lintParsedCertificate(parseLintCert(d), profile)
      : lintDetected(d, profile),
  );
}

function lintDetected(der: Uint8Array, profile: LintProfile): LintReport {
  let first: unknown;
  for (const attempt of [
    () => lintParsedCertificate(parseLintCert(der), profile),
    () => lintParsedCrl(parseLintCrl(der)),
    () => lintParsedCertificate(parseLintCert(der, true), profile),
  ]) {
    try {
      return attempt();
    } catch (e) {
      first ??= e;
    }
  }
  throw first instanceof KysoError
    ? first
    : new KysoError('ASN1_SCHEMA', 'not a certificate, TBSCertificate or CRL');
}

function toDer(input: Uint8Array | string): Uint8Array {
  if (typeof input === 'string') return lintInputs(input, 'CERTIFICATE', 'TBS CERTIFICATE')[0]!;
  return input;
}

/** Kinds `lint` accepts, for documentation. */
export const LINT_TARGETS: readonly (LintTarget | 'tbsCertificate')[] = [
  'certificate',
  'tbsCertificate',
  'crl',
];
