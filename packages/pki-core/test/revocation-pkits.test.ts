/**
 * The revocation checker serving NIST PKITS (sections 4.4 revocation, 4.5 self-issued / key
 * rollover, 4.14 distribution points and indirect CRLs, 4.15 delta CRLs) through the path
 * validator, the way test-vectors/pkits.test.ts should wire it: the test's CRLs as `crls` and its
 * certificates as `certificates` (separate CRL signers, indirect CRL issuers), policy 'require'.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CertificatePool, TrustStore, buildAndValidatePath } from '../src/path/index.js';
import { newRevocationChecker } from '../src/revocation/index.js';
import { Certificate } from '../src/x509/certificate.js';
import { vectorsDir } from '../../../test-vectors/location.js';

const DIR = path.join(vectorsDir, 'pkits');
const present = fs.existsSync(path.join(DIR, 'pkits-testcases.json'));

interface Case {
  id: string;
  section: string;
  certs: string[];
  crls: string[];
  should_validate: boolean;
  initial_policy_set: string[];
  initial_explicit_policy: boolean;
  initial_policy_mapping_inhibit: boolean;
  initial_inhibit_any_policy: boolean;
}

const read = (sub: string, f: string) => new Uint8Array(fs.readFileSync(path.join(DIR, sub, f)));

describe.skipIf(!present)('PKITS revocation sections through the checker', () => {
  const table = present
    ? (JSON.parse(fs.readFileSync(path.join(DIR, 'pkits-testcases.json'), 'utf8')) as {
        validation_time: string;
        policy_oids: Record<string, string>;
        testcases: Case[];
      })
    : { validation_time: '', policy_oids: {}, testcases: [] };
  const cases = table.testcases.filter((t) => /^4\.(4|5|14|15)\./.test(t.id));

  it(`all ${cases.length} cases of 4.4, 4.5, 4.14, 4.15 agree`, async () => {
    const disagree: string[] = [];
    for (const tc of cases) {
      const [anchor, ...rest] = tc.certs;
      const leaf = Certificate.fromDer(read('certs', rest[rest.length - 1]!));
      const store = new TrustStore();
      store.add(read('certs', anchor!), { enforce: 'key' });
      const others = rest.slice(0, -1).map((f) => read('certs', f));
      const revocation = newRevocationChecker({
        crls: tc.crls.map((f) => read('crls', f)),
        certificates: others,
        policy: 'require',
      });
      const report = await buildAndValidatePath({
        leaf,
        intermediates: new CertificatePool(others, { skipMalformed: true }),
        trustStore: store,
        time: new Date(table.validation_time),
        initialPolicies: tc.initial_policy_set.map((n) => table.policy_oids[n]!),
        requireExplicitPolicy: tc.initial_explicit_policy,
        inhibitPolicyMapping: tc.initial_policy_mapping_inhibit,
        inhibitAnyPolicy: tc.initial_inhibit_any_policy,
        revocation,
      });
      if (report.valid !== tc.should_validate) {
        disagree.push(
          `${tc.id}: expected ${tc.should_validate ? 'valid' : 'invalid'}, got ${report.reason}: ${report.detail}`,
        );
      }
    }
    expect(disagree).toEqual([]);
    expect(cases.length).toBe(21 + 8 + 35 + 10);
  });
});
