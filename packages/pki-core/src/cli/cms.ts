/** `kyso cms sign|verify`: CMS / CAdES signatures of files. */
import { signCades } from '../cms/cades.js';
import { httpTimeStamper } from '../cms/http-tsa.js';
import { cmsReportToJson, verifyCms } from '../cms/verify.js';
import { rsaPss } from '../crypto/algorithms.js';
import { importPrivateKey } from '../crypto/keys.js';
import { LocalSigner } from '../crypto/signer.js';
import type { HashAlgorithm, SignatureAlgorithm } from '../crypto/types.js';
import { Crl } from '../crl.js';
import { derOrPem, pemEncode } from '../pem.js';
import { TrustStore } from '../path/trust-store.js';
import { cmsEtsiReport } from '../verdict/cms-report.js';
import { renderVerdict } from '../verdict/render.js';
import { cmsSignerVerdict, cmsVerdict } from '../verdict/verdict.js';
import { Certificate } from '../x509/certificate.js';
import {
  type Command,
  EXIT_FAIL,
  EXIT_OK,
  UsageError,
  date,
  flag,
  list,
  readInput,
  str,
  writeOutput,
  lang,
  langOption,
} from './framework.js';
import { certificatesFrom, reportForm, reportOptions, trustOption } from './verify-options.js';

const HASHES: Record<string, HashAlgorithm> = { sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' };

const signCommand: Command = {
  path: ['cms', 'sign'],
  summary: 'sign a file as CMS / CAdES (attached or detached)',
  usage:
    '--key KEY --cert CERT [--chain PEM ...] [--in FILE] [--out FILE] [--detached] [--level B-B|B-T|B-LT|B-LTA --tsa-url URL [--crl FILE ...] [--ocsp-response FILE ...]]',
  options: [
    {
      name: 'key',
      type: 'string',
      description: 'private key (PEM or DER: PKCS#8, PKCS#1, SEC1)',
      required: true,
    },
    { name: 'cert', type: 'string', description: 'signer certificate (PEM or DER)', required: true },
    { name: 'chain', type: 'multi', description: 'intermediate certificates to embed (PEM bundle or DER)' },
    { name: 'in', type: 'string', description: 'file to sign (default: standard input)' },
    { name: 'out', type: 'string', description: 'output file (default: standard output)' },
    { name: 'detached', type: 'boolean', description: 'leave the content out of the signature' },
    { name: 'level', type: 'string', description: 'CAdES level: B-B (default), B-T, B-LT or B-LTA' },
    {
      name: 'tsa-url',
      type: 'string',
      description: 'RFC 3161 time-stamp authority URL (needed for B-T and above)',
    },
    {
      name: 'crl',
      type: 'multi',
      description: 'B-LT/B-LTA validation data: CRLs to embed (DER or PEM)',
    },
    {
      name: 'ocsp-response',
      type: 'multi',
      description: 'B-LT/B-LTA validation data: OCSP responses to embed (DER)',
    },
    {
      name: 'validation-cert',
      type: 'multi',
      description: 'B-LT/B-LTA: further certificates to embed (TSA chain, CRL or OCSP signers)',
    },
    {
      name: 'hash',
      type: 'string',
      description: 'sha256 (default), sha384 or sha512 (Ed25519 keys: sha512, RFC 8419)',
    },
    { name: 'pss', type: 'boolean', description: 'RSA keys: sign with RSASSA-PSS instead of PKCS#1 v1.5' },
    { name: 'pem', type: 'boolean', description: 'write PEM ("CMS") instead of DER' },
  ],
  async run(args, io) {
    const level = str(args, 'level') ?? 'B-B';
    if (level !== 'B-B' && level !== 'B-T' && level !== 'B-LT' && level !== 'B-LTA')
      throw new UsageError('--level must be B-B, B-T, B-LT or B-LTA');
    const tsaUrl = str(args, 'tsa-url');
    if (level !== 'B-B' && !tsaUrl) throw new UsageError(`--level ${level} needs --tsa-url`);
    const crls = list(args, 'crl').flatMap((f) => Crl.parseAll(readInput(f)).map((c) => c.der));
    const ocspResponses = list(args, 'ocsp-response').flatMap((f) => derOrPem(readInput(f), 'OCSP RESPONSE'));
    const validationCerts = list(args, 'validation-cert').flatMap((f) =>
      Certificate.parseAll(readInput(f)).map((c) => c.der),
    );
    if ((level === 'B-LT' || level === 'B-LTA') && crls.length + ocspResponses.length === 0)
      throw new UsageError(`--level ${level} needs validation data: --crl or --ocsp-response`);
    const key = await importPrivateKey(readInput(str(args, 'key')!));
    const hashName = (str(args, 'hash') ?? (key.spec.type === 'Ed25519' ? 'sha512' : 'sha256')).toLowerCase();
    const hash = HASHES[hashName];
    if (!hash) throw new UsageError('--hash must be sha256, sha384 or sha512');
    if (key.spec.type === 'Ed25519' && hash !== 'SHA-512')
      throw new UsageError('Ed25519 keys sign CMS with --hash sha512 (RFC 8419)');
    const cert = Certificate.parse(readInput(str(args, 'cert')!));
    const chain = list(args, 'chain').flatMap((f) => Certificate.parseAll(readInput(f)));
    let alg: SignatureAlgorithm;
    if (key.spec.type === 'RSA')
      alg = flag(args, 'pss') ? rsaPss(hash as Exclude<HashAlgorithm, 'SHA-1'>) : { name: 'RSA-PKCS1', hash };
    else if (key.spec.type === 'EC') {
      if (flag(args, 'pss')) throw new UsageError('--pss needs an RSA key');
      alg = { name: 'ECDSA', hash };
    } else if (key.spec.type === 'Ed25519') {
      if (flag(args, 'pss')) throw new UsageError('--pss needs an RSA key');
      alg = { name: 'Ed25519' };
    } else throw new UsageError('only RSA, EC and Ed25519 keys can sign CMS');
    const signer = new LocalSigner(key, [cert.der, ...chain.map((c) => c.der)], { algorithms: [alg] });
    const content = readInput(str(args, 'in') ?? '-');
    const cms = await signCades({
      signer,
      content,
      detached: flag(args, 'detached'),
      level,
      ...(tsaUrl ? { timeStamper: httpTimeStamper(tsaUrl) } : {}),
      ...(level === 'B-LT' || level === 'B-LTA'
        ? { validationData: { crls, ocspResponses, certificates: validationCerts } }
        : {}),
    });
    writeOutput(str(args, 'out'), flag(args, 'pem') ? pemEncode('CMS', cms) : cms, io);
    return EXIT_OK;
  },
};

const verifyCommand: Command = {
  path: ['cms', 'verify'],
  summary: 'verify a CMS / CAdES signature (exit 0 valid, 1 invalid, 2 usage or unreadable input)',
  usage:
    '--in SIG [--content FILE] --trust ROOT [--untrusted PEM ...] [--at TIME] [--json | --report etsi] [--lang en|vi]',
  options: [
    { name: 'in', type: 'string', description: 'the signature (DER, BER or PEM)', required: true },
    { name: 'content', type: 'string', description: 'the signed file, for a detached signature' },
    trustOption({ required: true }),
    { name: 'untrusted', type: 'multi', description: 'extra intermediate certificates' },
    {
      name: 'at',
      type: 'string',
      description: 'validation time when there is no time-stamp (ISO 8601; default now)',
    },
    { name: 'require-ess', type: 'boolean', description: 'fail without signing-certificate-v2 (CAdES)' },
    { name: 'out', type: 'string', description: 'write the encapsulated content here (attached signatures)' },
    ...reportOptions(),
    langOption('en'),
  ],
  async run(args, io) {
    const { format } = reportForm(args);
    const language = lang(args, 'en');
    const sigBytes = derOrPem(readInput(str(args, 'in')!), 'CMS', 'PKCS7')[0]!;
    const trustStore = new TrustStore(certificatesFrom(list(args, 'trust')));
    const certificates = certificatesFrom(list(args, 'untrusted'));
    const contentFile = str(args, 'content');
    const at = date(args, 'at');
    const report = await verifyCms(sigBytes, {
      trustStore,
      certificates,
      requireSigningCertificate: flag(args, 'require-ess'),
      ...(contentFile ? { content: readInput(contentFile) } : {}),
      ...(at ? { time: at } : {}),
    });
    const out = str(args, 'out');
    if (out && report.content) writeOutput(out, report.content, io);
    if (format === 'json') {
      const { valid, signers, ...rest } = cmsReportToJson(report) as { valid: boolean; signers: object[] };
      const json = {
        valid,
        verdict: cmsVerdict(report),
        ...rest,
        signers: signers.map((s, i) => ({ ...s, verdict: cmsSignerVerdict(report.signers[i]!) })),
      };
      io.out(`${JSON.stringify(json, null, 2)}\n`);
    } else if (format === 'etsi') io.out(cmsEtsiReport(report));
    else {
      const lines = [
        `${report.valid ? 'VALID' : 'INVALID'} (${report.signers.length} signer(s), ${report.detached ? 'detached' : 'attached'}, ${report.encoding})`,
      ];
      for (const s of report.signers) {
        lines.push(
          `signer ${s.index}: ${s.valid ? 'valid' : 'invalid'}, ${s.signerCertificate?.subject.toString() ?? 'unknown certificate'}, ${s.signatureAlgorithm}, level ${s.level}`,
        );
        if (s.signingTime) lines.push(`  signingTime (claimed): ${s.signingTime.toISOString()}`);
        if (s.timestamp?.genTime)
          lines.push(
            `  time-stamp: ${s.timestamp.genTime.toISOString()} (${s.timestamp.valid ? 'valid' : 'invalid'})`,
          );
        for (const c of s.checks) {
          lines.push(
            `  [${c.status}] ${c.check}${c.reason ? ` ${c.reason}` : ''}${c.detail ? `: ${c.detail}` : ''}`,
          );
        }
      }
      lines.push(renderVerdict(report.verdict, language));
      io.out(`${lines.join('\n')}\n`);
    }
    return report.valid ? EXIT_OK : EXIT_FAIL;
  },
};

export const cmsCommands: Command[] = [signCommand, verifyCommand];
