/**
 * `kyso crl issue` and `kyso crl show`.
 *
 *   kyso crl issue --ca ca.pem --key ca.key --number 7 --days 7 \
 *     --revoke 0a1b2c:keyCompromise --revoke-cert alice.pem:superseded --out ca.crl
 *   kyso crl show ca.crl [--json]
 */
import { toHex } from '../bytes.js';
import { Crl, type CrlEntryInput, issueCrl, serialHex } from '../crl.js';
import { LocalSigner } from '../crypto/signer.js';
import { CRL_REASONS, type CrlReason } from '../x509/extensions.js';
import { formatGeneralName } from '../x509/general-name.js';
import {
  type Command,
  EXIT_OK,
  UsageError,
  date,
  flag,
  int,
  list,
  readInput,
  str,
  writeOutput,
} from './framework.js';
import { loadCertificates, loadPrivateKey } from './pki.js';

const REASONS = CRL_REASONS.filter((r) => r !== 'unused7') as CrlReason[];

function parseReason(s: string | undefined): CrlReason | undefined {
  if (s === undefined || s === '') return undefined;
  if (!(REASONS as string[]).includes(s))
    throw new UsageError(`unknown reason ${s} (one of ${REASONS.join(', ')})`);
  return s as CrlReason;
}

/** `SERIAL[:REASON[:REVOCATION-DATE[:INVALIDITY-DATE]]]` with dates in ISO 8601 (no colons allowed, so use the compact form 20260101T000000Z or YYYY-MM-DD). */
function parseEntry(spec: string, defaultDate: Date): CrlEntryInput {
  const [serial, reason, when, invalid] = spec.split(':');
  if (!serial || !/^[0-9a-fA-F]+$/.test(serial))
    throw new UsageError(`bad serial in --revoke ${spec} (hex expected)`);
  const d = (s: string | undefined) => {
    if (!s) return undefined;
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
    const x = m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : new Date(s);
    if (Number.isNaN(x.getTime())) throw new UsageError(`bad date ${s} in --revoke ${spec}`);
    return x;
  };
  const r = parseReason(reason);
  const inv = d(invalid);
  return {
    serial,
    revocationDate: d(when) ?? defaultDate,
    ...(r ? { reason: r } : {}),
    ...(inv ? { invalidityDate: inv } : {}),
  };
}

const crlIssue: Command = {
  path: ['crl', 'issue'],
  summary: 'issue a v2 CRL signed by a CA (CRL number, reasons, invalidity dates, AKI, nextUpdate)',
  usage: '--ca-cert CA.pem --ca-key CA.key --number N [--days D] [--revoke SERIAL[:REASON[:DATE]]] [--out FILE]',
  options: [
    { name: 'ca-cert', type: 'string', description: 'CA certificate (PEM/DER)', required: true },
    {
      name: 'ca-key',
      type: 'string',
      description: 'CA private key (PEM/DER; encrypted PKCS#8 needs --password-file)',
      required: true,
    },
    { name: 'password-file', type: 'string', description: 'password for an encrypted key (first line)' },
    { name: 'number', type: 'string', description: 'CRL number (decimal, increasing)', required: true },
    { name: 'this-update', type: 'string', description: 'thisUpdate, ISO 8601 (default: now)' },
    { name: 'next-update', type: 'string', description: 'nextUpdate, ISO 8601' },
    { name: 'days', type: 'string', description: 'nextUpdate = thisUpdate + days (default 7)' },
    {
      name: 'revoke',
      type: 'multi',
      description: 'SERIAL(hex)[:REASON[:REVOCATION-DATE[:INVALIDITY-DATE]]], dates as 20260101T000000Z',
    },
    { name: 'revoke-cert', type: 'multi', description: 'CERT-FILE[:REASON]: revoke a certificate by file' },
    { name: 'delta-of', type: 'string', description: 'issue a delta CRL against this base CRL number' },
    { name: 'der', type: 'boolean', description: 'write DER instead of PEM' },
    { name: 'out', type: 'string', description: 'output file (default stdout)' },
  ],
  async run(args, io) {
    const ca = loadCertificates(str(args, 'ca-cert')!)[0];
    if (!ca) throw new UsageError('no certificate in --ca-cert');
    const pwFile = str(args, 'password-file');
    const pass = pwFile ? new TextDecoder().decode(readInput(pwFile)).split(/\r?\n/)[0] : undefined;
    const key = await loadPrivateKey(str(args, 'ca-key')!, pass);
    const numberText = str(args, 'number')!;
    if (!/^\d+$/.test(numberText)) throw new UsageError('--number must be a non-negative integer');
    const deltaText = str(args, 'delta-of');
    if (deltaText !== undefined && !/^\d+$/.test(deltaText))
      throw new UsageError('--delta-of must be a non-negative integer');
    const thisUpdate = date(args, 'this-update') ?? new Date(Math.floor(Date.now() / 1000) * 1000);
    const days = int(args, 'days');
    const next = date(args, 'next-update');
    if (next && days !== undefined) throw new UsageError('give --next-update or --days, not both');
    const nextUpdate = next ?? new Date(thisUpdate.getTime() + (days ?? 7) * 86400_000);
    const entries: CrlEntryInput[] = list(args, 'revoke').map((s) => parseEntry(s, thisUpdate));
    for (const spec of list(args, 'revoke-cert')) {
      const i = spec.lastIndexOf(':');
      const maybeReason = i > 0 ? spec.slice(i + 1) : '';
      const isReason = (REASONS as string[]).includes(maybeReason);
      const file = isReason ? spec.slice(0, i) : spec;
      const cert = loadCertificates(file)[0];
      if (!cert) throw new UsageError(`no certificate in ${file}`);
      const reason = isReason ? parseReason(maybeReason) : undefined;
      entries.push({ serial: cert, revocationDate: thisUpdate, ...(reason ? { reason } : {}) });
    }
    const crl = await issueCrl({
      issuer: ca,
      signer: new LocalSigner(key, [ca.der]),
      thisUpdate,
      nextUpdate,
      crlNumber: BigInt(numberText),
      entries,
      ...(deltaText !== undefined ? { deltaOf: BigInt(deltaText) } : {}),
    });
    writeOutput(str(args, 'out'), flag(args, 'der') ? crl.der : crl.toPem(), io);
    return EXIT_OK;
  },
};

/** Human-readable CRL summary. */
export function describeCrl(crl: Crl): string {
  const lines = [
    `Certificate Revocation List (v${crl.version})`,
    `  Issuer:        ${crl.issuer}`,
    `  This update:   ${crl.thisUpdate.toISOString()}`,
    `  Next update:   ${crl.nextUpdate?.toISOString() ?? '(none)'}`,
  ];
  if (crl.crlNumber !== undefined) lines.push(`  CRL number:    ${crl.crlNumber}`);
  if (crl.deltaCrlIndicator !== undefined)
    lines.push(`  Delta of:      CRL ${crl.deltaCrlIndicator} (delta CRL)`);
  const aki = crl.authorityKeyIdentifier?.keyIdentifier;
  if (aki) lines.push(`  Authority key: ${toHex(aki).replace(/(..)(?!$)/g, '$1:')}`);
  const idp = crl.issuingDistributionPoint;
  if (idp) {
    const flags = [
      idp.onlyContainsUserCerts && 'only end-entity certificates',
      idp.onlyContainsCACerts && 'only CA certificates',
      idp.indirectCRL && 'indirect',
      idp.onlySomeReasons && `reasons: ${idp.onlySomeReasons.join(', ')}`,
    ].filter(Boolean);
    const names = idp.distributionPoint?.fullName?.map(formatGeneralName).join(', ');
    lines.push(`  Distribution:  ${[names, ...flags].filter(Boolean).join('; ') || '(IDP present)'}`);
  }
  const crit = [...crl.unknownCriticalExtensions, ...crl.unknownCriticalEntryExtensions];
  if (crit.length)
    lines.push(`  UNKNOWN CRITICAL EXTENSIONS: ${crit.join(', ')} (this CRL must not be used)`);
  lines.push(`  Revoked:       ${crl.revoked.length}`);
  for (const e of crl.revoked) {
    const extra = [
      e.reason && `reason ${e.reason}`,
      e.invalidityDate && `invalid since ${e.invalidityDate.toISOString()}`,
      e.certificateIssuer && `issuer ${e.certificateIssuer.map(formatGeneralName).join(', ')}`,
    ].filter(Boolean);
    lines.push(
      `    ${serialHex(e.serialNumber)}  ${e.revocationDate.toISOString()}${extra.length ? `  ${extra.join('; ')}` : ''}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const crlShow: Command = {
  path: ['crl', 'show'],
  summary: 'print a CRL (PEM or DER)',
  usage: 'FILE [--json]',
  positionals: { min: 1, max: 1, names: 'FILE' },
  options: [{ name: 'json', type: 'boolean', description: 'machine-readable output' }],
  async run(args, io) {
    const crl = Crl.parse(readInput(args.positionals[0]!));
    io.out(flag(args, 'json') ? `${JSON.stringify(crl.toJSON(), null, 2)}\n` : describeCrl(crl));
    return EXIT_OK;
  },
};

export const crlCommands: Command[] = [crlIssue, crlShow];
