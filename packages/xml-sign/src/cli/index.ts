/**
 * `@kyso/xml-sign/cli`: `kyso xml sign`, `kyso xml extend`, `kyso xml countersign`,
 * `kyso xml verify` and `kyso xml inspect`, for the kyso command table: pki-core's CLI `Command`s
 * (`@kyso/pki-core/cli`, whose option accessors they use), like `pdfCommands` of @kyso/pdf-sign;
 * the `kyso` binary composes them. Exit codes: 0 ok (verify: valid), 1 failure / not valid, 2 usage
 * error or unreadable input.
 *
 * @packageDocumentation
 */

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { KysoError, LevelNotReachedError, httpTimeStamper, onlineRevocationFetcher } from '@kyso/pki-core';
import {
  type Command,
  type Io,
  type ParsedArgs,
  type RemoteSignerFactory,
  RemoteSigningError,
  SIGNER_USAGE,
  UsageError,
  VN_ROOTS_OPTION,
  flag,
  levelAndTsa,
  levelOptions,
  refuseExistingOutput,
  reportForm,
  reportOptions,
  signerFromOptions,
  signerOptions,
  str,
  trustOption,
  trustStoreFromOptions,
} from '@kyso/pki-core/cli';
import type { DetachedResolver } from '../dsig/reference.js';
import { findSignatures } from '../dsig/verify.js';
import { counterSignXml, signXml } from '../sign/prepare.js';
import { extendXades } from '../xades/extend.js';
import type { XadesLevel } from '../xades/xades.js';
import { parseXml } from '../xml/parser.js';
import { type XmlRevocationMode, verifyXml } from '../verify/report.js';
import { renderXmlReport, xmlReportJson } from '../verify/render.js';
import { xmlEtsiReport } from '../verify/verdict.js';

// The signer, level and report options and the remote signer seam are pki-core's
// (`@kyso/pki-core/cli`), shared with `kyso pdf sign|verify`; re-exported for the users of
// @kyso/xml-sign/cli.
export {
  type RemoteSignerFactory,
  type RemoteSignerRequest,
  RemoteSigningError,
} from '@kyso/pki-core/cli';

/** Options of `createXmlCommands`. */
export interface XmlCommandsOptions {
  /** Enables --remote on `xml sign` and `xml countersign`. */
  remoteSignerFactory?: RemoteSignerFactory;
}

/** The signer of --p12, --key/--cert or --remote (the file name only is shown to the subscriber). */
function signer(o: ParsedArgs, command: string, input: string, io: Io, factory?: RemoteSignerFactory) {
  return signerFromOptions(o, {
    factory,
    notify: (t) => io.err(t),
    description: `kyso ${command} ${path.basename(input)}`,
    documentLabel: () => path.basename(input),
  });
}

/** --out, refused when it exists unless --force (a signed document may be the only copy). */
function outFile(o: ParsedArgs): string {
  const out = str(o, 'out')!;
  refuseExistingOutput(o, out);
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

const createSignCommand = (factory?: RemoteSignerFactory): Command => ({
  path: ['xml', 'sign'],
  summary: 'sign an XML document (XML-DSig, XAdES B-B..B-LTA, Vietnamese e-invoice)',
  usage: `IN --out OUT ${SIGNER_USAGE} [--profile xmldsig|xades|einvoice] [--level B-B|B-T|B-LT|B-LTA --tsa URL [--allow-lower-level]] [--detached] [--enveloping]`,
  positionals: { min: 1, max: 1, names: 'IN' },
  options: [
    { name: 'out', type: 'string', description: 'output XML', required: true },
    ...signerOptions(),
    { name: 'profile', type: 'string', description: 'xmldsig (default), xades, einvoice' },
    ...levelOptions({
      description: 'XAdES level: B-B (default), B-T, B-LT or B-LTA (above B-B: XAdES, needs --tsa)',
    }),
    {
      name: 'detached',
      type: 'boolean',
      description: "detached signature over IN (any bytes); the Reference URI is IN's file name",
    },
    { name: 'enveloping', type: 'boolean', description: 'enveloping: IN inside a ds:Object' },
  ],
  run: guarded(async (o, io) => {
    const { positionals } = o;
    const input = readFileSync(positionals[0]!);
    const out = outFile(o);
    const profile = str(o, 'profile') ?? 'xmldsig';
    if (!['xmldsig', 'xades', 'einvoice'].includes(profile))
      throw new UsageError(`unknown --profile ${profile}`);
    const { level, tsa } = levelAndTsa(o, 'B-B');
    const key = await signer(o, 'xml sign', positionals[0]!, io, factory);
    const packaging = flag(o, 'detached') ? 'detached' : flag(o, 'enveloping') ? 'enveloping' : 'enveloped';
    let xml = await signXml(input, key, {
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
  }),
});

const extendCommand: Command = {
  path: ['xml', 'extend'],
  summary: "raise a XAdES signature's level (B-T, B-LT, B-LTA) without touching what is signed",
  usage:
    'IN --out OUT --level B-T|B-LT|B-LTA --tsa URL [--allow-lower-level] [--signature-id ID] [--detached-dir DIR]',
  positionals: { min: 1, max: 1, names: 'IN' },
  options: [
    { name: 'out', type: 'string', description: 'output XML', required: true },
    ...levelOptions({
      description: 'B-T, B-LT or B-LTA (B-LTA on a B-LTA signature renews its archive time-stamp)',
      required: true,
    }),
    { name: 'signature-id', type: 'string', description: "the signature's Id (default: the first)" },
    {
      name: 'detached-dir',
      type: 'string',
      description: 'B-LTA of a detached signature: folder holding the signed files',
    },
  ],
  run: guarded(async (o, io) => {
    const { positionals } = o;
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
  }),
};

const createCountersignCommand = (factory?: RemoteSignerFactory): Command => ({
  path: ['xml', 'countersign'],
  summary: "add a XAdES counter-signature over a signature's ds:SignatureValue",
  usage: `IN --out OUT ${SIGNER_USAGE} [--signature-id ID]`,
  positionals: { min: 1, max: 1, names: 'IN' },
  options: [
    { name: 'out', type: 'string', description: 'output XML', required: true },
    ...signerOptions("the countersigner's key and certificate chain"),
    {
      name: 'signature-id',
      type: 'string',
      description: "the countersigned signature's Id (default: the first)",
    },
  ],
  run: guarded(async (o, io) => {
    const { positionals } = o;
    const input = readFileSync(positionals[0]!);
    const out = outFile(o);
    const key = await signer(o, 'xml countersign', positionals[0]!, io, factory);
    const id = str(o, 'signature-id');
    const xml = await counterSignXml(input, key, id ? { counterSignedId: id } : {});
    writeFileSync(out, xml);
    io.out(`countersigned: ${out}\n`);
    return 0;
  }),
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
    'IN [--trust ROOT ...] [--vn-roots] [--json | --report etsi] [--lang vi|en] [--revocation embedded-only|fetch|soft-fail|off] [--detached-dir DIR]',
  positionals: { min: 1, max: 1, names: 'IN' },
  options: [
    trustOption(),
    VN_ROOTS_OPTION,
    ...reportOptions({ lang: true }),
    { name: 'revocation', type: 'string', description: 'embedded-only (default), fetch, soft-fail, off' },
    {
      name: 'detached-dir',
      type: 'string',
      description: 'folder where relative detached References are looked up',
    },
  ],
  run: guarded(async (o, io) => {
    const { positionals } = o;
    const store = trustStoreFromOptions(o);
    const mode = (str(o, 'revocation') ?? 'embedded-only') as XmlRevocationMode;
    if (!['embedded-only', 'fetch', 'soft-fail', 'off'].includes(mode))
      throw new UsageError(`unknown --revocation ${mode}`);
    const { format, lang } = reportForm(o);
    const dir = str(o, 'detached-dir');
    const report = await verifyXml(readFileSync(positionals[0]!), {
      ...(store ? { trustStore: store } : {}),
      revocation: mode,
      ...(dir ? { resolveDetached: detachedResolver(dir) } : {}),
    });
    io.out(
      format === 'json'
        ? `${JSON.stringify(xmlReportJson(report), null, 2)}\n`
        : format === 'etsi'
          ? xmlEtsiReport(report)
          : renderXmlReport(report, lang),
    );
    return report.valid ? 0 : 1;
  }),
};

const inspectCommand: Command = {
  path: ['xml', 'inspect'],
  summary: 'list the signatures of an XML document (no validation)',
  positionals: { min: 1, max: 1, names: 'IN' },
  options: [],
  run: guarded(async ({ positionals }, io) => {
    const doc = parseXml(readFileSync(positionals[0]!));
    const sigs = findSignatures(doc);
    io.out(`root: ${doc.root.name}; signatures: ${sigs.length}; duplicate IDs: ${doc.duplicateIds.size}\n`);
    for (const s of sigs) {
      const parent = s.parent.kind === 'element' ? s.parent.name : '/';
      const id = s.attributes.find((a) => a.local === 'Id')?.value;
      io.out(`- ${id ?? '(no Id)'} in ${parent}\n`);
    }
    return 0;
  }),
};

/** A command body whose errors `fail` reports with their exit code. */
function guarded(body: Command['run']): Command['run'] {
  return async (args, io) => {
    try {
      return await body(args, io);
    } catch (e) {
      return fail(e, io);
    }
  };
}

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
