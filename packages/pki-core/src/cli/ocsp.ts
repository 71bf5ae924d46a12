/**
 * `kyso ocsp request|respond|verify`: OCSP requests (RFC 6960, RFC 5019 GET URL), a one-shot
 * responder over an OpenSSL-style CA index file, and response verification with a report.
 */
import { fromHex, toHex } from '../bytes.js';
import { importPrivateKey } from '../crypto/keys.js';
import { LocalSigner } from '../crypto/signer.js';
import type { HashAlgorithm } from '../crypto/types.js';
import { KysoError } from '../errors.js';
import {
  buildOcspRequest,
  type CertId,
  createCertId,
  ocspGetUrl,
  parseOcspRequest,
} from '../ocsp/request.js';
import { OcspResponder, type RevocationLookupResult } from '../ocsp/responder.js';
import { describeBasicOcspResponse, parseOcspResponse } from '../ocsp/response.js';
import { verifyOcspResponse } from '../ocsp/verify.js';
import { derOrPem } from '../pem.js';
import { renderVerdict } from '../verdict/render.js';
import { ocspVerdict } from '../verdict/verdict.js';
import { Certificate } from '../x509/certificate.js';
import { CRL_REASONS, type CrlReason } from '../x509/extensions.js';
import {
  type Command,
  EXIT_FAIL,
  EXIT_OK,
  UsageError,
  date,
  flag,
  int,
  list,
  readInput,
  str,
  writeOutput,
  lang,
  langOption,
} from './framework.js';
import { checkLine } from './verify-options.js';

const CERTID_HASHES: Record<string, HashAlgorithm> = {
  sha1: 'SHA-1',
  sha256: 'SHA-256',
  sha384: 'SHA-384',
  sha512: 'SHA-512',
};

function loadCert(file: string): Certificate {
  return Certificate.parse(readInput(file));
}

function serialBytes(hex: string): Uint8Array {
  const h = hex.replace(/^0x/i, '');
  if (!/^[0-9a-fA-F]+$/.test(h)) throw new UsageError(`bad serial ${hex} (hex expected)`);
  let b = fromHex(h.length % 2 ? `0${h}` : h);
  let i = 0;
  while (i < b.length - 1 && b[i] === 0 && !(b[i + 1]! & 0x80)) i++;
  b = b.subarray(i);
  return b[0]! & 0x80 ? Uint8Array.of(0, ...b) : b;
}

const requestCommand: Command = {
  path: ['ocsp', 'request'],
  summary: 'build an OCSP request (DER) for certificates or serial numbers',
  usage:
    '--issuer CA (--cert CERT ... | --serial HEX ...) [--hash sha1|sha256] [--no-nonce] [--out FILE] [--url BASE] [--json]',
  options: [
    { name: 'issuer', type: 'string', description: 'issuing CA certificate', required: true },
    { name: 'cert', type: 'multi', description: 'certificate to ask about' },
    { name: 'serial', type: 'multi', description: 'serial number (hex) to ask about' },
    {
      name: 'hash',
      type: 'string',
      description: 'CertID hash: sha1 (default, RFC 5019), sha256, sha384, sha512',
    },
    { name: 'no-nonce', type: 'boolean', description: 'do not add a nonce' },
    { name: 'out', type: 'string', description: 'output file (default: standard output, DER)' },
    { name: 'url', type: 'string', description: 'also print the RFC 5019 GET URL under this base URL' },
    { name: 'json', type: 'boolean', description: 'print a JSON summary (the DER then needs --out)' },
  ],
  async run(args, io) {
    const issuer = loadCert(str(args, 'issuer')!);
    const hashName = (str(args, 'hash') ?? 'sha1').toLowerCase();
    const hash = CERTID_HASHES[hashName];
    if (!hash) throw new UsageError(`unknown --hash ${hashName}`);
    const ids: CertId[] = [];
    for (const f of list(args, 'cert')) ids.push(await createCertId(loadCert(f), issuer, hash));
    for (const s of list(args, 'serial'))
      ids.push(await createCertId({ serialNumber: serialBytes(s) }, issuer, hash));
    if (ids.length === 0) throw new UsageError('give --cert or --serial');
    const { der, nonce } = buildOcspRequest({ certIds: ids, nonce: !flag(args, 'no-nonce') });
    const out = str(args, 'out');
    if (flag(args, 'json') || str(args, 'url')) {
      if (out === undefined || out === '-')
        throw new UsageError('--json and --url print text: give --out for the DER');
    }
    writeOutput(out, der, io);
    const url = str(args, 'url');
    if (flag(args, 'json')) {
      const info = {
        nonce: nonce ? toHex(nonce) : undefined,
        hashAlgorithm: hash,
        serials: ids.map((i) => toHex(i.serialNumber)),
        getUrl: url ? ocspGetUrl(url, der) : undefined,
      };
      io.out(`${JSON.stringify(info, null, 2)}\n`);
    } else if (url) io.out(`${ocspGetUrl(url, der)}\n`);
    return EXIT_OK;
  },
};

/**
 * Revocation state from an OpenSSL CA index (index.txt): tab-separated
 * `V|R|E  expiry  [revocationTime[,reason]]  serialHex  file  subject`.
 */
export function parseOpensslIndex(text: string): Map<string, RevocationLookupResult> {
  const out = new Map<string, RevocationLookupResult>();
  for (const [n, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === '') continue;
    const f = line.split('\t');
    if (f.length < 4)
      throw new KysoError('INVALID_ARGUMENT', `index line ${n + 1}: expected tab-separated fields`);
    const serial = f[3]!.toLowerCase().replace(/^0+(?=.)/, '');
    if (f[0] === 'R') {
      const [t, reason] = f[2]!.split(',');
      const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(t ?? '');
      if (!m) throw new KysoError('INVALID_ARGUMENT', `index line ${n + 1}: bad revocation time`);
      const y = Number(m[1]);
      const revocationTime = new Date(
        Date.UTC(
          y >= 50 ? 1900 + y : 2000 + y,
          Number(m[2]) - 1,
          Number(m[3]),
          Number(m[4]),
          Number(m[5]),
          Number(m[6]),
        ),
      );
      const r: RevocationLookupResult = { status: 'revoked', revocationTime };
      if (reason) {
        if (!(CRL_REASONS as readonly string[]).includes(reason) || reason === 'unused7') {
          throw new KysoError('INVALID_ARGUMENT', `index line ${n + 1}: unknown reason ${reason}`);
        }
        r.reason = reason as CrlReason;
      }
      out.set(serial, r);
    } else if (f[0] === 'V' || f[0] === 'E') out.set(serial, { status: 'good' });
    else throw new KysoError('INVALID_ARGUMENT', `index line ${n + 1}: unknown status ${f[0]}`);
  }
  return out;
}

const respondCommand: Command = {
  path: ['ocsp', 'respond'],
  summary: 'answer an OCSP request from an OpenSSL-style CA index (one shot)',
  usage:
    '--issuer CA --key KEY [--signer-cert CERT] --index index.txt --in REQ [--out RESP] [--validity SECONDS]',
  options: [
    { name: 'issuer', type: 'string', description: 'CA the responder answers for', required: true },
    {
      name: 'key',
      type: 'string',
      description: 'responder private key (the CA key or a delegated OCSP signer key)',
      required: true,
    },
    {
      name: 'signer-cert',
      type: 'string',
      description: 'delegated responder certificate (omit when the CA signs)',
    },
    {
      name: 'index',
      type: 'string',
      description: 'OpenSSL CA index file (V/R/E lines); serials not listed are "unknown"',
      required: true,
    },
    { name: 'in', type: 'string', description: 'DER OCSP request (default: standard input)' },
    { name: 'out', type: 'string', description: 'output file (default: standard output)' },
    { name: 'validity', type: 'string', description: 'seconds until nextUpdate (default 3600; 0 omits it)' },
    { name: 'by-name', type: 'boolean', description: 'ResponderID byName instead of byKey' },
  ],
  async run(args, io) {
    const issuer = loadCert(str(args, 'issuer')!);
    const kp = await importPrivateKey(readInput(str(args, 'key')!));
    const sc = str(args, 'signer-cert');
    const signer = new LocalSigner(kp, sc ? [loadCert(sc).der] : []);
    const index = parseOpensslIndex(new TextDecoder().decode(readInput(str(args, 'index')!)));
    const validity = int(args, 'validity');
    const responder = new OcspResponder({
      issuer,
      signer,
      lookup: async (_serial, hex) => index.get(hex.replace(/^0+(?=.)/, '')) ?? { status: 'unknown' },
      ...(validity !== undefined ? { validity } : {}),
      ...(flag(args, 'by-name') ? { responderIdType: 'byName' as const } : {}),
    });
    const resp = await responder.respond(readInput(str(args, 'in') ?? '-'));
    writeOutput(str(args, 'out'), resp, io);
    return parseOcspResponse(resp).status === 'successful' ? EXIT_OK : EXIT_FAIL;
  },
};

const verifyCommand: Command = {
  path: ['ocsp', 'verify'],
  summary: 'verify an OCSP response: signature, responder authorisation, freshness, nonce, status',
  usage:
    '--in RESP --issuer CA [--cert CERT] [--request REQ] [--responder CERT ...] [--at TIME] [--max-age S] [--json] [--lang en|vi]',
  options: [
    { name: 'in', type: 'string', description: 'DER OCSP response', required: true },
    { name: 'issuer', type: 'string', description: 'CA that issued the certificate', required: true },
    { name: 'cert', type: 'string', description: 'certificate whose status to report' },
    { name: 'request', type: 'string', description: 'the DER request, to check the nonce' },
    {
      name: 'responder',
      type: 'multi',
      description: 'delegated responder certificate(s) not carried in the response',
    },
    { name: 'at', type: 'string', description: 'validation time (ISO 8601; default now)' },
    { name: 'max-age', type: 'string', description: 'maximum age of thisUpdate in seconds' },
    { name: 'json', type: 'boolean', description: 'machine-readable report' },
    langOption('en'),
  ],
  async run(args, io) {
    const language = lang(args, 'en');
    const der = derOrPem(readInput(str(args, 'in')!), 'OCSP RESPONSE')[0]!;
    const resp = parseOcspResponse(der);
    const reqFile = str(args, 'request');
    const certFile = str(args, 'cert');
    const maxAge = int(args, 'max-age');
    const report = await verifyOcspResponse(resp, {
      issuer: loadCert(str(args, 'issuer')!),
      time: date(args, 'at') ?? new Date(),
      ...(reqFile ? { nonce: parseOcspRequest(readInput(reqFile)) } : {}),
      ...(certFile ? { certificate: loadCert(certFile) } : {}),
      ...(maxAge !== undefined ? { maxAge } : {}),
      responderCertificates: list(args, 'responder').flatMap((f) => Certificate.parseAll(readInput(f))),
    });
    if (flag(args, 'json')) {
      io.out(
        `${JSON.stringify(
          {
            status: report.status,
            verdict: ocspVerdict(report),
            responseStatus: resp.status,
            certStatus: report.certStatus,
            responder: report.responderCertificate?.subject.toString(),
            delegated: report.delegated,
            checks: report.checks,
            response: resp.basic ? describeBasicOcspResponse(resp.basic) : undefined,
          },
          null,
          2,
        )}\n`,
      );
    } else {
      io.out(`OCSP response: ${report.status.toUpperCase()}\n`);
      if (report.certStatus) {
        const s = report.certStatus;
        io.out(
          `certificate status: ${s.status}${s.status === 'revoked' ? ` at ${s.revocationTime.toISOString()}${s.reason ? ` (${s.reason})` : ''}` : ''}\n`,
        );
      }
      for (const c of report.checks) io.out(checkLine(c));
      io.out(`${renderVerdict(report.verdict, language)}
`);
    }
    return report.status === 'passed' ? EXIT_OK : EXIT_FAIL;
  },
};

export const ocspCommands: Command[] = [requestCommand, respondCommand, verifyCommand];
