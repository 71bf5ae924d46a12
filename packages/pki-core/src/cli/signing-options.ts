/**
 * The options every signing command shares (`kyso pdf sign`, `kyso xml sign|countersign|extend`),
 * declared and parsed once: the signer (--p12/--password-file, --key/--cert/--chain, or --remote
 * URL --credential ID with OAuth2 client credentials through a remote signer factory), the AdES
 * level with its time-stamp authority (--level, --tsa, --allow-lower-level) and the output file
 * (--out, refused when it exists unless --force). Node only.
 */
import { existsSync } from 'node:fs';
import type { CadesSignLevel } from '../cms/cades.js';
import { KysoError } from '../errors.js';
import { importPrivateKey, privateKeyFromPkcs8 } from '../crypto/keys.js';
import { LocalSigner } from '../crypto/signer.js';
import type { Signer } from '../crypto/types.js';
import { importPkcs12, pkcs12KeyForCertificate } from '../pkcs12.js';
import { Certificate } from '../x509/certificate.js';
import { type OptionSpec, type ParsedArgs, UsageError, flag, list, readInput, str } from './framework.js';

/**
 * What `--remote URL --credential ID` needs to build a signer. The document libraries do not
 * depend on the signing server: the `kyso` binary of @kyso/signing-server passes a factory built on
 * its SDK (`createPdfCommands({ remoteSignerFactory })`, `createXmlCommands(...)`); without one,
 * `--remote` is a usage error.
 */
export interface RemoteSignerRequest {
  /** Server base URL, without a trailing slash (e.g. https://kyso.example.gov.vn). */
  url: string;
  /** The remote credential (--credential). */
  credentialId: string;
  /** OAuth2 client id (--client-id). */
  clientId?: string;
  /** OAuth2 client secret (the contents of --client-secret-file). */
  clientSecret?: string;
  /** How long to wait for the subscriber's approval of each signature (ms). */
  approvalTimeoutMs: number;
  /** Shown to the subscriber with the pending request, e.g. `kyso xml sign hoa-don.xml`. */
  description?: string;
  /** The name of the file being signed now (shown to the subscriber as the document's name). */
  documentLabel?: () => string | undefined;
  /** Progress for the user (where to approve), written to stderr. */
  notify(text: string): void;
}

/** Builds the remote Signer for one run; rejects with RemoteSigningError for a reported failure. */
export type RemoteSignerFactory = (request: RemoteSignerRequest) => Promise<Signer>;

/** A remote signing failure the CLI reports without a stack (refused, expired, cancelled: exit code). */
export class RemoteSigningError extends Error {
  constructor(
    message: string,
    /** The command's exit code: 1 (refused, expired, timed out), 2 (usage), 130 (Ctrl-C). */
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'RemoteSigningError';
  }
}

/** --p12 and --password-file (`holder` names whose PKCS#12 file it is). */
export function p12Options(holder = 'the key and certificate chain'): OptionSpec[] {
  return [
    { name: 'p12', type: 'string', description: `PKCS#12 file with ${holder}` },
    { name: 'password-file', type: 'string', description: 'file holding the PKCS#12 password' },
  ];
}

/** --key, --cert and --chain: a private key with its certificates, as files. */
export const KEY_FILE_OPTIONS: readonly OptionSpec[] = [
  { name: 'key', type: 'string', description: 'private key (PEM)' },
  {
    name: 'cert',
    type: 'string',
    description: 'signer certificate (PEM/DER; more certificates may follow)',
  },
  { name: 'chain', type: 'multi', description: 'intermediate certificates (PEM)' },
];

/** --remote, --credential, --client-id, --client-secret-file and --approval-timeout. */
export const REMOTE_SIGNER_OPTIONS: readonly OptionSpec[] = [
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
];

/** Every signer option: a PKCS#12 file, key files, or a remote credential. */
export function signerOptions(holder?: string): OptionSpec[] {
  return [...p12Options(holder), ...KEY_FILE_OPTIONS, ...REMOTE_SIGNER_OPTIONS];
}

/** The signer part of a signing command's usage line. */
export const SIGNER_USAGE =
  '(--p12 FILE --password-file FILE | --key FILE --cert FILE [--chain FILE] | --remote URL --credential ID --client-id ID --client-secret-file FILE [--approval-timeout SECONDS])';

/** What a signing command tells the remote signer about itself, and where it writes progress. */
export interface RemoteSignerContext {
  /** Enables --remote (the signing server's `kyso` binary); without it --remote is a usage error. */
  factory?: RemoteSignerFactory | undefined;
  /** Progress for the user (where to approve the signature), written to stderr. */
  notify(text: string): void;
  /** Shown to the subscriber with the pending request, e.g. `kyso xml sign hoa-don.xml`. */
  description?: string;
  /** The name of the file being signed now. */
  documentLabel?: () => string | undefined;
}

/** A secret file's contents without the final line break. */
function secretFrom(file: string): string {
  return new TextDecoder().decode(readInput(file)).replace(/\r?\n$/, '');
}

/** The remote request of --remote URL --credential ID ... (checked before any request is made). */
function remoteRequest(o: ParsedArgs, remote: RemoteSignerContext | undefined): RemoteSignerRequest {
  const url = str(o, 'remote');
  const credentialId = str(o, 'credential');
  if (!remote?.factory)
    throw new UsageError(
      '--remote/--credential: remote signing needs the kyso binary of @kyso/signing-server',
    );
  if (!url || !credentialId) throw new UsageError('--remote URL and --credential ID go together');
  if (str(o, 'p12') !== undefined || str(o, 'key') !== undefined)
    throw new UsageError('--remote excludes --p12 and --key');
  const clientId = str(o, 'client-id');
  const secretFile = str(o, 'client-secret-file');
  if ((clientId === undefined) !== (secretFile === undefined))
    throw new UsageError('--client-id and --client-secret-file go together');
  const seconds = Number(str(o, 'approval-timeout') ?? '300');
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
  return {
    url: url.replace(/\/+$/, ''),
    credentialId,
    ...(clientId !== undefined ? { clientId, clientSecret: secretFrom(secretFile!) } : {}),
    approvalTimeoutMs: seconds * 1000,
    ...(remote.description ? { description: remote.description } : {}),
    ...(remote.documentLabel ? { documentLabel: remote.documentLabel } : {}),
    notify: remote.notify,
  };
}

/** The signer of a PKCS#12 file: the certificate with a key, then the file's other certificates. */
async function p12Signer(p12: string, pwFile: string | undefined): Promise<Signer> {
  if (!pwFile) throw new UsageError('--p12 needs --password-file');
  const contents = await importPkcs12(readInput(p12), secretFrom(pwFile));
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

/**
 * Builds a Signer from --p12/--password-file or --key/--cert [--chain], or from --remote URL
 * --credential ID [--client-id ID --client-secret-file FILE] [--approval-timeout SECONDS] through
 * `remote.factory`.
 */
export async function signerFromOptions(o: ParsedArgs, remote?: RemoteSignerContext): Promise<Signer> {
  if (str(o, 'remote') !== undefined || str(o, 'credential') !== undefined) {
    const request = remoteRequest(o, remote);
    return remote!.factory!(request);
  }
  const p12 = str(o, 'p12');
  const key = str(o, 'key');
  if ((p12 === undefined) === (key === undefined))
    throw new UsageError(
      `give either --p12 FILE --password-file FILE or --key FILE --cert FILE${remote?.factory ? ' (or --remote URL --credential ID)' : ''}`,
    );
  if (p12 !== undefined) return p12Signer(p12, str(o, 'password-file'));
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

/** An AdES baseline level (ETSI EN 319 122/132/142). */
export type AdesLevel = CadesSignLevel;

/** The AdES baseline levels, lowest first. */
export const ADES_LEVELS: readonly AdesLevel[] = ['B-B', 'B-T', 'B-LT', 'B-LTA'];

/** --level (its description says what the command does with it), --tsa and --allow-lower-level. */
export function levelOptions(level: Omit<OptionSpec, 'name' | 'type'>): OptionSpec[] {
  return [
    { name: 'level', type: 'string', ...level },
    { name: 'tsa', type: 'string', description: 'RFC 3161 time-stamp authority URL (B-T and above)' },
    {
      name: 'allow-lower-level',
      type: 'boolean',
      description:
        'B-LT/B-LTA: go on when the revocation data found does not prove every certificate (the output says what is missing)',
    },
  ];
}

/**
 * --level (`fallback` when absent; required without one) and --tsa, checked together: above B-B a
 * time-stamp authority is needed; with --remote it is the server's own (URL/pki/tsa) unless --tsa
 * names another.
 */
export function levelAndTsa(o: ParsedArgs, fallback?: AdesLevel): { level: AdesLevel; tsa?: string } {
  const level = (str(o, 'level')?.toUpperCase() ?? fallback) as AdesLevel | undefined;
  if (!level || !ADES_LEVELS.includes(level)) throw new UsageError('--level must be B-B, B-T, B-LT or B-LTA');
  const remote = str(o, 'remote')?.replace(/\/+$/, '');
  const tsa = str(o, 'tsa') ?? (remote && level !== 'B-B' ? `${remote}/pki/tsa` : undefined);
  if (level !== 'B-B' && !tsa) throw new UsageError(`--level ${level} needs --tsa URL`);
  return { level, ...(tsa ? { tsa } : {}) };
}

/**
 * Refuses to replace an existing output file unless --force (a signed document overwritten by
 * mistake may be the only copy). Reads --force from the arguments, so it holds when a command is
 * run without runCli too.
 */
export function refuseExistingOutput(o: ParsedArgs, file: string): void {
  if (!flag(o, 'force') && existsSync(file))
    throw new UsageError(`${file} already exists: pass --force to overwrite it, or choose another --out`);
}
