/**
 * `kyso pdf verify IN [--trust ROOT ...] [--vn-roots] [--at TIME] [--json | --report etsi] [--lang vi|en] [--fetch]`.
 * Exit codes: 0 every signature and time-stamp valid with no disallowed change after it; 1
 * otherwise (invalid or indeterminate); 2 usage error or unreadable input.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Certificate, KysoError, TrustStore } from '@kyso/pki-core';
import { FileSource } from '../pdf/file-source.node.js';
import { type RevocationMode, verifyPdf } from '../verify/pades.js';
import { renderReport } from '../verify/render.js';
import { pdfCertificates, pdfEtsiReport, withVerdicts } from '../verify/verdict.js';
import type { PdfCommand } from './index.js';

class Usage extends Error {}

const CERT_FILES = /\.(pem|crt|cer|der)$/i;

function readAnchors(p: string): Certificate[] {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(p);
  } catch (e) {
    throw new Usage(`cannot read ${p}: ${(e as Error).message}`);
  }
  const files = st.isDirectory()
    ? readdirSync(p)
        .filter((f) => CERT_FILES.test(f))
        .sort()
        .map((f) => path.join(p, f))
    : [p];
  const out: Certificate[] = [];
  for (const f of files) {
    try {
      out.push(...Certificate.parseAll(new Uint8Array(readFileSync(f))));
    } catch (e) {
      throw new Usage(`${f}: not a certificate file (${(e as Error).message})`);
    }
  }
  return out;
}

/**
 * The Vietnamese roots shipped with pki-core (packages/pki-core/trust/vn), found next to the
 * resolved package. (pki-core's loadVietnamRoots is Node-only and not in its browser-safe index.)
 */
function vietnamRootsDir(): string {
  const candidates: string[] = [];
  try {
    const main = fileURLToPath(import.meta.resolve('@kyso/pki-core'));
    candidates.push(path.resolve(path.dirname(main), '../trust/vn'));
  } catch {
    // not resolvable this way
  }
  const here = path.dirname(fileURLToPath(import.meta.url));
  candidates.push(path.resolve(here, '../../../pki-core/trust/vn'));
  for (const c of candidates) {
    try {
      if (statSync(c).isDirectory()) return c;
    } catch {
      // next
    }
  }
  throw new Usage('--vn-roots: the Vietnamese root certificates (pki-core trust/vn) were not found');
}

export const pdfVerifyCommand: PdfCommand = {
  path: ['pdf', 'verify'],
  summary: 'verify the signatures of a PDF (PAdES level, certificates, later changes)',
  usage:
    'IN [--trust ROOT ...] [--vn-roots] [--at TIME] [--json | --report etsi] [--lang vi|en] [--fetch | --soft-fail]',
  positionals: { min: 1, max: 1, names: 'IN' },
  options: [
    { name: 'trust', type: 'multi', description: 'trust anchor certificate file or folder (repeatable)' },
    {
      name: 'vn-roots',
      type: 'boolean',
      description: 'trust the Vietnamese national roots shipped with kyso',
    },
    { name: 'at', type: 'string', description: 'validation time (ISO 8601; default now)' },
    { name: 'json', type: 'boolean', description: 'JSON report (with EN 319 102-1 verdict fields)' },
    {
      name: 'report',
      type: 'string',
      description: 'etsi: ETSI TS 119 102-2 XML validation report instead of the readable one',
    },
    { name: 'lang', type: 'string', description: 'language of the readable report: vi (default) or en' },
    { name: 'fetch', type: 'boolean', description: 'fetch CRL/OCSP over HTTP when the document has none' },
    {
      name: 'soft-fail',
      type: 'boolean',
      description: 'missing revocation data is reported but not fatal',
    },
  ],
  async run(args, io) {
    try {
      const o = args.options;
      const lang = o.lang === undefined ? 'vi' : o.lang;
      if (lang !== 'vi' && lang !== 'en') throw new Usage('--lang must be vi or en');
      if (o.report !== undefined && o.report !== 'etsi') throw new Usage('--report must be etsi');
      if (o.report !== undefined && o.json === true)
        throw new Usage('--report etsi and --json exclude each other');
      let time: Date | undefined;
      if (o.at !== undefined) {
        if (typeof o.at !== 'string' || Number.isNaN(Date.parse(o.at)))
          throw new Usage('--at needs an ISO 8601 time, e.g. 2030-01-01T00:00:00+07:00');
        time = new Date(o.at);
      }
      if (o.fetch === true && o['soft-fail'] === true)
        throw new Usage('--fetch and --soft-fail exclude each other');
      const revocation: RevocationMode =
        o.fetch === true ? 'fetch' : o['soft-fail'] === true ? 'soft-fail' : 'dss-only';
      const trust = Array.isArray(o.trust) ? o.trust : typeof o.trust === 'string' ? [o.trust] : [];
      const anchors = trust.flatMap(readAnchors);
      if (o['vn-roots'] === true) anchors.push(...readAnchors(vietnamRootsDir()));
      const trustStore = anchors.length > 0 ? new TrustStore(anchors) : undefined;
      // The file is read through a FileSource: never loaded whole, the signed ranges streamed.
      let source: FileSource;
      try {
        source = new FileSource(args.positionals[0]!);
      } catch (e) {
        throw new Usage(`cannot read ${args.positionals[0]}: ${(e as Error).message}`);
      }
      let report: Awaited<ReturnType<typeof verifyPdf>>;
      let certificates: Map<string, Uint8Array[]> | undefined;
      try {
        report = await verifyPdf(source, {
          ...(trustStore ? { trustStore } : {}),
          ...(time ? { time } : {}),
          revocation,
        });
        // The ETSI report names the certificates: read them from the document before closing it.
        if (o.report === 'etsi') certificates = pdfCertificates(source);
      } catch (e) {
        if (e instanceof KysoError) throw new Usage(`unreadable PDF: ${e.message}`);
        if (e instanceof Error && 'code' in e && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code))
          throw new Usage(`cannot read ${args.positionals[0]}: ${e.message}`);
        throw e;
      } finally {
        source.close();
      }
      if (o.json === true) io.out(`${JSON.stringify(withVerdicts(report), null, 2)}\n`);
      else if (o.report === 'etsi') io.out(pdfEtsiReport(report, certificates));
      else io.out(renderReport(report, lang));
      if (!trustStore)
        io.err(
          lang === 'vi'
            ? 'cảnh báo: chưa có chứng thư gốc tin cậy (--trust hoặc --vn-roots): chứng thư số chưa được kiểm tra\n'
            : 'warning: no trust anchors (--trust or --vn-roots): certificates were not validated\n',
        );
      return report.valid ? 0 : 1;
    } catch (e) {
      if (e instanceof Usage) {
        io.err(`kyso pdf verify: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
  },
};
