/**
 * httpTimeStamper's own refusals (the granted path over HTTP is in cms-lta.test.ts): a URL that is
 * not http(s) is refused before any request, and a response whose PKIStatus is not granted or
 * grantedWithMods yields no token.
 */
import { describe, expect, it } from 'vitest';
import { httpTimeStamper } from '../src/cms/http-tsa.js';
import { digest } from '../src/crypto/hash.js';
import { integer, seq } from '../src/der.js';
import { encodeRejection } from '../src/tsp/response.js';

/** A fetch that answers every request with `body` and counts its calls. */
function answering(body: Uint8Array) {
  const calls: string[] = [];
  const f = (async (input: string | URL | Request) => {
    calls.push(String(input));
    return new Response(body as Uint8Array<ArrayBuffer>, {
      status: 200,
      headers: { 'content-type': 'application/timestamp-reply' },
    });
  }) as typeof fetch;
  return { fetch: f, calls };
}

describe('httpTimeStamper', () => {
  it('refuses a URL that is not http(s), before any request', () => {
    const { fetch, calls } = answering(new Uint8Array(0));
    for (const url of [
      'file:///etc/passwd',
      'data:application/timestamp-reply;base64,MAA=',
      'ftp://tsa.example/',
      'javascript:alert(1)',
      'tsa.example/tsr',
      '',
    ]) {
      expect(() => httpTimeStamper(url, { fetch }), url).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    }
    expect(calls).toEqual([]);
    expect(() => httpTimeStamper('http://127.0.0.1:1/tsa', { fetch })).not.toThrow();
    expect(() => httpTimeStamper('HTTPS://tsa.example/tsr', { fetch })).not.toThrow();
  });

  it('takes no token from a response that is not granted', async () => {
    const d = await digest('SHA-256', new Uint8Array([1, 2, 3]));
    const rejected = answering(encodeRejection('badAlg', 'hash not accepted'));
    const ts = httpTimeStamper('https://tsa.example/tsr', { fetch: rejected.fetch });
    await expect(ts(d, 'SHA-256')).rejects.toMatchObject({
      code: 'FETCH_FAILED',
      message: expect.stringContaining('TSA refused: rejection hash not accepted'),
    });
    expect(rejected.calls).toEqual(['https://tsa.example/tsr']);

    // waiting (3): PKIStatusInfo only, no token.
    const waiting = answering(seq(seq(integer(3))));
    await expect(
      httpTimeStamper('https://tsa.example/tsr', { fetch: waiting.fetch })(d, 'SHA-256'),
    ).rejects.toMatchObject({
      code: 'FETCH_FAILED',
      message: expect.stringContaining('TSA refused: waiting'),
    });

    // A rejection that carries a token anyway is malformed, and the token is not used.
    const withToken = answering(seq(seq(integer(2)), seq(integer(1))));
    await expect(
      httpTimeStamper('https://tsa.example/tsr', { fetch: withToken.fetch })(d, 'SHA-256'),
    ).rejects.toMatchObject({ code: 'ASN1_SCHEMA' });
  });
});
