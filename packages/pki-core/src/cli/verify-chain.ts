/**
 * `kyso verify chain LEAF --trust ROOT [--trust ...] [--untrusted CERT ...] [--crl FILE ...]
 *  [--ocsp-response FILE ...] [--fetch] [--revocation require|prefer-ocsp|soft-fail|off]
 *  [--at ISO-8601] [--purpose P] [--policy OID ...] [--profile rfc5280|webpki|chromium] [--json]`
 * Revocation: with --crl / --ocsp-response / --fetch the default mode is 'require' (every
 * certificate below the anchor needs a status); --revocation chooses another mode. The --untrusted
 * certificates also serve as separate CRL signers and OCSP responders.
 * --profile chooses the validation profile (path/profile.ts): 'rfc5280' (default, strict: what a
 * CA should test its chains with), 'webpki' (CA/B Forum TLS rules on top) or 'chromium' (kyso's
 * reproduction of Chromium's relying-party rules).
 * Exit 0 valid, 1 invalid, 2 usage or unreadable input.
 */
import { buildAndValidatePath } from '../path/build.js';
import { VALIDATION_PROFILES, type ValidationProfile } from '../path/profile.js';
import type { ValidationReport } from '../path/report.js';
import type { RevocationMode } from '../revocation/index.js';
import { CertificatePool, TrustStore, toCertificates } from '../path/trust-store.js';
import { readCertificates } from '../path/trust-store.node.js';
import type { Purpose } from '../path/validate.js';
import { type ReportLanguage, renderVerdict } from '../verdict/render.js';
import { pathVerdict } from '../verdict/verdict.js';
import {
  type Command,
  EXIT_FAIL,
  EXIT_OK,
  UsageError,
  date,
  flag,
  list,
  readInput,
  str,
  lang,
  langOption,
} from './framework.js';
import { certificatesFrom, trustOption } from './verify-options.js';

const PURPOSE_ALIASES: Record<string, Purpose> = {
  any: 'any',
  'document-signing': 'documentSigning',
  'tls-server': 'serverAuth',
  'tls-client': 'clientAuth',
  'time-stamping': 'timeStamping',
  'ocsp-signing': 'ocspSigning',
  'email-protection': 'emailProtection',
  'code-signing': 'codeSigning',
  /** C2PA claim (manifest) signing: leaf EKU emailProtection or documentSigning, no anyEKU. */
  'c2pa-manifest': 'c2paManifest',
  /** C2PA time-stamping authority: leaf EKU timeStamping, no anyEKU / OCSPSigning. */
  'c2pa-timestamping': 'c2paTimestamping',
  /** GSMA RCS MLS client: EKU exactly id-kp-rcsMlsClient in the leaf and every CA. */
  'rcs-mls-client': 'rcsMlsClient',
};

function parsePurpose(v: string | undefined): Purpose | undefined {
  if (v === undefined) return undefined;
  const p = PURPOSE_ALIASES[v];
  if (p) return p;
  if (/^[0-2](\.\d+)+$/.test(v)) return { oid: v };
  throw new UsageError(`--purpose must be one of ${Object.keys(PURPOSE_ALIASES).join(', ')} or an OID`);
}

const REVOCATION_MODES: readonly RevocationMode[] = ['require', 'prefer-ocsp', 'soft-fail', 'off'];

function parseRevocationMode(v: string | undefined): RevocationMode | undefined {
  if (v === undefined) return undefined;
  if ((REVOCATION_MODES as readonly string[]).includes(v)) return v as RevocationMode;
  throw new UsageError(`--revocation must be one of ${REVOCATION_MODES.join(', ')}`);
}

function parseProfile(v: string | undefined): ValidationProfile | undefined {
  if (v === undefined) return undefined;
  if ((VALIDATION_PROFILES as readonly string[]).includes(v)) return v as ValidationProfile;
  throw new UsageError(`--profile must be one of ${VALIDATION_PROFILES.join(', ')}`);
}

function printText(r: ValidationReport, io: { out(t: string): void }, language: ReportLanguage): void {
  const lines = [r.valid ? 'VALID' : `INVALID: ${r.reason}${r.detail ? ` (${r.detail})` : ''}`, '', 'Chain:'];
  for (const [i, c] of r.chain.entries()) lines.push(`  [${i}] ${c.subject.toString()}`);
  lines.push('', 'Checks:');
  for (const c of r.checks) {
    if (c.status === 'passed' && c.check !== 'signature') continue;
    const where = c.certIndex >= 0 ? `[${c.certIndex}]` : '[*]';
    lines.push(
      `  ${where} ${c.check}: ${c.status}${c.reason ? ` ${c.reason}` : ''}${c.detail ? ` - ${c.detail}` : ''}`,
    );
  }
  lines.push('', 'Revocation:');
  for (const rv of r.revocation)
    lines.push(`  [${rv.certIndex}] ${rv.status} (${rv.source})${rv.detail ? ` - ${rv.detail}` : ''}`);
  if (r.policy) {
    const p = r.policy;
    const held = p.userConstrainedPolicies.length
      ? p.userConstrainedPolicies
      : p.authorityConstrainedPolicies;
    lines.push(
      '',
      `Policies: ${
        !p.treeNonEmpty
          ? 'no certificate policy holds for the whole path'
          : held.length
            ? held.map((o) => (o === '2.5.29.32.0' ? 'anyPolicy' : o)).join(', ')
            : 'none asserted'
      }`,
    );
  }
  lines.push('', renderVerdict(r.verdict, language));
  if (r.reason === 'REVOCATION_UNKNOWN')
    lines.push(
      '',
      'What to do: give the CRL of each issuing CA with --crl (or OCSP responses with --ocsp-response),',
      'let kyso fetch them with --fetch, or accept missing data with --revocation soft-fail.',
    );
  io.out(`${lines.join('\n')}\n`);
}

export const verifyChainCommand: Command = {
  path: ['verify', 'chain'],
  summary: 'Build and validate a certification path (RFC 5280) at a given time',
  usage:
    'LEAF --trust ROOT [--untrusted CERT ...] [--crl FILE ...] [--ocsp-response FILE ...] [--fetch] [--revocation MODE] [--at ISO] [--purpose P] [--policy OID ...] [--profile P] [--json] [--lang en|vi]',
  positionals: { min: 1, max: 1, names: 'LEAF' },
  options: [
    trustOption({ required: true }),
    {
      name: 'untrusted',
      type: 'multi',
      description: 'intermediate certificate file(s) (PEM bundle or DER) or folder',
    },
    { name: 'crl', type: 'multi', description: 'CRL file (DER or PEM)' },
    { name: 'ocsp-response', type: 'multi', description: 'OCSP response file (DER)' },
    { name: 'fetch', type: 'boolean', description: 'fetch CRLs / OCSP from the certificates (CDP/AIA)' },
    {
      name: 'revocation',
      type: 'string',
      description: 'require|prefer-ocsp|soft-fail|off (default: require when revocation inputs are given)',
    },
    { name: 'at', type: 'string', description: 'validation time, ISO 8601 (default: now)' },
    {
      name: 'purpose',
      type: 'string',
      description: `${Object.keys(PURPOSE_ALIASES).join('|')}|OID (default: no EKU required)`,
    },
    { name: 'policy', type: 'multi', description: 'acceptable certificate policy OID (initial policy set)' },
    {
      name: 'profile',
      type: 'string',
      description: `validation profile: ${VALIDATION_PROFILES.join('|')} (default rfc5280, strict)`,
    },
    { name: 'json', type: 'boolean', description: 'print a JSON report' },
    langOption('en'),
  ],
  async run(args, io) {
    const language = lang(args, 'en');
    const leafFile = args.positionals[0]!;
    const leaf = toCertificates(readInput(leafFile))[0];
    if (!leaf) throw new UsageError(`no certificate in ${leafFile}`);
    const trustStore = new TrustStore(certificatesFrom(list(args, 'trust')));
    if (trustStore.size === 0) throw new UsageError('no trust anchor certificates found');
    const pool = new CertificatePool(readCertificates(list(args, 'untrusted')));
    const time = date(args, 'at') ?? new Date();
    const purpose = parsePurpose(str(args, 'purpose'));
    const profile = parseProfile(str(args, 'profile'));
    const policies = list(args, 'policy');
    for (const p of policies)
      if (!/^[0-2](\.\d+)+$/.test(p)) throw new UsageError(`--policy ${p} is not an OID`);
    const crls = list(args, 'crl').map(readInput);
    const ocsp = list(args, 'ocsp-response').map(readInput);
    const fetch = flag(args, 'fetch');
    const mode = parseRevocationMode(str(args, 'revocation'));
    const wantRevocation =
      crls.length > 0 || ocsp.length > 0 || fetch || (mode !== undefined && mode !== 'off');
    // The revocation code (CRL, OCSP, fetching) is imported only when revocation is asked for.
    const revocation = wantRevocation
      ? (await import('../revocation/index.js')).newRevocationChecker({
          crls,
          ocspResponses: ocsp,
          certificates: pool.certificates,
          fetch,
          policy: mode ?? 'require',
        })
      : undefined;
    const report = await buildAndValidatePath({
      leaf,
      intermediates: pool,
      trustStore,
      time,
      ...(purpose ? { purpose } : {}),
      ...(policies.length ? { initialPolicies: policies } : {}),
      ...(revocation ? { revocation } : {}),
      ...(profile ? { profile } : {}),
    });
    if (flag(args, 'json')) {
      io.out(
        `${JSON.stringify(
          {
            valid: report.valid,
            verdict: pathVerdict(report),
            reason: report.reason,
            detail: report.detail,
            chain: report.chain.map((c) => c.subject.toString()),
            checks: report.checks,
            revocation: report.revocation,
            policy: report.policy,
            profile: profile ?? 'rfc5280',
            time: time.toISOString(),
          },
          null,
          2,
        )}\n`,
      );
    } else printText(report, io, language);
    return report.valid ? EXIT_OK : EXIT_FAIL;
  },
};
