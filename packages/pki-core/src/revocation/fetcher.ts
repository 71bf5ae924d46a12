/**
 * HTTP retrieval of CRLs (from cRLDistributionPoints) and OCSP responses (from AIA), for
 * revocation checking with `fetch: true`. Browser-safe: it uses the platform `fetch`, which can be
 * injected (tests run against a local server or a stub, never the network).
 *
 * Limits: a per-request timeout, a maximum body size (enforced while streaming, not after), http(s)
 * URLs only, and an in-memory cache of CRLs keyed by URL, fresh until the CRL's nextUpdate (or
 * `maxCacheSeconds` when it has none), bounded in entries.
 */
import { Crl } from '../crl.js';
import { KysoError } from '../errors.js';

/** The subset of the WHATWG fetch API the fetcher needs. */
export type FetchFunction = (
  url: string,
  init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: Uint8Array; signal: AbortSignal },
) => Promise<{
  status: number;
  headers: { get(name: string): string | null };
  body: ReadableStream<Uint8Array> | null;
}>;

/** Options of RevocationFetcher: fetch function, timeout, body size caps and the CRL cache. */
export interface FetcherOptions {
  /** The fetch implementation (default `globalThis.fetch`; tests and proxies pass their own). */
  fetch?: FetchFunction;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** Largest CRL body accepted (default 64 MiB, the CRL parser's own cap). */
  maxCrlBytes?: number;
  /** Largest OCSP response accepted (default 1 MiB). */
  maxOcspBytes?: number;
  /** Cache lifetime for a CRL without nextUpdate (default 1 hour). */
  maxCacheSeconds?: number;
  /** Most CRLs kept in the cache (default 64; least recently used evicted). */
  cacheEntries?: number;
  /** Clock for cache freshness (default Date.now). */
  now?: () => number;
}

/** Default per-request timeout of the RevocationFetcher (ms). */
export const DEFAULT_FETCH_TIMEOUT_MS = 10_000;
/** Default largest CRL body fetched (64 MiB, the CRL parser cap). */
export const DEFAULT_MAX_CRL_BYTES = 64 * 1024 * 1024;
/** Default largest OCSP response body fetched (1 MiB). */
export const DEFAULT_MAX_OCSP_BYTES = 1024 * 1024;

interface CacheEntry {
  crl: Crl;
  expires: number;
}

/**
 * Fetches CRLs (CDP, cached until nextUpdate) and OCSP responses (POST, not cached) over HTTP, with a timeout
 * and body size caps.
 */
export class RevocationFetcher {
  readonly #fetch: FetchFunction;
  readonly #timeoutMs: number;
  readonly #maxCrl: number;
  readonly #maxOcsp: number;
  readonly #maxCacheMs: number;
  readonly #cacheEntries: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #inflight = new Map<string, Promise<Crl>>();
  /** Number of network requests made (for tests and metrics). */
  requests = 0;

  constructor(opts: FetcherOptions = {}) {
    const f = opts.fetch ?? (globalThis.fetch as unknown as FetchFunction | undefined);
    if (!f) throw new KysoError('INVALID_ARGUMENT', 'no fetch implementation available');
    this.#fetch = f;
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
    this.#maxCrl = opts.maxCrlBytes ?? DEFAULT_MAX_CRL_BYTES;
    this.#maxOcsp = opts.maxOcspBytes ?? DEFAULT_MAX_OCSP_BYTES;
    this.#maxCacheMs = (opts.maxCacheSeconds ?? 3600) * 1000;
    this.#cacheEntries = opts.cacheEntries ?? 64;
    this.#now = opts.now ?? Date.now;
  }

  /** GETs and parses a CRL, from the cache while it is fresh. FETCH_FAILED / parse errors throw. */
  async fetchCrl(url: string): Promise<Crl> {
    const hit = this.#cache.get(url);
    if (hit && hit.expires > this.#now()) {
      this.#cache.delete(url);
      this.#cache.set(url, hit);
      return hit.crl;
    }
    const pending = this.#inflight.get(url);
    if (pending) return pending;
    const p = (async () => {
      const body = await this.#request(url, 'GET', undefined, 'application/pkix-crl', this.#maxCrl);
      const crl = Crl.parse(body);
      const expires = crl.nextUpdate ? crl.nextUpdate.getTime() : this.#now() + this.#maxCacheMs;
      this.#cache.set(url, { crl, expires });
      while (this.#cache.size > this.#cacheEntries) this.#cache.delete(this.#cache.keys().next().value!);
      return crl;
    })();
    this.#inflight.set(url, p);
    try {
      return await p;
    } finally {
      this.#inflight.delete(url);
    }
  }

  /** POSTs an OCSP request (RFC 6960 Appendix A.1) and returns the raw response. Not cached. */
  async fetchOcsp(url: string, requestDer: Uint8Array): Promise<Uint8Array> {
    return this.#request(url, 'POST', requestDer, 'application/ocsp-response', this.#maxOcsp);
  }

  /** Empties the cache of fetched responses. */
  clearCache(): void {
    this.#cache.clear();
  }

  /** Number of cached responses. */
  get cacheSize(): number {
    return this.#cache.size;
  }

  async #request(
    url: string,
    method: 'GET' | 'POST',
    body: Uint8Array | undefined,
    accept: string,
    max: number,
  ) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new KysoError('FETCH_FAILED', `not a URL: ${url}`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw new KysoError('FETCH_FAILED', `unsupported URL scheme ${u.protocol} (${url})`);
    }
    this.requests++;
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), this.#timeoutMs);
    try {
      const headers: Record<string, string> = { accept };
      if (body) headers['content-type'] = 'application/ocsp-request';
      const res = await this.#fetch(url, { method, headers, ...(body ? { body } : {}), signal: ctl.signal });
      if (res.status < 200 || res.status > 299)
        throw new KysoError('FETCH_FAILED', `HTTP ${res.status} from ${url}`);
      const len = res.headers.get('content-length');
      if (len !== null && Number(len) > max) {
        throw new KysoError('INPUT_TOO_LARGE', `${url}: body of ${len} bytes exceeds ${max}`);
      }
      if (!res.body) return new Uint8Array(0);
      const reader = res.body.getReader();
      const chunks: Uint8Array[] = [];
      let total = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.length;
        if (total > max) {
          await reader.cancel().catch(() => {});
          throw new KysoError('INPUT_TOO_LARGE', `${url}: body exceeds ${max} bytes`);
        }
        chunks.push(value);
      }
      const out = new Uint8Array(total);
      let o = 0;
      for (const c of chunks) {
        out.set(c, o);
        o += c.length;
      }
      return out;
    } catch (e) {
      if (e instanceof KysoError) throw e;
      const msg = ctl.signal.aborted ? `timed out after ${this.#timeoutMs} ms` : (e as Error).message;
      throw new KysoError('FETCH_FAILED', `${method} ${url}: ${msg}`, undefined, { cause: e });
    } finally {
      clearTimeout(timer);
    }
  }
}
