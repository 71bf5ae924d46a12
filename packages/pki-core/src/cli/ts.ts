/**
 * `kyso ts request|respond|verify`: RFC 3161 time-stamp requests, a one-shot TSA and token /
 * response verification with a report.
 */
import { fromHex, toHex } from '../bytes.js';
import { importPrivateKey } from '../crypto/keys.js';
import { LocalSigner } from '../crypto/signer.js';
import type { HashAlgorithm } from '../crypto/types.js';
import { isKysoError } from '../errors.js';
import { TrustStore } from '../path/trust-store.js';
import { buildTimeStampReq, parseTimeStampReq } from '../tsp/request.js';
import { parseTimeStampResp } from '../tsp/response.js';
import { TimeStampAuthority } from '../tsp/tsa.js';
import {
  type TimeStampVerifyReport,
  describeTstInfo,
  verifyTimeStampResponse,
  verifyTimeStampToken,
} from '../tsp/verify.js';
import { renderVerdict } from '../verdict/render.js';
import { timeStampVerdict } from '../verdict/verdict.js';
import { Certificate } from '../x509/certificate.js';
import {
  type Command,
  EXIT_FAIL,
  EXIT_OK,
  UsageError,
  flag,
  int,
  list,
  readInput,
  str,
  writeOutput,
  lang,
  langOption,
} from './framework.js';
import { certificatesFrom, checkLine, trustOption } from './verify-options.js';

const HASHES: Record<string, HashAlgorithm> = { sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' };

function hashOption(v: string | undefined): HashAlgorithm {
  const name = (v ?? 'sha256').toLowerCase();
  const h = HASHES[name];
  if (!h) throw new UsageError(`unknown --hash ${name} (sha256, sha384, sha512)`);
  return h;
}

const requestCommand: Command = {
  path: ['ts', 'request'],
  summary: 'build an RFC 3161 TimeStampReq for a file or a digest',
  usage: '(--data FILE | --digest HEX) [--hash sha256] [--policy OID] [--no-nonce] [--cert-req] [--out FILE]',
  options: [
    { name: 'data', type: 'string', description: 'file to time-stamp' },
    { name: 'digest', type: 'string', description: 'hex digest of the data (instead of --data)' },
    { name: 'hash', type: 'string', description: 'sha256 (default), sha384, sha512' },
    { name: 'policy', type: 'string', description: 'requested TSA policy OID' },
    { name: 'no-nonce', type: 'boolean', description: 'do not add a nonce' },
    { name: 'cert-req', type: 'boolean', description: 'ask the TSA to include its certificate' },
    { name: 'out', type: 'string', description: 'output file (default: standard output, DER)' },
  ],
  async run(args, io) {
    const dataFile = str(args, 'data');
    const dg = str(args, 'digest');
    if ((dataFile === undefined) === (dg === undefined))
      throw new UsageError('give exactly one of --data and --digest');
    const policy = str(args, 'policy');
    const { der } = await buildTimeStampReq({
      hashAlgorithm: hashOption(str(args, 'hash')),
      ...(dataFile !== undefined ? { data: readInput(dataFile) } : { digest: fromHex(dg!) }),
      ...(policy ? { reqPolicy: policy } : {}),
      nonce: !flag(args, 'no-nonce'),
      certReq: flag(args, 'cert-req'),
    });
    writeOutput(str(args, 'out'), der, io);
    return EXIT_OK;
  },
};

const respondCommand: Command = {
  path: ['ts', 'respond'],
  summary: 'answer a TimeStampReq as a TSA (one shot; 128-bit random serials)',
  usage:
    '--key KEY --cert TSA.pem --policy OID [--chain CA.pem] [--accuracy SECONDS] [--in REQ] [--out RESP]',
  options: [
    { name: 'key', type: 'string', description: 'TSA private key', required: true },
    {
      name: 'cert',
      type: 'string',
      description: 'TSA certificate (critical extKeyUsage timeStamping)',
      required: true,
    },
    { name: 'chain', type: 'string', description: 'issuing CA certificates (included with --include-chain)' },
    {
      name: 'include-chain',
      type: 'boolean',
      description: 'include the chain when the request asks for certificates',
    },
    { name: 'policy', type: 'string', description: 'TSA policy OID', required: true },
    { name: 'accuracy', type: 'string', description: 'accuracy in seconds' },
    { name: 'in', type: 'string', description: 'DER TimeStampReq (default: standard input)' },
    { name: 'out', type: 'string', description: 'output file (default: standard output)' },
  ],
  async run(args, io) {
    const cert = Certificate.parse(readInput(str(args, 'cert')!));
    const kp = await importPrivateKey(readInput(str(args, 'key')!));
    const chainFile = str(args, 'chain');
    const accuracy = int(args, 'accuracy');
    const tsa = new TimeStampAuthority({
      certificate: cert,
      chain: chainFile ? Certificate.parseAll(readInput(chainFile)) : [],
      signer: new LocalSigner(kp, [cert.der]),
      policyOid: str(args, 'policy')!,
      includeChain: flag(args, 'include-chain'),
      ...(accuracy !== undefined ? { accuracy: { seconds: accuracy } } : {}),
    });
    const resp = await tsa.respond(readInput(str(args, 'in') ?? '-'));
    writeOutput(str(args, 'out'), resp, io);
    const st = parseTimeStampResp(resp).status;
    if (st.status !== 'granted')
      io.err(
        `kyso ts respond: ${st.status}: ${(st.failInfo ?? []).join(', ')} ${(st.statusString ?? []).join('; ')}\n`,
      );
    return st.status === 'granted' ? EXIT_OK : EXIT_FAIL;
  },
};

const verifyCommand: Command = {
  path: ['ts', 'verify'],
  summary:
    'verify a TimeStampResp or TimeStampToken: imprint, signature, ESS, TSA certificate, chain at genTime',
  usage:
    '--in RESP|TOKEN (--data FILE | --digest HEX | --request REQ) [--trust ROOT ...] [--untrusted PEM ...] [--json] [--lang en|vi]',
  options: [
    { name: 'in', type: 'string', description: 'DER TimeStampResp or TimeStampToken', required: true },
    { name: 'data', type: 'string', description: 'the time-stamped file' },
    { name: 'digest', type: 'string', description: 'hex digest of the data' },
    { name: 'request', type: 'string', description: 'the TimeStampReq (checks imprint, nonce and policy)' },
    trustOption({ note: 'for the TSA chain; without: chain indeterminate' }),
    { name: 'untrusted', type: 'multi', description: 'TSA certificate / intermediates not in the token' },
    { name: 'json', type: 'boolean', description: 'machine-readable report' },
    langOption('en'),
  ],
  async run(args, io) {
    const language = lang(args, 'en');
    const input = readInput(str(args, 'in')!);
    const trust = certificatesFrom(list(args, 'trust'));
    const certificates = certificatesFrom(list(args, 'untrusted'));
    const common = { certificates, ...(trust.length ? { trustStore: new TrustStore(trust) } : {}) };
    const reqFile = str(args, 'request');
    const dataFile = str(args, 'data');
    const dg = str(args, 'digest');
    let isResponse = true;
    try {
      parseTimeStampResp(input);
    } catch (e) {
      if (!isKysoError(e)) throw e;
      isResponse = false;
    }
    let report: TimeStampVerifyReport;
    if (reqFile) {
      const req = parseTimeStampReq(readInput(reqFile));
      if (!isResponse) throw new UsageError('--request needs a TimeStampResp as --in');
      report = await verifyTimeStampResponse(input, req, common);
    } else {
      let token = input;
      if (isResponse) {
        const resp = parseTimeStampResp(input);
        if (!resp.token) {
          io.out(`time-stamp response: ${resp.status.status} ${(resp.status.failInfo ?? []).join(', ')}\n`);
          return EXIT_FAIL;
        }
        token = resp.token;
      }
      report = await verifyTimeStampToken(token, {
        ...common,
        ...(dataFile !== undefined ? { data: readInput(dataFile) } : {}),
        ...(dg !== undefined ? { digest: fromHex(dg) } : {}),
      });
    }
    if (flag(args, 'json')) {
      io.out(
        `${JSON.stringify(
          {
            status: report.status,
            verdict: timeStampVerdict(report),
            tsa: report.signerCertificate?.subject.toString(),
            tstInfo: report.tstInfo ? describeTstInfo(report.tstInfo) : undefined,
            checks: report.checks,
          },
          null,
          2,
        )}\n`,
      );
    } else {
      io.out(`time-stamp: ${report.status.toUpperCase()}\n`);
      if (report.tstInfo) {
        io.out(
          `genTime: ${report.tstInfo.genTimeString}  serial: ${report.tstInfo.serial.toString(16)}  policy: ${report.tstInfo.policy}\n`,
        );
        io.out(
          `imprint: ${report.tstInfo.messageImprint.hashAlgorithm} ${toHex(report.tstInfo.messageImprint.hashedMessage)}\n`,
        );
      }
      for (const c of report.checks) io.out(checkLine(c));
      io.out(`${renderVerdict(report.verdict, language)}
`);
    }
    return report.status === 'passed' ? EXIT_OK : EXIT_FAIL;
  },
};

export const tsCommands: Command[] = [requestCommand, respondCommand, verifyCommand];
