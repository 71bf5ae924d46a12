/**
 * The remote signer behind `kyso pdf sign --remote` and `kyso xml sign|countersign --remote`: a
 * pki-core `Signer` whose key stays on a kyso server and whose every signature the subscriber
 * approves asynchronously on the server's /approve page. Node only. It imports neither pdf-sign
 * nor xml-sign: each CLI passes its own error class (which its command reports with an exit code),
 * so `kyso xml …` does not load pdf-sign and `kyso pdf …` does not load xml-sign.
 *
 * For each signature the CLI prepares the document locally and asks the signer to sign (CMS signed
 * attributes, or an XML SignedInfo); the signer hashes them, asks the server for an asynchronous
 * authorisation (`credentials/authorize`, operationMode "A" → 202 {handle}, the file name as the
 * document's label), tells the user on
 * stderr that the subscriber approves on `<URL>/approve` (with the digest the page shows), polls
 * `credentials/authorizeCheck` until the SAD comes (or a refusal, the server's expiry, the
 * --approval-timeout, or Ctrl-C), then signs with `signatures/signHash` and the SAD.
 */
import type { SignatureAlgorithm, Signer } from '@kyso/pki-core';
import { CscClient, CscError, fromBase64 } from './client/csc-client.js';
import { type RemoteAuthorization, RemoteSigner } from './client/remote-signer.js';

/** What `--remote URL --credential ID …` gives (pdf-sign's and xml-sign's `RemoteSignerRequest`). */
export interface RemoteApprovalRequest {
  /** Server base URL, without a trailing slash. */
  url: string;
  credentialId: string;
  clientId?: string;
  clientSecret?: string;
  /** How long to wait for the subscriber's approval of each signature (ms). */
  approvalTimeoutMs: number;
  /** Shown to the subscriber with the pending request (e.g. `kyso xml sign hoa-don.xml`). */
  description?: string;
  /** The name of the file being signed now (sent as the hashes' labels: the document's name). */
  documentLabel?: () => string | undefined;
  /** Progress for the user (where to approve), written to stderr. */
  notify(text: string): void;
}

/** The CLI's error class for remote failures it reports without a stack (exit code 1, 2 or 130). */
export type RemoteErrorClass = new (message: string, exitCode?: number) => Error;

/** Options of {@link cscRemoteSignerFactory} (the `--remote` signer of `kyso pdf sign` and `kyso xml sign`). */
export interface CscRemoteSignerFactoryOptions {
  /** fetch for every request (tests); default globalThis.fetch. */
  fetch?: typeof fetch;
  /** Delay between authorizeCheck polls (default 2000 ms). */
  pollIntervalMs?: number;
  /** Cancel waiting on SIGINT (default true). */
  handleSigint?: boolean;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** Waits `ms`, or rejects with `onAbort()` at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal, aborted: () => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(aborted());
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(aborted());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Opens the remote signer for one CLI run (reads the credential's chain with credentials/info);
 * failures are `Failure` instances with the exit code the CLI returns.
 */
export async function openApprovedRemoteSigner(
  req: RemoteApprovalRequest,
  Failure: RemoteErrorClass,
  options: CscRemoteSignerFactoryOptions = {},
): Promise<Signer> {
  if (!req.clientId || !req.clientSecret)
    throw new Failure(
      '--remote needs the OAuth2 client credentials: --client-id ID --client-secret-file FILE',
      2,
    );
  /** Exit 130 for Ctrl-C, as a shell reports a SIGINT-terminated program. */
  const cancelled = () => new Failure('cancelled (Ctrl-C): nothing was signed', 130);
  const remoteError = (e: unknown): unknown => {
    if (e instanceof Failure) return e;
    if (e instanceof CscError) {
      if (e.error === 'access_denied' && e.status === 403)
        return new Failure('the subscriber refused the signature: nothing was signed');
      if (e.error === 'expired_token')
        return new Failure('the approval request expired on the server: nothing was signed');
      return new Failure(`the signing server refused: ${e.message}`);
    }
    if (e instanceof TypeError && /fetch/i.test(e.message))
      return new Failure(`cannot reach ${req.url}: ${(e.cause as Error | undefined)?.message ?? e.message}`);
    return e;
  };

  const baseFetch = options.fetch ?? ((...a: Parameters<typeof fetch>) => globalThis.fetch(...a));
  // Every request of one wait is tied to its AbortController, so Ctrl-C also ends a pending poll.
  let current: AbortSignal | undefined;
  const csc = new CscClient({
    baseUrl: req.url,
    clientId: req.clientId,
    clientSecret: req.clientSecret,
    fetch: (input, init) => baseFetch(input, current ? { ...init, signal: current } : init),
  });
  const interval = options.pollIntervalMs ?? 2000;

  const approve = async (hashes: string[], hashAlgorithmOID: string): Promise<RemoteAuthorization> => {
    const ac = new AbortController();
    const onSigint = () => ac.abort();
    if (options.handleSigint !== false) process.on('SIGINT', onSigint);
    current = ac.signal;
    try {
      const label = req.documentLabel?.();
      const { handle, expiresIn } = await csc.authorizeAsync({
        credentialID: req.credentialId,
        hashes,
        hashAlgorithmOID,
        ...(label ? { labels: hashes.map(() => label) } : {}),
        ...(req.description ? { description: req.description } : {}),
      });
      const waitMs = Math.min(req.approvalTimeoutMs, (expiresIn ?? Number.POSITIVE_INFINITY) * 1000);
      req.notify(
        `Waiting for the subscriber's approval at ${req.url}/approve\n` +
          `  digest (SHA-256 hex, as the page shows it): ${hashes.map((h) => hex(fromBase64(h))).join(', ')}\n` +
          `  up to ${Math.round(waitMs / 1000)} s; Ctrl-C cancels\n`,
      );
      const until = Date.now() + waitMs;
      for (;;) {
        const r = await csc.authorizeCheck(handle);
        if (!r.pending) {
          req.notify('Approved.\n');
          return { SAD: r.SAD };
        }
        if (Date.now() + interval > until)
          throw new Failure(
            `no approval within ${Math.round(waitMs / 1000)} s (--approval-timeout): nothing was signed`,
          );
        await sleep(interval, ac.signal, cancelled);
      }
    } catch (e) {
      if (ac.signal.aborted) throw cancelled();
      throw remoteError(e);
    } finally {
      current = undefined;
      process.removeListener('SIGINT', onSigint);
    }
  };

  let signer: RemoteSigner;
  try {
    signer = await RemoteSigner.open(csc, req.credentialId, { authorize: approve });
  } catch (e) {
    throw remoteError(e);
  }
  // signHash failures (e.g. the credential revoked meanwhile) are reported, not stack-traced.
  const wrap = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      throw remoteError(e);
    }
  };
  return {
    publicKey: signer.publicKey,
    certificateChain: signer.certificateChain,
    algorithms: signer.algorithms,
    sign: (data: Uint8Array, alg?: SignatureAlgorithm) => wrap(() => signer.sign(data, alg)),
    signDigest: (d: Uint8Array, alg: SignatureAlgorithm) => wrap(() => signer.signDigest(d, alg)),
  };
}
