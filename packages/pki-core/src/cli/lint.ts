/**
 * `kyso cert lint FILE… [--profile P] [--json]` and `kyso crl lint FILE… [--json]`.
 * Exit: 0 no error-severity finding, 1 some error finding, 2 a file unreadable or not a certificate / CRL.
 */
import { KysoError } from '../errors.js';
import {
  type IssuanceLintOptions,
  LINT_PROFILES,
  type LintReport,
  type LintResult,
  isLintProfile,
  lintAll,
  listLints,
} from '../lint/index.js';
import {
  type Command,
  EXIT_FAIL,
  EXIT_OK,
  EXIT_USAGE,
  type Io,
  UsageError,
  flag,
  readInput,
  str,
} from './framework.js';

function line(r: LintResult): string {
  const sev = r.severity === 'error' ? 'ERROR' : r.severity === 'warning' ? 'WARN' : 'NOTICE';
  return `  ${sev.padEnd(6)} ${r.lint}  [${r.clause}]\n         ${r.details ? `${r.details}: ` : ''}${r.description}\n`;
}

function human(file: string, i: number, n: number, rep: LintReport, all: boolean): string {
  const head = `${file}${n > 1 ? ` #${i + 1}` : ''}: ${rep.target}, profile ${rep.profile}: ${rep.errors} error(s), ${rep.warnings} warning(s), ${rep.notices} notice(s)\n`;
  const rows = (all ? rep.results : rep.findings).map((r) =>
    r.status === 'fail' ? line(r) : `  ${r.status.toUpperCase().padEnd(6)} ${r.lint}\n`,
  );
  return head + rows.join('');
}

async function runLint(
  kind: 'certificate' | 'crl' | 'ocsp',
  files: string[],
  opts: { profile?: string; json: boolean; all: boolean },
  io: Io,
) {
  const profile = opts.profile ?? 'auto';
  if (!isLintProfile(profile)) throw new UsageError(`--profile must be one of ${LINT_PROFILES.join(', ')}`);
  let code = EXIT_OK;
  const out: { file: string; reports?: LintReport[]; error?: string }[] = [];
  for (const file of files) {
    try {
      const reports = lintAll(readInput(file), { profile, kind });
      out.push({ file, reports });
      if (code === EXIT_OK && reports.some((r) => !r.ok)) code = EXIT_FAIL;
    } catch (e) {
      if (!(e instanceof UsageError || e instanceof KysoError)) throw e;
      out.push({ file, error: e instanceof KysoError ? `${e.code}: ${e.message}` : e.message });
      code = EXIT_USAGE;
    }
  }
  if (opts.json) io.out(`${JSON.stringify(out, null, 2)}\n`);
  else
    for (const o of out) {
      if (o.error) io.err(`${o.file}: unreadable: ${o.error}\n`);
      else
        o.reports!.forEach((r, i) => {
          io.out(human(o.file, i, o.reports!.length, r, opts.all));
        });
    }
  return code;
}

function listText(target: 'certificate' | 'crl' | 'ocsp'): string {
  return `${listLints()
    .filter((l) => l.target === target)
    .map((l) => `${l.name.padEnd(48)} ${l.severity.padEnd(8)} ${l.source} ${l.clause}\n  ${l.description}`)
    .join('\n')}\n`;
}

const common = [
  {
    name: 'json',
    type: 'boolean' as const,
    description: 'machine-readable output (every result, pass and NA included)',
  },
  {
    name: 'all',
    type: 'boolean' as const,
    description: 'human output lists passing and not-applicable lints too',
  },
  { name: 'list', type: 'boolean' as const, description: 'list the lints (name, severity, clause) and exit' },
];

/**
 * `kyso cert lint`, `kyso crl lint` and `kyso ocsp lint`: one command over three kinds of object
 * (certificates also take --profile).
 */
function lintCommand(kind: 'certificate' | 'crl' | 'ocsp', summary: string): Command {
  const profiles = kind === 'certificate';
  return {
    path: [kind === 'certificate' ? 'cert' : kind, 'lint'],
    summary,
    usage: profiles ? `FILE… [--profile ${LINT_PROFILES.join('|')}] [--json]` : 'FILE… [--json]',
    options: profiles
      ? [
          {
            name: 'profile',
            type: 'string',
            description: `one of ${LINT_PROFILES.join(', ')} (default auto)`,
          },
          ...common,
        ]
      : common,
    positionals: { min: 0, max: Number.POSITIVE_INFINITY, names: 'FILE…' },
    async run(args, io) {
      if (flag(args, 'list')) {
        io.out(listText(kind));
        return EXIT_OK;
      }
      if (args.positionals.length === 0) throw new UsageError('expected at least one FILE');
      const profile = profiles ? str(args, 'profile') : undefined;
      return runLint(
        kind,
        args.positionals,
        { ...(profile ? { profile } : {}), json: flag(args, 'json'), all: flag(args, 'all') },
        io,
      );
    },
  };
}

export const certLintCommand: Command = lintCommand(
  'certificate',
  'lint certificates: RFC 5280, ETSI EN 319 412, Vietnamese UID / title / NEAC minimums',
);

export const crlLintCommand: Command = lintCommand('crl', 'lint CRLs against RFC 5280 §5');

export const ocspLintCommand: Command = lintCommand(
  'ocsp',
  'lint OCSP responses against RFC 6960 (and the Circular 16/2019 hash list)',
);

export const lintCommands: Command[] = [certLintCommand, crlLintCommand, ocspLintCommand];

/** The option `kyso cert issue` (and other issuing commands) add for the lint-before-issue gate. */
export const ACCEPT_LINT_WARNINGS_OPTION = {
  name: 'accept-lint-warnings',
  type: 'boolean' as const,
  description: 'issue despite lint warnings (printed); lint errors always refuse',
};

/** Lint-before-issue settings for an issuing command: warnings refuse unless overridden (then printed). */
export function issuanceLint(args: Parameters<typeof flag>[0], io: Io): IssuanceLintOptions {
  const accept = flag(args, 'accept-lint-warnings');
  return {
    warnings: accept ? 'accept' : 'refuse',
    onReport: (r) => {
      for (const f of r.findings.filter((x) => x.severity === 'warning'))
        io.err(`lint warning accepted: ${f.lint}: ${f.details ?? ''} (${f.clause})\n`);
    },
  };
}
