/**
 * One clock on the server (issue 17), OCSP side: a pre-produced OCSP response's thisUpdate and
 * nextUpdate, its HTTP max-age and the job's refresh schedule follow the server's injected Clock
 * (createKyso `clock`), not the system time. The clock here stands two hours behind real time
 * (plus 123 ms, so flooring to the second shows), then moves past the responses' refresh time; every time asserted
 * below can only come from it. thisUpdate is read back with pki-core's OCSP parser and with
 * `openssl ocsp -resp_text`. PGlite and PostgreSQL.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  buildOcspRequest,
  Certificate,
  type Clock,
  createCertId,
  ocspGetUrl,
  parseOcspResponse,
  pemEncode,
} from '@kyso/pki-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openssl, requireTool, tmpDir } from '../../pki-core/test/helpers/tools.js';
import { requirePostgres, startTestServer, type TestServer } from './helpers/env.js';

const hasOpenssl = requireTool('openssl');
const backends: ('pglite' | 'postgres')[] = ['pglite'];
if (requirePostgres()) backends.push('postgres');

/** A clock that stands still at `at` until the test moves it. */
class SetClock implements Clock {
  constructor(public at: number) {}
  now(): Date {
    return new Date(this.at);
  }
}

/** openssl's ASN1_TIME_print form: "Dec  8 00:51:23 2026 GMT". */
function opensslTime(d: Date): string {
  const mon = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const hms = d.toISOString().slice(11, 19);
  return `${mon} ${String(d.getUTCDate()).padStart(2, ' ')} ${hms} ${d.getUTCFullYear()} GMT`;
}

describe.each(backends)('pre-produced OCSP by the injected server clock (%s)', (backend) => {
  const start = Math.floor(Date.now() / 1000) * 1000 - 2 * 3600_000 + 123;
  const clock = new SetClock(start);
  let s: TestServer;
  let leaf: Certificate;

  beforeAll(async () => {
    s = await startTestServer(backend, {}, { clock });
    const r = await s.kyso.ctx.db.query<{ der: Uint8Array }>(
      'SELECT der FROM certificates WHERE ca_id = $1 AND not_after > $2 ORDER BY serial LIMIT 1',
      [s.kyso.ca.defaultCa.id, new Date(start)],
    );
    leaf = Certificate.fromDer(new Uint8Array(r.rows[0]!.der));
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  const get = async () => {
    const ca = s.kyso.ca.defaultCa;
    const req = buildOcspRequest({ certIds: [await createCertId(leaf, ca.cert, 'SHA-256')], nonce: false });
    const r = await s.kyso.app.request(ocspGetUrl('/pki/ocsp', req.der));
    expect(r.status).toBe(200);
    return { r, der: new Uint8Array(await r.arrayBuffer()) };
  };

  it('thisUpdate, nextUpdate and max-age are the clock’s, not the system’s', async () => {
    const { r, der } = await get();
    const single = parseOcspResponse(der).basic!.responses[0]!;
    const validity = s.config.ocsp.validitySeconds * 1000;
    expect(single.thisUpdate.getTime()).toBe(start - 123);
    expect(single.nextUpdate!.getTime()).toBe(start - 123 + validity);
    // max-age counts from the clock: nextUpdate − clock, floored (the system time would give
    // about two hours less).
    expect(r.headers.get('cache-control')).toBe(
      `max-age=${Math.floor((validity - 123) / 1000)}, public, no-transform, must-revalidate`,
    );
    const stored = await s.kyso.ctx.db.query<{ this_update: Date | string; refresh_after: Date | string }>(
      "SELECT this_update, refresh_after FROM ocsp_responses WHERE serial = $1 AND hash_alg = 'SHA-256'",
      [leaf.serialHex],
    );
    expect(new Date(stored.rows[0]!.this_update).getTime()).toBe(start - 123);
  });

  // The same response read by OpenSSL, not by kyso's own parser.
  it.skipIf(!hasOpenssl)('OpenSSL reads the clock’s times in the pre-produced response', async () => {
    const { der } = await get();
    const validity = s.config.ocsp.validitySeconds * 1000;
    const d = tmpDir('kyso-clock-ocsp-');
    fs.writeFileSync(path.join(d, 'resp.der'), der);
    fs.writeFileSync(path.join(d, 'issuer.pem'), pemEncode('CERTIFICATE', s.kyso.ca.defaultCa.cert.der));
    fs.writeFileSync(path.join(d, 'leaf.pem'), pemEncode('CERTIFICATE', leaf.der));
    const o = openssl([
      'ocsp',
      '-respin',
      path.join(d, 'resp.der'),
      '-resp_text',
      '-noverify',
      '-issuer',
      path.join(d, 'issuer.pem'),
      '-sha256',
      '-cert',
      path.join(d, 'leaf.pem'),
    ]);
    expect(o.status, o.stderr).toBe(0);
    const text = o.stdout;
    expect(text).toContain(`This Update: ${opensslTime(new Date(start - 123))}`);
    expect(text).toContain(`Produced At: ${opensslTime(new Date(start - 123))}`);
    expect(text).toContain(`Next Update: ${opensslTime(new Date(start - 123 + validity))}`);
  });

  it('the job re-produces what is due by the clock', async () => {
    await s.kyso.ca.ocspStore.refresh();
    // Nothing due at the clock's time.
    expect(await s.kyso.ca.ocspStore.refresh()).toBe(0);
    // Past refresh_after by the clock (half the validity, at most four days); real time has not moved.
    const validity = s.config.ocsp.validitySeconds * 1000;
    const later = start - 123 + Math.min(validity / 2, 4 * 86_400_000) + 1000;
    clock.at = later;
    expect(await s.kyso.ca.ocspStore.refresh()).toBeGreaterThan(0);
    s.kyso.ca.ocspStore.forget();
    const { der } = await get();
    expect(parseOcspResponse(der).basic!.responses[0]!.thisUpdate.getTime()).toBe(later);
  });
});
