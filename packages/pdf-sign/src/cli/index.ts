/**
 * `@kyso/pdf-sign/cli`: `kyso pdf sign`, `kyso pdf inspect` and `kyso pdf verify`, for the kyso
 * command table: pki-core's CLI `Command`s (`@kyso/pki-core/cli`, whose option accessors they use);
 * the `kyso` binary composes them. Exit codes: 0 ok, 1 failure, 2 usage error or unreadable input.
 *
 * @packageDocumentation
 */

import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { httpTimeStamper } from '@kyso/pki-core';
import {
  type Command,
  KEY_FILE_OPTIONS,
  REMOTE_SIGNER_OPTIONS,
  type RemoteSignerFactory,
  RemoteSigningError,
  SIGNER_USAGE,
  UsageError,
  flag,
  levelAndTsa,
  levelOptions,
  p12Options,
  refuseExistingOutput,
  signerFromOptions,
  str,
} from '@kyso/pki-core/cli';
import { PdfReader } from '../pdf/reader.js';
import { docMdpPermission, listFields } from '../sign/fields.js';
import { Progress, pdfFilesIn, visibleSignatureFromOptions } from '../sign/cli-support.node.js';
import { signPdfFile } from '../sign/file.node.js';
import { onlineRevocationFetcher } from '../sign/validation-data.js';
import { verifyPdfIntegrity } from '../verify/integrity.js';
import { openPdfInput, rethrowUnreadablePdf } from './pdf-input.js';
import { pdfVerifyCommand } from './verify.js';

// The signer options and the remote signer seam are pki-core's (`@kyso/pki-core/cli`), shared with
// `kyso xml sign`; re-exported here for the users of @kyso/pdf-sign/cli.
export {
  type RemoteSignerFactory,
  type RemoteSignerRequest,
  RemoteSigningError,
  signerFromOptions,
} from '@kyso/pki-core/cli';

/** Options of `createPdfCommands`. */
export interface PdfCommandsOptions {
  /** Enables --remote on `pdf sign` (the signing server's `kyso` binary passes its SDK's factory). */
  remoteSignerFactory?: RemoteSignerFactory;
}

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
  ...p12Options(),
  ...KEY_FILE_OPTIONS,
  ...levelOptions({ description: 'B-B (default), B-T, B-LT or B-LTA' }),
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
  ...REMOTE_SIGNER_OPTIONS,
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
  usage: `IN --out OUT ${SIGNER_USAGE} [--level B-B|B-T|B-LT|B-LTA --tsa URL [--allow-lower-level]] [--appearance person|seal|stamp --image PNG --page N --rect x,y,w,h]; IN may be a folder (every .pdf in it, into the folder --out)`,
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
      // With --remote, the server's own TSA unless --tsa says otherwise.
      const { level, tsa } = levelAndTsa(o, 'B-B');
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
        refuseExistingOutput(o, to);
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
      const source = openPdfInput(file);
      try {
        let r: PdfReader;
        try {
          r = PdfReader.open(source);
        } catch (e) {
          rethrowUnreadablePdf(e, file);
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
