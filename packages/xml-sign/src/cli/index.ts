/**
 * `kyso xml sign`, `kyso xml verify` and `kyso xml inspect`, for the kyso command table. The types
 * are structurally pki-core's CLI `Command` (like `pdfCommands` of @kyso/pdf-sign); the `kyso`
 * binary composes them. Exit codes: 0 ok (verify: valid), 1 failure / not valid, 2 usage error or
 * unreadable input.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  Certificate,
  KysoError,
  LocalSigner,
  type Signer,
  TrustStore,
  httpTimeStamper,
  importPkcs12,
  pkcs12KeyForCertificate,
  privateKeyFromPkcs8,
} from '@kyso/pki-core';
import { findSignatures } from '../dsig/verify.js';
import { signXml } from '../sign/prepare.js';
import { addXadesSignatureTimeStamp } from '../xades/xades.js';
import { parseXml } from '../xml/parser.js';
import { type XmlRevocationMode, verifyXml } from '../verify/report.js';
import { renderXmlReport, xmlReportJson } from '../verify/render.js';
import { xmlEtsiReport } from '../verify/verdict.js';

export interface XmlCommandOption {
  name: string;
  type: 'string' | 'boolean' | 'multi';
  description: string;
  required?: boolean;
}

export interface XmlCommand {
  path: string[];
  summary: string;
  usage?: string;
  options: XmlCommandOption[];
  positionals?: { min: number; max: number; names?: string };
  run(
    args: { options: Record<string, string | boolean | string[] | undefined>; positionals: string[] },
    io: { out(t: string): void; err(t: string): void },
  ): Promise<number>;
}

class Usage extends Error {}

type Opts = Record<string, string | boolean | string[] | undefined>;
const str = (o: Opts, k: string): string | undefined =>
  typeof o[k] === 'string' ? (o[k] as string) : undefined;

async function p12Signer(o: Opts): Promise<Signer> {
  const p12 = str(o, 'p12');
  const pwFile = str(o, 'password-file');
  if (!p12 || !pwFile) throw new Usage('give --p12 FILE --password-file FILE');
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

const signCommand: XmlCommand = {
  path: ['xml', 'sign'],
  summary: 'sign an XML document (XML-DSig, XAdES B-B/B-T, Vietnamese e-invoice)',
  usage:
    'IN --out OUT --p12 FILE --password-file FILE [--profile xmldsig|xades|einvoice] [--level B-B|B-T --tsa URL] [--detached] [--enveloping]',
  positionals: { min: 1, max: 1, names: 'IN' },
  options: [
    { name: 'out', type: 'string', description: 'output XML', required: true },
    { name: 'p12', type: 'string', description: 'PKCS#12 file with the key and certificate' },
    { name: 'password-file', type: 'string', description: 'file holding the PKCS#12 password' },
    { name: 'profile', type: 'string', description: 'xmldsig (default), xades, einvoice' },
    { name: 'level', type: 'string', description: 'XAdES level: B-B (default) or B-T (needs --tsa)' },
    { name: 'tsa', type: 'string', description: 'RFC 3161 time-stamp authority URL (B-T)' },
    {
      name: 'detached',
      type: 'boolean',
      description: "detached signature over IN (any bytes); the Reference URI is IN's file name",
    },
    { name: 'enveloping', type: 'boolean', description: 'enveloping: IN inside a ds:Object' },
  ],
  async run({ options: o, positionals }, io) {
    try {
      const input = readFileSync(positionals[0]!);
      // A signed document overwritten by mistake may be the only copy (the `kyso` framework gives
      // every command --force).
      const outFile = str(o, 'out')!;
      if (o.force !== true && existsSync(outFile))
        throw new Usage(`${outFile} already exists: pass --force to overwrite it, or choose another --out`);
      const profile = str(o, 'profile') ?? 'xmldsig';
      if (!['xmldsig', 'xades', 'einvoice'].includes(profile))
        throw new Usage(`unknown --profile ${profile}`);
      const level = str(o, 'level') ?? 'B-B';
      if (level !== 'B-B' && level !== 'B-T')
        throw new Usage('--level is B-B or B-T (B-LT and B-LTA are not implemented yet)');
      if (level === 'B-T' && !str(o, 'tsa')) throw new Usage('--level B-T needs --tsa URL');
      const signer = await p12Signer(o);
      const packaging = o.detached ? 'detached' : o.enveloping ? 'enveloping' : 'enveloped';
      let out = await signXml(input, signer, {
        packaging,
        profile: profile === 'einvoice' ? 'einvoice' : 'xmldsig',
        ...(profile === 'xades' || level === 'B-T' ? { xades: {} } : {}),
        ...(packaging === 'detached' ? { detachedUri: path.basename(positionals[0]!) } : {}),
      });
      if (level === 'B-T') out = await addXadesSignatureTimeStamp(out, httpTimeStamper(str(o, 'tsa')!));
      writeFileSync(str(o, 'out')!, out);
      io.out(`signed: ${str(o, 'out')}\n`);
      return 0;
    } catch (e) {
      return fail(e, io);
    }
  },
};

const verifyCommand: XmlCommand = {
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
  async run({ options: o, positionals }, io) {
    try {
      const trust = (
        Array.isArray(o.trust) ? o.trust : typeof o.trust === 'string' ? [o.trust] : []
      ) as string[];
      const store =
        trust.length > 0
          ? new TrustStore(trust.flatMap((f) => Certificate.parseAll(readFileSync(f))))
          : undefined;
      const mode = (str(o, 'revocation') ?? 'embedded-only') as XmlRevocationMode;
      if (!['embedded-only', 'fetch', 'soft-fail', 'off'].includes(mode))
        throw new Usage(`unknown --revocation ${mode}`);
      const lang = str(o, 'lang') ?? 'vi';
      if (lang !== 'vi' && lang !== 'en') throw new Usage('--lang is vi or en');
      const kind = str(o, 'report');
      if (kind !== undefined && kind !== 'etsi') throw new Usage('--report is etsi');
      if (kind && o.json) throw new Usage('--report etsi and --json exclude each other');
      const dir = str(o, 'detached-dir');
      const report = await verifyXml(readFileSync(positionals[0]!), {
        ...(store ? { trustStore: store } : {}),
        revocation: mode,
        ...(dir
          ? {
              resolveDetached: (uri: string | undefined) => {
                if (!uri || /^[a-z]+:/i.test(uri) || uri.includes('..')) return undefined;
                try {
                  return readFileSync(path.join(dir, uri));
                } catch {
                  return undefined;
                }
              },
            }
          : {}),
      });
      io.out(
        o.json
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

const inspectCommand: XmlCommand = {
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
  if (e instanceof Usage) {
    io.err(`usage: ${e.message}\n`);
    return 2;
  }
  if (e instanceof KysoError || (e as NodeJS.ErrnoException)?.code === 'ENOENT') {
    io.err(`error: ${(e as Error).message}\n`);
    return 2;
  }
  throw e;
}

export const xmlCommands: XmlCommand[] = [signCommand, verifyCommand, inspectCommand];
