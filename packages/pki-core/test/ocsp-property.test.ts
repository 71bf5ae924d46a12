/**
 * Property test: mutated OCSP requests and responses only ever produce KysoError (or a report),
 * never another exception, and never hang.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isKysoError } from '../src/errors.js';
import { buildOcspRequest, createCertId, parseOcspRequest } from '../src/ocsp/request.js';
import { OcspResponder } from '../src/ocsp/responder.js';
import { parseOcspResponse } from '../src/ocsp/response.js';
import { verifyOcspResponse } from '../src/ocsp/verify.js';
import type { Certificate } from '../src/x509/certificate.js';
import { requireTool } from './helpers/tools.js';
import { makeTestPki, mutate, mutation } from './ocsp-tsp-fixtures.js';

async function onlyKysoErrors(f: () => Promise<unknown> | unknown): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (!isKysoError(e)) throw e;
  }
}

describe.skipIf(!requireTool('openssl'))('OCSP mutation property', () => {
  let req: Uint8Array;
  let resp: Uint8Array;
  let responder: OcspResponder;
  let ca: Certificate;
  let leaf: Certificate;

  beforeAll(async () => {
    const pki = makeTestPki();
    ca = pki.cert('ca');
    leaf = pki.cert('leaf');
    responder = new OcspResponder({
      issuer: ca,
      signer: await pki.signer('ocsp'),
      lookup: async (s) =>
        s === 0x1002n
          ? { status: 'revoked', revocationTime: new Date('2024-01-01T00:00:00Z'), reason: 'keyCompromise' }
          : { status: 'good' },
    });
    req = buildOcspRequest({
      certIds: [await createCertId(leaf, ca), await createCertId(pki.cert('revoked'), ca, 'SHA-256')],
      nonce: true,
    }).der;
    resp = await responder.respond(req);
    expect(parseOcspResponse(resp).status).toBe('successful');
  }, 60_000);

  it('mutated requests: parse throws only KysoError; the responder always answers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation(req.length), { minLength: 1, maxLength: 4 }), async (ms) => {
        const m = mutate(req, ms);
        await onlyKysoErrors(() => parseOcspRequest(m));
        const answer = parseOcspResponse(await responder.respond(m));
        expect(['successful', 'malformedRequest', 'unauthorized']).toContain(answer.status);
      }),
      { numRuns: 150 },
    );
  }, 60_000);

  it('mutated responses: parse and verify throw only KysoError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation(resp.length), { minLength: 1, maxLength: 4 }), async (ms) => {
        const m = mutate(resp, ms);
        await onlyKysoErrors(async () => {
          const rep = await verifyOcspResponse(m, { issuer: ca, time: new Date(), certificate: leaf });
          expect(['passed', 'failed', 'indeterminate']).toContain(rep.status);
        });
      }),
      { numRuns: 200 },
    );
  }, 60_000);

  it('random bytes never crash the parsers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        for (const f of [parseOcspRequest, parseOcspResponse]) {
          try {
            f(b);
          } catch (e) {
            if (!isKysoError(e)) throw e;
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
