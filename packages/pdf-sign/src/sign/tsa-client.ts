/** HTTP RFC 3161 client: `httpTimeStamper(url)` returns a `TimeStamper` for PAdES B-T/B-LTA. */
import {
  type HashAlgorithm,
  KysoError,
  type TimeStamper,
  buildTimeStampReq,
  bytesEqual,
  parseTimeStampResp,
  parseTimeStampToken,
} from '@kyso/pki-core';

/** Largest TSA response read. */
export const MAX_TSA_RESPONSE = 1024 * 1024;

export interface HttpTimeStamperOptions {
  /** Injected fetch (default globalThis.fetch). */
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Extra headers (e.g. Authorization). */
  headers?: Record<string, string>;
  /** TSA policy to ask for. */
  policy?: string;
}

export function httpTimeStamper(url: string, opts: HttpTimeStamperOptions = {}): TimeStamper {
  if (!/^https?:\/\//i.test(url)) throw new KysoError('INVALID_ARGUMENT', `TSA URL must be http(s): ${url}`);
  return async (digest: Uint8Array, hashAlgorithm: HashAlgorithm): Promise<Uint8Array> => {
    const req = await buildTimeStampReq({
      digest,
      hashAlgorithm,
      nonce: true,
      certReq: true,
      ...(opts.policy ? { reqPolicy: opts.policy } : {}),
    });
    const f = opts.fetch ?? globalThis.fetch;
    let res: Response;
    try {
      res = await f(url, {
        method: 'POST',
        headers: { 'content-type': 'application/timestamp-query', ...(opts.headers ?? {}) },
        body: new Uint8Array(req.der) as Uint8Array<ArrayBuffer>,
        signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
      });
    } catch (e) {
      throw new KysoError('FETCH_FAILED', `TSA ${url}: ${(e as Error).message}`);
    }
    if (res.status !== 200) throw new KysoError('FETCH_FAILED', `TSA ${url} answered HTTP ${res.status}`);
    const body = new Uint8Array(await res.arrayBuffer());
    if (body.length > MAX_TSA_RESPONSE) throw new KysoError('INPUT_TOO_LARGE', 'TSA response too large');
    const resp = parseTimeStampResp(body);
    if (!resp.token || (resp.status.status !== 'granted' && resp.status.status !== 'grantedWithMods')) {
      throw new KysoError(
        'FETCH_FAILED',
        `TSA refused: ${resp.status.status} ${resp.status.statusString?.join('; ') ?? ''}`,
      );
    }
    const { tstInfo } = parseTimeStampToken(resp.token);
    if (
      !bytesEqual(tstInfo.messageImprint.hashedMessage, digest) ||
      tstInfo.messageImprint.hashAlgorithm !== hashAlgorithm
    ) {
      throw new KysoError('SIGNATURE_INVALID', 'TSA token does not time-stamp the requested digest');
    }
    if (req.nonce !== undefined && tstInfo.nonce !== req.nonce) {
      throw new KysoError('SIGNATURE_INVALID', 'TSA token nonce does not match the request');
    }
    return resp.token;
  };
}
