/**
 * `kyso ers verify FILE --data DATA [--json]`: verifies an RFC 4998 Evidence Record over its data
 * object(s). Exit 0 valid, 1 invalid (or not fully verifiable), 2 usage / malformed input.
 */
import { evidenceRecordReportToJson, verifyEvidenceRecord } from '../ers/evidence-record.js';
import { TrustStore } from '../path/trust-store.js';
import { type Command, EXIT_FAIL, EXIT_OK, UsageError, flag, list, readInput } from './framework.js';
import { certificatesFrom, checkLine, trustOption } from './verify-options.js';

const verifyCommand: Command = {
  path: ['ers', 'verify'],
  summary: 'verify an RFC 4998 evidence record: hash trees, renewals, every time-stamp token',
  usage: 'FILE --data DATA [--data DATA ...] [--trust ROOT ...] [--untrusted PEM ...] [--json]',
  positionals: { min: 1, max: 1, names: 'the evidence record file' },
  options: [
    { name: 'data', type: 'multi', description: 'the archived data object(s) (required)' },
    trustOption({ note: 'for the TSA chains; without: chain indeterminate, record not valid' }),
    { name: 'untrusted', type: 'multi', description: 'TSA certificates / intermediates not in the tokens' },
    { name: 'json', type: 'boolean', description: 'machine-readable report' },
  ],
  async run(args, io) {
    const dataFiles = list(args, 'data');
    if (dataFiles.length === 0) throw new UsageError('--data is required');
    const input = readInput(args.positionals[0]!);
    const data = dataFiles.map(readInput);
    const trust = certificatesFrom(list(args, 'trust'));
    const certificates = certificatesFrom(list(args, 'untrusted'));
    const report = await verifyEvidenceRecord(input, {
      data,
      timeStamp: { certificates, ...(trust.length ? { trustStore: new TrustStore(trust) } : {}) },
    });
    if (flag(args, 'json')) {
      io.out(`${JSON.stringify(evidenceRecordReportToJson(report), null, 2)}\n`);
    } else {
      io.out(`evidence record: ${report.valid ? 'VALID' : report.status.toUpperCase()}\n`);
      if (report.reason) io.out(`reason: ${report.reason}\n`);
      for (const a of report.ats) {
        io.out(
          `  chain ${a.chain} ATS ${a.index}  ${a.genTime?.toISOString() ?? '-'}  ${a.hashAlgorithm ?? '-'}  ${a.status}\n`,
        );
        const h = a.hashTree;
        io.out(checkLine({ ...h, check: 'hash-tree' }, '    '));
        for (const c of a.token.checks) io.out(checkLine(c, '    '));
      }
    }
    return report.valid ? EXIT_OK : EXIT_FAIL;
  },
};

export const ersCommands: Command[] = [verifyCommand];
