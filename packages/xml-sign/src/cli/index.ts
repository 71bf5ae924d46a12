/**
 * `@kyso/xml-sign/cli`: `kyso xml sign`, `kyso xml extend`, `kyso xml countersign`,
 * `kyso xml verify` and `kyso xml inspect`, for the kyso command table: pki-core's CLI `Command`s
 * (`@kyso/pki-core/cli`, whose option accessors they use), like `pdfCommands` of @kyso/pdf-sign;
 * the `kyso` binary composes them. Exit codes: 0 ok (verify: valid), 1 failure / not valid, 2 usage error or
 * unreadable input.
 *
 * @packageDocumentation
 */

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  Certificate,
  KysoError,
  LevelNotReachedError,
  LocalSigner,
  type Signer,
  TrustStore,
  httpTimeStamper,
  importPkcs12,
  onlineRevocationFetcher,
  pkcs12KeyForCertificate,
  privateKeyFromPkcs8,
} from '@kyso/pki-core';
import type { DetachedResolver } from '../dsig/reference.js';
import { type Command, type ParsedArgs, UsageError, flag, list, str } from '@kyso/pki-core/cli';
import { findSignatures } from '../dsig/verify.js';
import { counterSignXml, signXml } from '../sign/prepare.js';
import { extendXades } from '../xades/extend.js';
import type { XadesLevel } from '../xades/xades.js';
import { parseXml } from '../xml/parser.js';
import { type XmlRevocationMode, verifyXml } from '../verify/report.js';
import { renderXmlReport, xmlReportJson } from '../verify/render.js';
import { xmlEtsiReport } from '../verify/verdict.js';

/**
 * What `--remote URL --credential ID` needs to build a signer (the shape of pdf-sign's). xml-sign
 * does not depend on the signing server: the `kyso` binary of @kyso/signing-server passes a factory
 * built on its SDK (`createXmlCommands({ remoteSignerFactory })`); without one, `--remote` is a
 * usage error.
 */
export interface RemoteSignerRequest {
  /** Server base URL, without a trailing slash. */
  url: string;
  /** The remote credential (--credential). */
  credentialId: string;
  /** OAuth2 client id (--client-id). */
  clientId?: string;
  /** OAuth2 client secret (the contents of --client-secret-file). */
  clientSecret?: string;
  /** How long to wait for the subscriber's approval of each signature (ms). */
  approvalTimeoutMs: number;
  /** Shown to the subscriber with the pending request: `kyso xml sign FILE-NAME`. */
  description?: string;
  /** The name of the file being signed (shown to the subscriber as the document's name). */
  documentLabel?: () => string | undefined;
  /** Progress for the user (where to approve), written to stderr. */
  notify(text: string): void;
}
/** Builds the remote Signer for one run; rejects with RemoteSigningError for a reported failure. */
export type RemoteSignerFactory = (request: RemoteSignerRequest) => Promise<Signer>;

/** A remote signing failure the CLI reports without a stack (refused, expired, cancelled: exit code). */
export class RemoteSigningError extends Error {
  constructor(
    message: string,
    /** The command's exit code: 1 (refused, expired, timed out), 2 (usage), 130 (Ctrl-C). */
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'RemoteSigningError';
  }
}

/** Options of `createXmlCommands`. */
export interface XmlCommandsOptions {
  /** Enables --remote on `xml sign` and `xml countersign`. */
  remoteSignerFactory?: RemoteSignerFactory;
}

async function p12Signer(o: ParsedArgs): Promise<Signer> {
  const p12 = str(o, 'p12');
  const pwFile = str(o, 'password-file');
  if (!p12 || !pwFile)
    throw new UsageError('give --p12 FILE --password-file FILE (or --remote URL --credential ID)');
  const password = readFileSync(pwFile, 'utf8').replace(/\r?\n$/, '');
  const contents = await importPkcs12(readFileSync(p12), password);
  const leaf =
    contents.certificates.find((c) => pkcs12KeyForCertificate(contents, c) !== undefined) ??
    contents.certificates[0];
  const k = (leaf && pkcs12KeyForCertificate(contents, leaf)) ?? contents.keys[0];
  if (!leaf || !k) throw new KysoError('NOT_FOUND', 'the PKCS#12 file holds no key with a certificate');
  const kp = await privateKeyFromPkcs8(k.pkcs8);
  return new LocalSigner(kp, [
    leaf.der,
    ...contents.certificates.filter((c) => c !== leaf).map((c) => c.der),
  ]);
}

/**
 * --p12/--password-file, or --remote URL --credential ID [--client-id ID --client-secret-file FILE]
 * [--approval-timeout SECONDS] through the remote signer factory (checked before any request).
 */
async function signerFromOptions(
  o: ParsedArgs,
  command: string,
  input: string,
  io: { err(t: string): void },
  factory?: RemoteSignerFactory,
): Promise<Signer> {
  const url = str(o, 'remote');
  const credentialId = str(o, 'credential');
  if (str(o, 'remote') === undefined && str(o, 'credential') === undefined) return p12Signer(o);
  if (!factory)
    throw new UsageError(
      '--remote/--credential: remote signing needs the kyso binary of @kyso/signing-server',
    );
  if (!url || !credentialId) throw new UsageError('--remote URL and --credential ID go together');
  if (str(o, 'p12') !== undefined || str(o, 'password-file') !== undefined)
    throw new UsageError('--remote excludes --p12 and --password-file');
  const clientId = str(o, 'client-id');
  const secretFile = str(o, 'client-secret-file');
  if ((clientId === undefined) !== (secretFile === undefined))
    throw new UsageError('--client-id and --client-secret-file go together');
  const seconds = Number(str(o, 'approval-timeout') ?? '300');
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new UsageError('--approval-timeout must be a positive number of seconds');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--remote: not a URL: ${url}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new UsageError('--remote must be http(s)');
  return factory({
    url: url.replace(/\/+$/, ''),
    credentialId,
    ...(clientId !== undefined
      ? { clientId, clientSecret: readFileSync(secretFile!, 'utf8').replace(/\r?\n$/, '') }
      : {}),
    approvalTimeoutMs: seconds * 1000,
    // The file name only (no path): the subscriber sees what is being signed.
    description: `kyso ${command} ${path.basename(input)}`,
    documentLabel: () => path.basename(input),
    notify: (t) => io.err(t),
  });
}

const REMOTE_OPTIONS: Command['options'] = [
  {
    name: 'remote',
    type: 'string',
    description: 'kyso signing server URL (approval on URL/approve; TSA default URL/pki/tsa)',
  },
  { name: 'credential', type: 'string', description: 'remote credential id (with --remote)' },
  { name: 'client-id', type: 'string', description: 'OAuth2 client id (with --remote)' },
  { name: 'client-secret-file', type: 'string', description: 'file holding the OAuth2 client secret' },
  {
    name: 'approval-timeout',
    type: 'string',
    description: "seconds to wait for the subscriber's approval (default 300)",
  },
];
const REMOTE_USAGE =
  '--remote URL --credential ID --client-id ID --client-secret-file FILE [--approval-timeout SECONDS]';

const LEVELS: readonly XadesLevel[] = ['B-B', 'B-T', 'B-LT', 'B-LTA'];

/** --level (B-B unless `fallback` differs) and --tsa, checked together. */
function levelAndTsa(o: ParsedArgs, fallback?: XadesLevel): { level: XadesLevel; tsa?: string } {
  const level = (str(o, 'level')?.toUpperCase() ?? fallback) as XadesLevel | undefined;
  if (!level || !LEVELS.includes(level)) throw new UsageError('--level is B-B, B-T, B-LT or B-LTA');
  // With --remote, the server's own TSA unless --tsa says otherwise.
  const remote = str(o, 'remote')?.replace(/\/+$/, '');
  const tsa = str(o, 'tsa') ?? (remote && level !== 'B-B' ? `${remote}/pki/tsa` : undefined);
  if (level !== 'B-B' && !tsa) throw new UsageError(`--level ${level} needs --tsa URL`);
  return { level, ...(tsa ? { tsa } : {}) };
}

/** Refuses to overwrite an existing --out without --force (a signed document may be the only copy). */
function outFile(o: ParsedArgs): string {
  const out = str(o, 'out')!;
  if (!flag(o, 'force') && existsSync(out))
    throw new UsageError(`${out} already exists: pass --force to overwrite it, or choose another --out`);
  return out;
}

/** B-T and above for one signature: time-stamp, validation data from the network, archive time-stamp. */
async function raise(
  xml: Uint8Array,
  level: Exclude<XadesLevel, 'B-B'>,
  tsa: string,
  o: ParsedArgs,
  io: { err(t: string): void },
  resolveDetached?: DetachedResolver,
): Promise<{ xml: Uint8Array; added: string[] }> {
  const r = await extendXades(xml, {
    level,
    timeStamper: httpTimeStamper(tsa),
    ...(level === 'B-LT' || level === 'B-LTA' ? { revocation: onlineRevocationFetcher() } : {}),
    ...(flag(o, 'allow-lower-level') ? { acceptLowerLevel: true } : {}),
    ...(str(o, 'signature-id') ? { signatureId: str(o, 'signature-id') } : {}),
    ...(resolveDetached ? { resolveDetached } : {}),
  });
  for (const p of r.problems)
    io.err(`warning: no revocation data proving the status of ${p.subject}: ${p.missing}\n`);
  if (r.problems.length > 0)
    io.err(
      `warning: ${level} structure written with incomplete validation data (--allow-lower-level): a verifier needs the missing status from elsewhere\n`,
    );
  return { xml: r.xml, added: r.added };
}

const LEVEL_OPTIONS: Command['options'] = [
  { name: 'tsa', type: 'string', description: 'RFC 3161 time-stamp authority URL (B-T and above)' },
  {
    name: 'allow-lower-level',
    type: 'boolean',
    description: 'B-LT/B-LTA: add the validation data found even if it does not prove every certificate',
  },
];

const createSignCommand = (factory?: RemoteSignerFactory): Command => ({
  path: ['xml', 'sign'],
  summary: 'sign an XML document (XML-DSig, XAdES B-B..B-LTA, Vietnamese e-invoice)',
  usage: `IN --out OUT (--p12 FILE --password-file FILE | ${REMOTE_USAGE}) [--profile xmldsig|xades|einvoice] [--level B-B|B-T|B-LT|B-LTA --tsa URL [--allow-lower-level]] [--detached] [--enveloping]`,
  positionals: { min: 1, max: 1, names: 'IN' },
  options: [
    { name: 'out', type: 'string', description: 'output XML', required: true },
    { name: 'p12', type: 'string', description: 'PKCS#12 file with the key and certificate' },
    { name: 'password-file', type: 'string', description: 'file holding the PKCS#12 password' },
    ...REMOTE_OPTIONS,
    { name: 'profile', type: 'string', description: 'xmldsig (default), xades, einvoice' },
    {
      name: 'level',
      type: 'string',
      description: 'XAdES level: B-B (default), B-T, B-LT or B-LTA (above B-B: XAdES, needs --tsa)',
    },
    ...LEVEL_OPTIONS,
    {
      name: 'detached',
      type: 'boolean',
      description: "detached signature over IN (any bytes); the Reference URI is IN's file name",
    },
    { name: 'enveloping', type: 'boolean', description: 'enveloping: IN inside a ds:Object' },
  ],
  async run(args, io) {
    const o = args;
    const { positionals } = args;
    try {
      const input = readFileSync(positionals[0]!);
      const out = outFile(o);
      const profile = str(o, 'profile') ?? 'xmldsig';
      if (!['xmldsig', 'xades', 'einvoice'].includes(profile))
        throw new UsageError(`unknown --profile ${profile}`);
      const { level, tsa } = levelAndTsa(o, 'B-B');
      const signer = await signerFromOptions(o, 'xml sign', positionals[0]!, io, factory);
      const packaging = flag(o, 'detached') ? 'detached' : flag(o, 'enveloping') ? 'enveloping' : 'enveloped';
      let xml = await signXml(input, signer, {
        packaging,
        profile: profile === 'einvoice' ? 'einvoice' : 'xmldsig',
        ...(profile === 'xades' || level !== 'B-B' ? { xades: {} } : {}),
        ...(packaging === 'detached' ? { detachedUri: path.basename(positionals[0]!) } : {}),
      });
      if (level !== 'B-B') {
        const name = path.basename(positionals[0]!);
        xml = (await raise(xml, level, tsa!, o, io, (uri) => (uri === name ? input : undefined))).xml;
      }
      writeFileSync(out, xml);
      io.out(`signed at ${profile === 'xmldsig' && level === 'B-B' ? 'XML-DSig' : level}: ${out}\n`);
      return 0;
    } catch (e) {
      return fail(e, io);
    }
  },
});

const extendCommand: Command = {
  path: ['xml', 'extend'],
  summary: "raise a XAdES signature's level (B-T, B-LT, B-LTA) without touching what is signed",
  usage:
    'IN --out OUT --level B-T|B-LT|B-LTA --tsa URL [--allow-lower-level] [--signature-id ID] [--detached-dir DIR]',
  positionals: { min: 1, max: 1, names: 'IN' },
  options: [
    { name: 'out', type: 'string', description: 'output XML', required: true },
    {
      name: 'level',
      type: 'string',
      description: 'B-T, B-LT or B-LTA (B-LTA on a B-LTA signature renews its archive time-stamp)',
      required: true,
    },
    ...LEVEL_OPTIONS,
    { name: 'signature-id', type: 'string', description: "the signature's Id (default: the first)" },
    {
      name: 'detached-dir',
      type: 'string',
      description: 'B-LTA of a detached signature: folder holding the signed files',
    },
  ],
  async run(args, io) {
    const o = args;
    const { positionals } = args;
    try {
      const input = readFileSync(positionals[0]!);
      const out = outFile(o);
      const { level, tsa } = levelAndTsa(o);
      if (level === 'B-B') throw new UsageError('--level is B-T, B-LT or B-LTA');
      const dir = str(o, 'detached-dir');
      const r = await raise(input, level, tsa!, o, io, dir ? detachedResolver(dir) : undefined);
      writeFileSync(out, r.xml);
      io.out(
        `extended to ${level}${r.added.length ? ` (added ${r.added.join(', ')})` : ' (nothing to add)'}: ${out}\n`,
      );
      return 0;
    } catch (e) {
      return fail(e, io);
    }
  },
};

const createCountersignCommand = (factory?: RemoteSignerFactory): Command => ({
  path: ['xml', 'countersign'],
  summary: "add a XAdES counter-signature over a signature's ds:SignatureValue",
  usage: `IN --out OUT (--p12 FILE --password-file FILE | ${REMOTE_USAGE}) [--signature-id ID]`,
  positionals: { min: 1, max: 1, names: 'IN' },
  options: [
    { name: 'out', type: 'string', description: 'output XML', required: true },
    { name: 'p12', type: 'string', description: 'PKCS#12 file of the countersigner' },
    { name: 'password-file', type: 'string', description: 'file holding the PKCS#12 password' },
    ...REMOTE_OPTIONS,
    {
      name: 'signature-id',
      type: 'string',
      description: "the countersigned signature's Id (default: the first)",
    },
  ],
  async run(args, io) {
    const o = args;
    const { positionals } = args;
    try {
      const input = readFileSync(positionals[0]!);
      const out = outFile(o);
      const signer = await signerFromOptions(o, 'xml countersign', positionals[0]!, io, factory);
      const id = str(o, 'signature-id');
      const xml = await counterSignXml(input, signer, id ? { counterSignedId: id } : {});
      writeFileSync(out, xml);
      io.out(`countersigned: ${out}\n`);
      return 0;
    } catch (e) {
      return fail(e, io);
    }
  },
});

/** Looks relative detached References up in `dir` (no scheme, no `..`). */
function detachedResolver(dir: string) {
  return (uri: string | undefined): Uint8Array | undefined => {
    if (!uri || /^[a-z]+:/i.test(uri) || uri.includes('..')) return undefined;
    try {
      return readFileSync(path.join(dir, uri));
    } catch {
      return undefined;
    }
  };
}

const verifyCommand: Command = {
  path: ['xml', 'verify'],
  summary: 'verify every signature of an XML document and print the report',
  usage:
    'IN --trust ROOT.pem [--json | --report etsi] [--lang vi|en] [--revocation embedded-only|fetch|soft-fail|off] [--detached-dir DIR]',
  positionals: { min: 1, max: 1, names: 'IN' },
  options: [
    { name: 'trust', type: 'multi', description: 'trust anchor certificate(s), PEM or DER' },
    {
      name: 'json',
      type: 'boolean',
      description: 'print the report as JSON (with EN 319 102-1 verdict fields)',
    },
    { name: 'report', type: 'string', description: 'etsi: print an ETSI TS 119 102-2 XML validation report' },
    { name: 'lang', type: 'string', description: 'vi (default) or en' },
    { name: 'revocation', type: 'string', description: 'embedded-only (default), fetch, soft-fail, off' },
    {
      name: 'detached-dir',
      type: 'string',
      description: 'folder where relative detached References are looked up',
    },
  ],
  async run(args, io) {
    const o = args;
    const { positionals } = args;
    try {
      const trust = list(o, 'trust');
      const store =
        trust.length > 0
          ? new TrustStore(trust.flatMap((f) => Certificate.parseAll(readFileSync(f))))
          : undefined;
      const mode = (str(o, 'revocation') ?? 'embedded-only') as XmlRevocationMode;
      if (!['embedded-only', 'fetch', 'soft-fail', 'off'].includes(mode))
        throw new UsageError(`unknown --revocation ${mode}`);
      const lang = str(o, 'lang') ?? 'vi';
      if (lang !== 'vi' && lang !== 'en') throw new UsageError('--lang is vi or en');
      const kind = str(o, 'report');
      if (kind !== undefined && kind !== 'etsi') throw new UsageError('--report is etsi');
      if (kind && flag(o, 'json')) throw new UsageError('--report etsi and --json exclude each other');
      const dir = str(o, 'detached-dir');
      const report = await verifyXml(readFileSync(positionals[0]!), {
        ...(store ? { trustStore: store } : {}),
        revocation: mode,
        ...(dir ? { resolveDetached: detachedResolver(dir) } : {}),
      });
      io.out(
        flag(o, 'json')
          ? `${JSON.stringify(xmlReportJson(report), null, 2)}\n`
          : kind === 'etsi'
            ? xmlEtsiReport(report)
            : renderXmlReport(report, lang),
      );
      return report.valid ? 0 : 1;
    } catch (e) {
      return fail(e, io);
    }
  },
};

const inspectCommand: Command = {
  path: ['xml', 'inspect'],
  summary: 'list the signatures of an XML document (no validation)',
  positionals: { min: 1, max: 1, names: 'IN' },
  options: [],
  async run({ positionals }, io) {
    try {
      const doc = parseXml(readFileSync(positionals[0]!));
      const sigs = findSignatures(doc);
      io.out(`root: ${doc.root.name}; signatures: ${sigs.length}; duplicate IDs: ${doc.duplicateIds.size}\n`);
      for (const s of sigs) {
        const parent = s.parent.kind === 'element' ? s.parent.name : '/';
        const id = s.attributes.find((a) => a.local === 'Id')?.value;
        io.out(`- ${id ?? '(no Id)'} in ${parent}\n`);
      }
      return 0;
    } catch (e) {
      return fail(e, io);
    }
  },
};

function fail(e: unknown, io: { err(t: string): void }): number {
  if (e instanceof UsageError) {
    io.err(`usage: ${e.message}\n`);
    return 2;
  }
  if (e instanceof RemoteSigningError) {
    io.err(`error: ${e.message}\n`);
    return e.exitCode;
  }
  if (e instanceof LevelNotReachedError) {
    // A failure to reach the level, not a usage error: nothing was written.
    io.err(`error: ${e.message}\n`);
    return 1;
  }
  if (e instanceof KysoError || (e as NodeJS.ErrnoException)?.code === 'ENOENT') {
    io.err(`error: ${(e as Error).message}\n`);
    return 2;
  }
  throw e;
}

/** The xml commands; `remoteSignerFactory` (the signing server's `kyso` binary) enables --remote. */
export const createXmlCommands = (options: XmlCommandsOptions = {}): Command[] => [
  createSignCommand(options.remoteSignerFactory),
  extendCommand,
  createCountersignCommand(options.remoteSignerFactory),
  verifyCommand,
  inspectCommand,
];

/**
 * The `kyso xml` commands (sign, extend, countersign, verify, inspect) without remote signing, for a
 * CLI built with `@kyso/pki-core/cli`; `createXmlCommands` with a remote signer factory enables
 * `--remote`.
 */
export const xmlCommands: Command[] = createXmlCommands();
