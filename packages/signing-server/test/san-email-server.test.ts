/**
 * Certificates the server issues carry the subscriber's e-mail address as a subjectAltName
 * rfc822Name (RFC 5280 §4.1.2.6; issue 15), next to the subject E=. Checked with openssl x509 -text.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openssl, requireTool, tmpDir } from '../../pki-core/test/helpers/tools.js';
import { call, type Fetcher } from './helpers/client.js';
import { startTestServer, type TestServer } from './helpers/env.js';

const hasOpenssl = requireTool('openssl');

describe.skipIf(!hasOpenssl)('server issuance: e-mail in the SAN', () => {
  let s: TestServer;
  let f: Fetcher;
  beforeAll(async () => {
    s = await startTestServer('pglite');
    f = (p, init) => Promise.resolve(s.kyso.app.request(p, init));
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  for (const [kind, extra] of [
    ['citizen', { cccd: '079200001234' }],
    ['official', { cccd: '048190005678', title: 'Phó Giám đốc', organization: 'Sở TT&TT Đà Nẵng' }],
    ['organization', { organization: 'UBND thành phố Đà Nẵng' }],
  ] as const) {
    it(`${kind}: subject E= and SAN email:`, async () => {
      const email = `${kind}@danang.gov.vn`;
      const sub = await call(f, 'POST', '/admin/subscribers', {
        token: s.operatorKey,
        json: { kind, name: 'Trần Thị Bình', pin: '246810', email, ...extra },
      });
      expect(sub.status, JSON.stringify(sub.body)).toBe(201);
      const cred = await call(f, 'POST', '/admin/credentials', {
        token: s.operatorKey,
        json: {
          subscriberId: sub.body.id,
          key: { type: 'EC', curve: 'P-256' },
          ...(kind === 'organization' ? { profile: 'organization-signing' } : {}),
        },
      });
      expect(cred.status, JSON.stringify(cred.body)).toBe(201);
      const file = path.join(tmpDir(), 'c.pem');
      writeFileSync(file, cred.body.certificate as string);
      const text = openssl(['x509', '-in', file, '-noout', '-text'], { check: true }).stdout;
      expect(text).toMatch(new RegExp(`emailAddress\\s*=\\s*${email}`));
      expect(text).toMatch(new RegExp(`X509v3 Subject Alternative Name:\\s*\\n\\s*email:${email}\\s*\\n`));
    });
  }
});
