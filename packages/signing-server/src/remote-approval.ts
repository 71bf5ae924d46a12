/**
 * The remote signer behind `kyso pdf sign --remote` and `kyso xml sign|countersign --remote`: a
 * pki-core `Signer` whose key stays on a kyso server and whose every signature the subscriber
 * approves asynchronously on the server's /approve page. Node only. It imports neither pdf-sign
 * nor xml-sign: the request and the error class (which a command reports with its exit code) are
 * pki-core's CLI signer seam, so `kyso xml …` does not load pdf-sign and `kyso pdf …` not xml-sign.
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
import { type RemoteSignerFactory, type RemoteSignerRequest, RemoteSigningError } from '@kyso/pki-core/cli';
import { CscClient, CscError, fromBase64 } from './client/csc-client.js';
import { type RemoteAuthorization, RemoteSigner } from './client/remote-signer.js';

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
 * failures are RemoteSigningErrors with the exit code the CLI returns.
 */
export async function openApprovedRemoteSigner(
  req: RemoteSignerRequest,
  options: CscRemoteSignerFactoryOptions = {},
): Promise<Signer> {
  if (!req.clientId || !req.clientSecret)
    throw new RemoteSigningError(
      '--remote needs the OAuth2 client credentials: --client-id ID --client-secret-file FILE',
      2,
    );
  /** Exit 130 for Ctrl-C, as a shell reports a SIGINT-terminated program. */
  const cancelled = () => new RemoteSigningError('cancelled (Ctrl-C): nothing was signed', 130);
  const remoteError = (e: unknown): unknown => {
    if (e instanceof RemoteSigningError) return e;
    if (e instanceof CscError) {
      if (e.error === 'access_denied' && e.status === 403)
        return new RemoteSigningError('the subscriber refused the signature: nothing was signed');
      if (e.error === 'expired_token')
        return new RemoteSigningError('the approval request expired on the server: nothing was signed');
      return new RemoteSigningError(`the signing server refused: ${e.message}`);
    }
    if (e instanceof TypeError && /fetch/i.test(e.message))
      return new RemoteSigningError(
        `cannot reach ${req.url}: ${(e.cause as Error | undefined)?.message ?? e.message}`,
      );
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
          throw new RemoteSigningError(
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

/**
 * The SDK-based factory: a `RemoteSigner` whose every signature is approved asynchronously by the
 * subscriber on the server's /approve page. Give it to pdf-sign's `createPdfCommands` or xml-sign's
 * `createXmlCommands` as `remoteSignerFactory` to enable `kyso pdf sign --remote URL --credential
 * ID` (and `kyso xml sign|countersign --remote`).
 *
 * Per signature: CSC v2 credentials/authorize with operationMode "A" (202 + handle, the file name
 * as the hash's label), a notice on stderr with the digest the page shows, credentials/authorizeCheck
 * polled every `pollIntervalMs` until the SAD (single use, bound to that one hash), then
 * signatures/signHash. The OAuth 2.0 client secret comes from the CLI's --client-secret-file.
 *
 * The signer it makes fails with `RemoteSigningError` (`@kyso/pki-core/cli`): exit code 2 without
 * client credentials; 1 when the subscriber refuses (403 access_denied), the request expires
 * (expired_token), the server refuses otherwise or cannot be reached, or no approval comes within
 * --approval-timeout; 130 on Ctrl-C. Nothing is signed in any of these cases.
 */
export function cscRemoteSignerFactory(options: CscRemoteSignerFactoryOptions = {}): RemoteSignerFactory {
  return (req) => openApprovedRemoteSigner(req, options);
}
