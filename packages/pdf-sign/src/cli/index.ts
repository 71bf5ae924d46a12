/**
 * `@kyso/pdf-sign/cli`: `kyso pdf sign`, `kyso pdf inspect` and `kyso pdf verify`, for the kyso
 * command table: pki-core's CLI `Command`s (`@kyso/pki-core/cli`, whose option accessors they use);
 * the `kyso` binary composes them. Exit codes: 0 ok, 1 failure, 2 usage error or unreadable input.
 *
 * @packageDocumentation
 */

import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  Certificate,
  KysoError,
  LocalSigner,
  type Signer,
  httpTimeStamper,
  importPkcs12,
  importPrivateKey,
  pkcs12KeyForCertificate,
  privateKeyFromPkcs8,
} from '@kyso/pki-core';
import { type Command, type ParsedArgs, UsageError, flag, list, readInput, str } from '@kyso/pki-core/cli';
import { FileSource } from '../pdf/file-source.node.js';
import { PdfReader } from '../pdf/reader.js';
import { docMdpPermission, listFields } from '../sign/fields.js';
import type { PadesLevel } from '../sign/pades.js';
import { Progress, pdfFilesIn, visibleSignatureFromOptions } from '../sign/cli-support.node.js';
import { signPdfFile } from '../sign/file.node.js';
import { onlineRevocationFetcher } from '../sign/validation-data.js';
import { verifyPdfIntegrity } from '../verify/integrity.js';
import { pdfVerifyCommand } from './verify.js';

/**
 * What `--remote URL --credential ID` needs to build a signer. pdf-sign does not depend on the
 * signing server: the `kyso` binary of @kyso/signing-server passes a factory built on its SDK
 * (`createPdfCommands({ remoteSignerFactory })`); without one, `--remote` is a usage error.
 */
export interface RemoteSignerRequest {
  /** Server base URL (e.g. https://kyso.example.gov.vn). */
  url: string;
  /** The credential to sign with (--credential, the CSC credentialID). */
  credentialId: string;
  /** OAuth2 client credentials (--client-id, --client-secret-file). */
  clientId?: string;
  /** The client secret, read from --client-secret-file (never from the command line). */
  clientSecret?: string;
  /** How long to wait for the subscriber's approval of each signature (ms). */
  approvalTimeoutMs: number;
  /** Shown to the subscriber with the pending request. */
  description?: string;
  /** The name of the file being signed now (shown to the subscriber as the document's name). */
  documentLabel?: () => string | undefined;
  /** Progress for the user (where to approve), written to stderr. */
  notify(text: string): void;
}
/**
 * Builds a remote `Signer` for `kyso pdf sign --remote` (the signing server's binary passes one built on
 * its SDK, which asks the subscriber to approve each signature). Reject with `RemoteSigningError` to
 * end the command with its exit code and message, without a stack.
 */
export type RemoteSignerFactory = (request: RemoteSignerRequest) => Promise<Signer>;

/** A remote signing failure the CLI reports without a stack (refused, expired, cancelled: exit code). */
export class RemoteSigningError extends Error {
  constructor(
    message: string,
    /** The exit code of the command (default 1). */
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'RemoteSigningError';
  }
}

/** Options of `createPdfCommands` / `createPdfSignCommand`. */
export interface PdfCommandsOptions {
  /** Enables `--remote URL --credential ID`; without it `--remote` is a usage error (`EXIT_USAGE`). */
  remoteSignerFactory?: RemoteSignerFactory;
}

/**
 * Builds a Signer from --p12/--password-file or --key/--cert [--chain], or from --remote URL
 * --credential ID [--client-id ID --client-secret-file FILE] [--approval-timeout SECONDS] with a
 * remote signer factory.
 */
export async function signerFromOptions(
  o: ParsedArgs,
  remote?: {
    factory?: RemoteSignerFactory;
    notify(text: string): void;
    description?: string;
    documentLabel?: () => string | undefined;
  },
): Promise<Signer> {
  const p12 = str(o, 'p12');
  const key = str(o, 'key');
  const url = str(o, 'remote');
  const credentialId = str(o, 'credential');
  if (url !== undefined || credentialId !== undefined) {
    if (!remote?.factory)
      throw new UsageError(
        '--remote/--credential: remote signing needs the kyso binary of @kyso/signing-server',
      );
    if (!url || !credentialId) throw new UsageError('--remote URL and --credential ID go together');
    if (p12 !== undefined || key !== undefined) throw new UsageError('--remote excludes --p12 and --key');
    const clientId = str(o, 'client-id');
    const secretFile = str(o, 'client-secret-file');
    if ((clientId === undefined) !== (secretFile === undefined))
      throw new UsageError('--client-id and --client-secret-file go together');
    const timeoutS = str(o, 'approval-timeout') ?? '300';
    const seconds = Number(timeoutS);
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
    return remote.factory({
      url: url.replace(/\/+$/, ''),
      credentialId,
      ...(clientId !== undefined
        ? { clientId, clientSecret: new TextDecoder().decode(readInput(secretFile!)).replace(/\r?\n$/, '') }
        : {}),
      approvalTimeoutMs: seconds * 1000,
      ...(remote.description ? { description: remote.description } : {}),
      ...(remote.documentLabel ? { documentLabel: remote.documentLabel } : {}),
      notify: remote.notify,
    });
  }
  if ((p12 === undefined) === (key === undefined))
    throw new UsageError('give either --p12 FILE --password-file FILE or --key FILE --cert FILE');
  if (p12 !== undefined) {
    const pwFile = str(o, 'password-file');
    if (!pwFile) throw new UsageError('--p12 needs --password-file');
    const password = new TextDecoder().decode(readInput(pwFile)).replace(/\r?\n$/, '');
    const contents = await importPkcs12(readInput(p12), password);
    const leaf =
      contents.certificates.find((c) => pkcs12KeyForCertificate(contents, c) !== undefined) ??
      contents.certificates[0];
    const k = (leaf && pkcs12KeyForCertificate(contents, leaf)) ?? contents.keys[0];
    if (!leaf || !k) throw new KysoError('NOT_FOUND', 'the PKCS#12 file holds no key with a certificate');
    const kp = await privateKeyFromPkcs8(k.pkcs8);
    const chain = [leaf.der, ...contents.certificates.filter((c) => c !== leaf).map((c) => c.der)];
    return new LocalSigner(kp, chain);
  }
  const certFile = str(o, 'cert');
  if (!certFile) throw new UsageError('--key needs --cert');
  const kp = await importPrivateKey(new TextDecoder().decode(readInput(key!)));
  const certs = Certificate.parseAll(readInput(certFile));
  for (const c of list(o, 'chain')) certs.push(...Certificate.parseAll(readInput(c)));
  return new LocalSigner(
    kp,
    certs.map((c) => c.der),
  );
}

const LEVELS: readonly PadesLevel[] = ['B-B', 'B-T', 'B-LT', 'B-LTA'];

async function guard(io: { err(t: string): void }, f: () => Promise<number>): Promise<number> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`kyso pdf: ${e.message}\n`);
      return 2;
    }
    if (e instanceof RemoteSigningError) {
      io.err(`kyso pdf: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}

/** The options of `kyso pdf sign` (data). */
const PDF_SIGN_OPTIONS: Command['options'] = [
  { name: 'out', type: 'string', description: 'output PDF', required: true },
  { name: 'p12', type: 'string', description: 'PKCS#12 file with the key and chain' },
  { name: 'password-file', type: 'string', description: 'file holding the PKCS#12 password' },
  { name: 'key', type: 'string', description: 'private key (PEM)' },
  {
    name: 'cert',
    type: 'string',
    description: 'signer certificate (PEM/DER; more certificates may follow)',
  },
  { name: 'chain', type: 'multi', description: 'intermediate certificates (PEM)' },
  { name: 'level', type: 'string', description: 'B-B (default), B-T, B-LT or B-LTA' },
  { name: 'tsa', type: 'string', description: 'RFC 3161 time-stamping URL (B-T and above)' },
  {
    name: 'allow-lower-level',
    type: 'boolean',
    description:
      'B-LT/B-LTA: sign even when revocation data cannot prove every certificate (the output says the level reached)',
  },
  { name: 'certify', type: 'string', description: 'certification signature with DocMDP P=1|2|3' },
  { name: 'field', type: 'string', description: 'signature field name (existing empty field, or created)' },
  { name: 'reason', type: 'string', description: 'reason (/Reason)' },
  { name: 'location', type: 'string', description: 'location (/Location)' },
  { name: 'contact', type: 'string', description: 'contact information (/ContactInfo)' },
  {
    name: 'subfilter',
    type: 'string',
    description: 'ETSI.CAdES.detached (default) or adbe.pkcs7.detached',
  },
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
  {
    name: 'appearance',
    type: 'string',
    description: 'visible signature: person, seal or stamp (Decree 30)',
  },
  { name: 'image', type: 'string', description: 'PNG: the signature image (person) or the seal (seal)' },
  { name: 'page', type: 'string', description: 'page of the visible signature (from 1; default 1)' },
  { name: 'rect', type: 'string', description: 'visible signature rectangle x,y,w,h in points' },
  { name: 'title', type: 'multi', description: 'person: title lines above the signature (repeat)' },
  { name: 'name', type: 'string', description: "person: the signer's name under the signature" },
  { name: 'seal-mm', type: 'string', description: 'seal: real diameter in mm (default from the PNG)' },
  { name: 'agency', type: 'string', description: 'stamp: the agency' },
  { name: 'number', type: 'string', description: 'stamp: document number and symbol' },
  { name: 'copy', type: 'boolean', description: 'stamp: electronic copy (SAO Y) instead of appendix' },
];

/** `kyso pdf sign`; `remoteSignerFactory` enables --remote. */
export const createPdfSignCommand = (commandOptions: PdfCommandsOptions = {}): Command => ({
  path: ['pdf', 'sign'],
  summary: 'sign a PDF (PAdES B-B..B-LTA) by incremental update',
  usage:
    'IN --out OUT (--p12 FILE --password-file FILE | --key FILE --cert FILE [--chain FILE] | --remote URL --credential ID [--client-id ID --client-secret-file FILE] [--approval-timeout SECONDS]) [--level B-B|B-T|B-LT|B-LTA --tsa URL [--allow-lower-level]] [--appearance person|seal|stamp --image PNG --page N --rect x,y,w,h]; IN may be a folder (every .pdf in it, into the folder --out)',
  positionals: { min: 1, max: 1, names: 'IN' },
  options: PDF_SIGN_OPTIONS,
  run: (args, io) =>
    guard(io, async () => {
      const o = args;
      const inPath = args.positionals[0]!;
      try {
        accessSync(inPath, constants.R_OK);
      } catch (e) {
        throw new UsageError(`cannot read ${inPath}: ${(e as Error).message}`);
      }
      const out = str(o, 'out');
      if (!out) throw new UsageError('--out is required');
      const level = (str(o, 'level') ?? 'B-B').toUpperCase() as PadesLevel;
      if (!LEVELS.includes(level)) throw new UsageError('--level must be B-B, B-T, B-LT or B-LTA');
      const remoteUrl = str(o, 'remote')?.replace(/\/+$/, '');
      // With --remote, the server's own TSA unless --tsa says otherwise.
      const tsa = str(o, 'tsa') ?? (remoteUrl && level !== 'B-B' ? `${remoteUrl}/pki/tsa` : undefined);
      if (level !== 'B-B' && !tsa) throw new UsageError(`--level ${level} needs --tsa URL`);
      const certifyS = str(o, 'certify');
      if (certifyS !== undefined && !['1', '2', '3'].includes(certifyS))
        throw new UsageError('--certify must be 1, 2 or 3');
      const sf = str(o, 'subfilter');
      if (sf !== undefined && sf !== 'ETSI.CAdES.detached' && sf !== 'adbe.pkcs7.detached') {
        throw new UsageError('--subfilter must be ETSI.CAdES.detached or adbe.pkcs7.detached');
      }
      // The file being signed: a remote signer shows its name to the subscriber who approves.
      let current = path.basename(inPath);
      const signer = await signerFromOptions(o, {
        ...(commandOptions.remoteSignerFactory ? { factory: commandOptions.remoteSignerFactory } : {}),
        notify: (t) => io.err(t),
        description: `kyso pdf sign ${path.basename(inPath)}`,
        documentLabel: () => current,
      });
      const field = str(o, 'field');
      const reason = str(o, 'reason');
      const location = str(o, 'location');
      const contact = str(o, 'contact');
      const visible = visibleSignatureFromOptions(o);
      const signOne = (from: string, to: string) => {
        // A signed PDF overwritten by mistake may be the only copy: refuse without --force.
        if (!flag(o, 'force') && existsSync(to))
          throw new UsageError(`${to} already exists: pass --force to overwrite it, or choose another --out`);
        // Files are signed through positioned reads and a streamed copy (never loaded whole).
        return signPdfFile(from, to, {
          signer,
          level,
          ...(tsa ? { timeStamper: httpTimeStamper(tsa) } : {}),
          ...(level === 'B-LT' || level === 'B-LTA' ? { revocation: onlineRevocationFetcher() } : {}),
          ...(certifyS ? { certify: Number(certifyS) as 1 | 2 | 3 } : {}),
          ...(field ? { fieldName: field } : {}),
          ...(reason !== undefined ? { reason } : {}),
          ...(location !== undefined ? { location } : {}),
          ...(contact !== undefined ? { contactInfo: contact } : {}),
          ...(sf ? { subFilter: sf } : {}),
          ...(flag(o, 'allow-lower-level') ? { acceptLowerLevel: true } : {}),
          ...visible,
        }).catch((e: NodeJS.ErrnoException) => {
          // File system errors (missing output folder, permissions): usage-level, exit 2.
          if (typeof e?.syscall === 'string') throw new UsageError(`cannot write ${to}: ${e.message}`);
          throw e;
        });
      };
      if (statSync(inPath).isDirectory()) {
        // A folder: every .pdf in it, signed into the folder --out, with a progress display.
        const files = pdfFilesIn(inPath);
        if (files.length === 0) throw new UsageError(`no .pdf files in ${inPath}`);
        try {
          mkdirSync(out, { recursive: true });
        } catch (e) {
          throw new UsageError(`cannot create ${out}: ${(e as Error).message}`);
        }
        if (path.resolve(out) === path.resolve(inPath)) throw new UsageError('--out must be another folder');
        const progress = new Progress(files.length, process.stderr);
        for (const f of files) {
          current = f;
          try {
            await signOne(path.join(inPath, f), path.join(out, f));
            progress.tick(f);
          } catch (e) {
            // Usage problems and a cancelled remote approval (Ctrl-C) stop the whole folder.
            if (e instanceof UsageError || (e instanceof RemoteSigningError && e.exitCode === 130)) throw e;
            progress.tick(f, (e as Error).message);
          }
        }
        io.out(`signed ${files.length - progress.failed} of ${files.length} file(s) into ${out}\n`);
        return progress.failed > 0 ? 1 : 0;
      }
      const res = await signOne(inPath, out);
      io.out(`signed field ${res.fieldName} at ${res.level}: ${out}\n`);
      if (res.level !== res.requestedLevel)
        io.err(`warning: asked for ${res.requestedLevel}, reached ${res.level} (--allow-lower-level)\n`);
      for (const p of res.validationData?.problems ?? [])
        io.err(`warning: no revocation data proving the status of ${p.subject}: ${p.missing}\n`);
      return 0;
    }),
});

/**
 * `kyso pdf sign IN OUT`: signs a PDF file with a PKCS#12 or PEM key (PAdES B-B to B-LTA, ETSI EN 319
 * 142-1; visible Decree 30/2020 person/seal/stamp appearances), without remote signing. Run
 * `kyso pdf sign --help` for the options.
 */
export const pdfSignCommand: Command = createPdfSignCommand();

/**
 * `kyso pdf inspect IN [--json]`: lists the revisions, form fields and signatures of a PDF, with each
 * signature's integrity checked (no trust, no revocation). The file is read through a `FileSource`.
 */
export const pdfInspectCommand: Command = {
  path: ['pdf', 'inspect'],
  summary: 'list the revisions, form fields and signatures of a PDF (integrity checked)',
  usage: 'IN [--json]',
  positionals: { min: 1, max: 1, names: 'IN' },
  options: [{ name: 'json', type: 'boolean', description: 'JSON output' }],
  run: (args, io) =>
    guard(io, async () => {
      const file = args.positionals[0]!;
      // Read through a FileSource: the file is never loaded whole, the signed ranges are streamed.
      let source: FileSource;
      try {
        source = new FileSource(file);
      } catch (e) {
        throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
      }
      try {
        let r: PdfReader;
        try {
          r = PdfReader.open(source);
        } catch (e) {
          if (e instanceof KysoError) throw new UsageError(`unreadable PDF: ${e.message}`);
          if (e instanceof Error && 'code' in e && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code))
            throw new UsageError(`cannot read ${file}: ${e.message}`); // e.g. a folder (EISDIR)
          throw e;
        }
        const revs = r.revisions();
        const revisions = revs.map((rv) => ({
          index: rv.index,
          end: rv.end,
          xref: rv.xrefKind,
          objects: rv.objects.length,
        }));
        const fields = listFields(r).map((f) => ({
          name: f.name,
          type: f.type ?? null,
          signed: f.value !== undefined,
        }));
        const integrity = await verifyPdfIntegrity(source, { reader: r, revisions: revs });
        const signatures = integrity.signatures.map((s) => ({
          field: s.signature.fieldName,
          kind: s.signature.kind,
          subFilter: s.signature.subFilter ?? null,
          byteRange: s.signature.byteRange ?? null,
          signer: s.signer ?? null,
          m: s.signature.m ?? null,
          timestamp: s.timestamp?.toISOString() ?? null,
          reason: s.signature.reason ?? null,
          location: s.signature.location ?? null,
          docMdp: s.signature.docMdp ?? null,
          revision: s.revision ?? null,
          coversWholeFile: s.coversWholeFile,
          intact: s.intact,
          valid: s.valid,
          checks: s.checks,
        }));
        const catalog = r.catalog();
        const dss = r.dict(catalog.get('DSS'));
        const summary = {
          version: r.version,
          pages: r.pages().length,
          linearized: r.linearized,
          encrypted: r.encrypted,
          certified: docMdpPermission(r) ?? null,
          dss: dss
            ? {
                certs: r.array(dss.get('Certs'))?.length ?? 0,
                ocsps: r.array(dss.get('OCSPs'))?.length ?? 0,
                crls: r.array(dss.get('CRLs'))?.length ?? 0,
              }
            : null,
          revisions,
          fields,
          signatures,
        };
        if (args.options.json === true) io.out(`${JSON.stringify(summary, null, 2)}\n`);
        else {
          const lines = [
            `PDF ${summary.version}, ${summary.pages} page(s)${summary.linearized ? ', linearized' : ''}${summary.encrypted ? ', encrypted' : ''}`,
            `Revisions: ${revisions.length}`,
            ...revisions.map(
              (rv) => `  #${rv.index}: ends at ${rv.end}, ${rv.xref} xref, ${rv.objects} object(s)`,
            ),
            `Fields: ${fields.length}`,
            ...fields.map((f) => `  ${f.name} (${f.type ?? '?'})${f.signed ? ' signed' : ''}`),
            `Signatures: ${signatures.length}`,
            ...signatures.map(
              (s) =>
                `  ${s.field}: ${s.kind} ${s.subFilter ?? ''}, signer ${s.signer ?? '?'}, ${s.intact && s.valid ? 'intact and valid' : 'NOT VALID'}, ${s.coversWholeFile ? 'covers the whole file' : `covers revision ${s.revision ?? '?'}`}${s.docMdp ? `, certification P=${s.docMdp}` : ''}`,
            ),
          ];
          if (summary.dss)
            lines.push(
              `DSS: ${summary.dss.certs} certificate(s), ${summary.dss.ocsps} OCSP response(s), ${summary.dss.crls} CRL(s)`,
            );
          io.out(`${lines.join('\n')}\n`);
        }
        return 0;
      } finally {
        source.close();
      }
    }),
};

/**
 * The `kyso pdf` commands (sign, inspect, verify) without remote signing, for a CLI built with
 * `@kyso/pki-core/cli`.
 */
export const pdfCommands: Command[] = [pdfSignCommand, pdfInspectCommand, pdfVerifyCommand];

/** The pdf commands with options (the signing server's `kyso` binary passes its remote signer). */
export const createPdfCommands = (options: PdfCommandsOptions): Command[] => [
  createPdfSignCommand(options),
  pdfInspectCommand,
  pdfVerifyCommand,
];
