/**
 * The options every verifying command shares (`kyso pdf verify`, `kyso xml verify`, `kyso cms
 * verify`), declared and parsed once: the trust anchors (--trust files or folders, --vn-roots) and
 * the report's form (--json, --report etsi, --lang vi|en). Node only.
 */
import { isKysoError } from '../errors.js';
import { TrustStore } from '../path/trust-store.js';
import { readCertificates, vietnamRootsDir } from '../path/trust-store.node.js';
import type { Certificate } from '../x509/certificate.js';
import { type OptionSpec, type ParsedArgs, UsageError, flag, list, str } from './framework.js';

/**
 * --trust: anchor certificate files (PEM bundle or DER) or folders of them (read with
 * certificatesFrom); `note` says what they anchor or what happens without them.
 */
export function trustOption(opts: { required?: boolean; note?: string } = {}): OptionSpec {
  return {
    name: 'trust',
    type: 'multi',
    description: `trust anchor certificates: a PEM bundle or DER file, or a folder of them${opts.note ? ` (${opts.note})` : ''}`,
    ...(opts.required ? { required: true } : {}),
  };
}

/** --vn-roots: the Vietnamese national roots shipped with kyso (packages/pki-core/trust/vn). */
export const VN_ROOTS_OPTION: OptionSpec = {
  name: 'vn-roots',
  type: 'boolean',
  description: 'trust the Vietnamese national roots shipped with kyso',
};

/** Certificates from files and folders; an unreadable or malformed one is a usage error (exit 2). */
export function certificatesFrom(paths: readonly string[]): Certificate[] {
  return paths.flatMap((p) => {
    try {
      return readCertificates([p]);
    } catch (e) {
      if (isKysoError(e)) throw new UsageError(e.message.includes(p) ? e.message : `${p}: ${e.message}`);
      throw e;
    }
  });
}

/** The anchors of --trust (and --vn-roots when the command has it); undefined when there are none. */
export function trustStoreFromOptions(o: ParsedArgs): TrustStore | undefined {
  const anchors = certificatesFrom(list(o, 'trust'));
  if (flag(o, 'vn-roots')) anchors.push(...certificatesFrom([vietnamRootsDir()]));
  return anchors.length > 0 ? new TrustStore(anchors) : undefined;
}

/** --json and --report etsi; with `lang`, also --lang vi|en for the readable report. */
export function reportOptions(opts: { lang?: boolean } = {}): OptionSpec[] {
  return [
    {
      name: 'json',
      type: 'boolean',
      description: 'print the report as JSON (with EN 319 102-1 verdict fields)',
    },
    {
      name: 'report',
      type: 'string',
      description: 'etsi: print an ETSI TS 119 102-2 XML validation report instead of the readable one',
    },
    ...(opts.lang
      ? [
          {
            name: 'lang',
            type: 'string',
            description: 'language of the readable report: vi (default) or en',
          } as const,
        ]
      : []),
  ];
}

/** How a verifying command prints its report. */
export interface ReportForm {
  /** 'text': the readable report; 'json'; 'etsi': the ETSI TS 119 102-2 XML validation report. */
  format: 'text' | 'json' | 'etsi';
  /** Language of the readable report (--lang; vi by default). */
  lang: 'vi' | 'en';
}

/** Reads --json, --report and --lang, checked together. */
export function reportForm(o: ParsedArgs): ReportForm {
  const lang = str(o, 'lang') ?? 'vi';
  if (lang !== 'vi' && lang !== 'en') throw new UsageError('--lang must be vi or en');
  const report = str(o, 'report');
  if (report !== undefined && report !== 'etsi') throw new UsageError('--report must be etsi');
  if (report !== undefined && flag(o, 'json'))
    throw new UsageError('--report etsi and --json exclude each other');
  return { format: flag(o, 'json') ? 'json' : report === 'etsi' ? 'etsi' : 'text', lang };
}

/** A check of a report, as the readable reports print it. */
export interface CheckLineInput {
  status: string;
  check: string;
  reason: string;
  detail?: string | undefined;
}

/** One line of a readable report's checks: `  STATUS        check: REASON (detail)` and a newline. */
export function checkLine(c: CheckLineInput, indent = '  '): string {
  return `${indent}${c.status.padEnd(13)} ${c.check}: ${c.reason}${c.detail ? ` (${c.detail})` : ''}\n`;
}
