/**
 * Property test: mutated TimeStampReq / TimeStampResp / token bytes only ever produce KysoError
 * (or a report / a rejection), never another exception, and never hang.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isKysoError } from '../src/errors.js';
import { buildTimeStampReq, parseTimeStampReq } from '../src/tsp/request.js';
import { parseTimeStampResp } from '../src/tsp/response.js';
import { TimeStampAuthority } from '../src/tsp/tsa.js';
import { verifyTimeStampResponse, verifyTimeStampToken } from '../src/tsp/verify.js';
import { requireTool } from './helpers/tools.js';
import { makeTestPki, mutate, mutation } from './ocsp-tsp-fixtures.js';

async function onlyKysoErrors(f: () => Promise<unknown> | unknown): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (!isKysoError(e)) throw e;
  }
}

describe.skipIf(!requireTool('openssl'))('TSP mutation property', () => {
  const data = new TextEncoder().encode('kyso');
  let tsa: TimeStampAuthority;
  let req: Uint8Array;
  let resp: Uint8Array;
  let token: Uint8Array;

  beforeAll(async () => {
    const pki = makeTestPki();
    tsa = new TimeStampAuthority({
      certificate: pki.cert('tsa'),
      signer: await pki.signer('tsa'),
      policyOid: '1.3.6.1.4.1.99999.1.1',
      accuracy: { seconds: 1 },
    });
    req = (await buildTimeStampReq({ data, nonce: true, certReq: true, reqPolicy: '1.3.6.1.4.1.99999.1.1' }))
      .der;
    resp = await tsa.respond(req);
    token = parseTimeStampResp(resp).token!;
    expect(
      (await verifyTimeStampToken(token, { data })).checks.find((c) => c.check === 'signature')?.status,
    ).toBe('passed');
  }, 60_000);

  it('mutated requests: parse throws only KysoError; the TSA always answers with a TimeStampResp', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation(req.length), { minLength: 1, maxLength: 4 }), async (ms) => {
        const m = mutate(req, ms);
        await onlyKysoErrors(() => parseTimeStampReq(m));
        const answer = parseTimeStampResp(await tsa.respond(m));
        expect(['granted', 'rejection']).toContain(answer.status.status);
      }),
      { numRuns: 150 },
    );
  }, 60_000);

  it('mutated responses and tokens: parse and verify throw only KysoError', async () => {
    const parsedReq = parseTimeStampReq(req);
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(mutation(Math.max(resp.length, token.length)), { minLength: 1, maxLength: 4 }),
        async (whole, ms) => {
          if (whole) {
            await onlyKysoErrors(() => verifyTimeStampResponse(mutate(resp, ms), parsedReq));
          } else {
            await onlyKysoErrors(() => verifyTimeStampToken(mutate(token, ms), { data }));
          }
        },
      ),
      { numRuns: 250 },
    );
  }, 60_000);

  it('random bytes never crash the parsers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (b) => {
        await onlyKysoErrors(() => parseTimeStampReq(b));
        await onlyKysoErrors(() => parseTimeStampResp(b));
        await onlyKysoErrors(() => verifyTimeStampToken(b, {}));
      }),
      { numRuns: 300 },
    );
  });
});
