/**
 * `kyso pdf verify IN [--trust ROOT ...] [--vn-roots] [--at TIME] [--json | --report etsi] [--lang vi|en] [--fetch]`.
 * Exit codes: 0 every signature and time-stamp valid with no disallowed change after it; 1
 * otherwise (invalid or indeterminate); 2 usage error or unreadable input.
 */
import {
  type Command,
  UsageError,
  VN_ROOTS_OPTION,
  flag,
  reportForm,
  reportOptions,
  str,
  trustOption,
  trustStoreFromOptions,
} from '@kyso/pki-core/cli';
import { type RevocationMode, verifyPdf } from '../verify/pades.js';
import { renderReport } from '../verify/render.js';
import { pdfCertificates, pdfEtsiReport, withVerdicts } from '../verify/verdict.js';
import { openPdfInput, rethrowUnreadablePdf } from './pdf-input.js';

export const pdfVerifyCommand: Command = {
  path: ['pdf', 'verify'],
  summary: 'verify the signatures of a PDF (PAdES level, certificates, later changes)',
  usage:
    'IN [--trust ROOT ...] [--vn-roots] [--at TIME] [--json | --report etsi] [--lang vi|en] [--fetch | --soft-fail]',
  positionals: { min: 1, max: 1, names: 'IN' },
  options: [
    trustOption(),
    VN_ROOTS_OPTION,
    { name: 'at', type: 'string', description: 'validation time (ISO 8601; default now)' },
    ...reportOptions({ lang: true }),
    { name: 'fetch', type: 'boolean', description: 'fetch CRL/OCSP over HTTP when the document has none' },
    {
      name: 'soft-fail',
      type: 'boolean',
      description: 'missing revocation data is reported but not fatal',
    },
  ],
  async run(args, io) {
    try {
      const { format, lang } = reportForm(args);
      const at = str(args, 'at');
      if (at !== undefined && Number.isNaN(Date.parse(at)))
        throw new UsageError('--at needs an ISO 8601 time, e.g. 2030-01-01T00:00:00+07:00');
      const time = at === undefined ? undefined : new Date(at);
      if (flag(args, 'fetch') && flag(args, 'soft-fail'))
        throw new UsageError('--fetch and --soft-fail exclude each other');
      const revocation: RevocationMode = flag(args, 'fetch')
        ? 'fetch'
        : flag(args, 'soft-fail')
          ? 'soft-fail'
          : 'dss-only';
      const trustStore = trustStoreFromOptions(args);
      // The file is read through a FileSource: never loaded whole, the signed ranges streamed.
      const source = openPdfInput(args.positionals[0]!);
      let report: Awaited<ReturnType<typeof verifyPdf>>;
      let certificates: Map<string, Uint8Array[]> | undefined;
      try {
        report = await verifyPdf(source, {
          ...(trustStore ? { trustStore } : {}),
          ...(time ? { time } : {}),
          revocation,
        });
        // The ETSI report names the certificates: read them from the document before closing it.
        if (format === 'etsi') certificates = pdfCertificates(source);
      } catch (e) {
        rethrowUnreadablePdf(e, args.positionals[0]!);
      } finally {
        source.close();
      }
      if (format === 'json') io.out(`${JSON.stringify(withVerdicts(report), null, 2)}\n`);
      else if (format === 'etsi') io.out(pdfEtsiReport(report, certificates));
      else io.out(renderReport(report, lang));
      if (!trustStore)
        io.err(
          lang === 'vi'
            ? 'cảnh báo: chưa có chứng thư gốc tin cậy (--trust hoặc --vn-roots): chứng thư số chưa được kiểm tra\n'
            : 'warning: no trust anchors (--trust or --vn-roots): certificates were not validated\n',
        );
      return report.valid ? 0 : 1;
    } catch (e) {
      if (e instanceof UsageError) {
        io.err(`kyso pdf verify: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
  },
};
