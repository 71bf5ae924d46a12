/**
 * An RFC 3161 §3.4 HTTP time-stamp client as a CAdES `TimeStamper` (POST
 * application/timestamp-query). Browser-safe (fetch). The returned token is checked to answer this
 * request (message imprint and nonce); its signature and TSA chain are checked by the verifier.
 */
import { bytesEqual } from '../bytes.js';
import { KysoError } from '../errors.js';
import { OID } from '../oids.js';
import { buildTimeStampReq } from '../tsp/request.js';
import { parseTimeStampResp, parseTstInfo } from '../tsp/response.js';
import type { TimeStamper } from './cades.js';
import { parseCms } from './verify.js';

/** Time limit for one TSA round trip. */
export const TSA_TIMEOUT_MS = 30_000;
/** Largest response body accepted from a TSA. */
export const MAX_TSA_RESPONSE = 1024 * 1024;

/** Options of httpTimeStamper: policy OID, extra headers, fetch function and timeout. */
export interface HttpTimeStamperOptions {
  /** Policy OID to request. */
  policy?: string;
  /** Extra request headers (e.g. Authorization for commercial TSAs). */
  headers?: Record<string, string>;
  /** The fetch implementation (default `globalThis.fetch`; tests and proxies pass their own). */
  fetch?: typeof fetch;
  /** Request timeout in milliseconds (default `TSA_TIMEOUT_MS`). */
  timeoutMs?: number;
}

/**
 * A `TimeStamper` posting to `url`. Throws INVALID_ARGUMENT at once for a URL that is not http(s)
 * (fetch would also read `data:` and, elsewhere, `file:` URLs). A token is accepted only from a
 * response whose PKIStatus is granted or grantedWithMods.
 */
export function httpTimeStamper(url: string, opts: HttpTimeStamperOptions = {}): TimeStamper {
  let protocol: string | undefined;
  try {
    protocol = new URL(url).protocol;
  } catch {
    // not a URL: refused below
  }
  if (protocol !== 'http:' && protocol !== 'https:')
    throw new KysoError('INVALID_ARGUMENT', `TSA URL must be http(s): ${url}`);
  return async (digest, hashAlgorithm) => {
    const { der, nonce } = await buildTimeStampReq({
      digest,
      hashAlgorithm,
      nonce: true,
      certReq: true,
      ...(opts.policy ? { reqPolicy: opts.policy } : {}),
    });
    const f = opts.fetch ?? globalThis.fetch;
    let body: Uint8Array;
    try {
      const res = await f(url, {
        method: 'POST',
        headers: { 'content-type': 'application/timestamp-query', ...(opts.headers ?? {}) },
        body: der as Uint8Array<ArrayBuffer>,
        signal: AbortSignal.timeout(opts.timeoutMs ?? TSA_TIMEOUT_MS),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      body = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      throw new KysoError(
        'FETCH_FAILED',
        `time-stamp request to ${url} failed: ${(e as Error).message}`,
        undefined,
        { cause: e },
      );
    }
    if (body.length > MAX_TSA_RESPONSE) throw new KysoError('INPUT_TOO_LARGE', 'TSA response too large');
    const resp = parseTimeStampResp(body);
    const granted = resp.status.status === 'granted' || resp.status.status === 'grantedWithMods';
    if (!granted || !resp.token) {
      throw new KysoError(
        'FETCH_FAILED',
        `TSA refused: ${resp.status.status} ${(resp.status.statusString ?? []).join('; ')}`,
      );
    }
    const { signedData } = parseCms(resp.token);
    if (signedData.eContentType !== OID.tstInfo || !signedData.eContent) {
      throw new KysoError('ASN1_SCHEMA', 'TSA token does not carry a TSTInfo');
    }
    const tst = parseTstInfo(signedData.eContent);
    if (
      !bytesEqual(tst.messageImprint.hashedMessage, digest) ||
      tst.messageImprint.hashAlgorithm !== hashAlgorithm
    ) {
      throw new KysoError('SIGNATURE_INVALID', 'TSA token does not cover the requested digest');
    }
    if (nonce !== undefined && tst.nonce !== nonce)
      throw new KysoError('SIGNATURE_INVALID', 'TSA token nonce mismatch');
    return resp.token;
  };
}
