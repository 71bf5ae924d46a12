/**
 * NIST PKITS 1.0.1: every test (and policy subpart) with its RFC 5280 §6.1.1 inputs (initial
 * policy set, explicit policy, mapping inhibit, anyPolicy inhibit) at 2011-04-15. A valid result
 * must also give the expected user-constrained policy set. The trust anchor is used as RFC 5280
 * describes it (name and key). Revocation is mandatory for every certificate (PKITS 4.4.1), through
 * the revocation checker from src/revocation (policy 'require', the test's CRLs and non-anchor
 * certificates as the only sources).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KysoError } from '../packages/pki-core/src/errors.js';
import { CertificatePool, TrustStore, buildAndValidatePath } from '../packages/pki-core/src/path/index.js';
import { Certificate } from '../packages/pki-core/src/x509/certificate.js';
import { loadExceptions, newTally, score, summary, vectorsDir } from './harness.js';
import { crlChecker } from './revocation-adapter.js';

interface PkitsCase {
  id: string;
  section: string;
  name: string;
  certs: string[];
  crls: string[];
  should_validate: boolean;
  initial_policy_set: string[];
  initial_explicit_policy: boolean;
  initial_policy_mapping_inhibit: boolean;
  initial_inhibit_any_policy: boolean;
  expected_user_constrained_policy_set: string[];
}

const dir = path.join(vectorsDir, 'pkits');
const table = JSON.parse(fs.readFileSync(path.join(dir, 'pkits-testcases.json'), 'utf8')) as {
  validation_time: string;
  policy_oids: Record<string, string>;
  testcases: PkitsCase[];
};
const exceptions = loadExceptions('pkits');
const read = (sub: string, f: string) => new Uint8Array(fs.readFileSync(path.join(dir, sub, f)));
const oidOf = (name: string) => {
  const o = table.policy_oids[name];
  if (!o) throw new Error(`unknown policy name ${name}`);
  return o;
};

async function run(tc: PkitsCase): Promise<{ actual: string; detail: string }> {
  const [anchorFile, ...rest] = tc.certs;
  let leaf: Certificate;
  try {
    leaf = Certificate.fromDer(read('certs', rest[rest.length - 1]!));
  } catch (e) {
    if (e instanceof KysoError) return { actual: 'invalid', detail: `leaf: ${e.code}` };
    throw e;
  }
  const store = new TrustStore();
  store.add(read('certs', anchorFile!), { enforce: 'key' });
  const intermediates = rest.slice(0, -1).map((f) => read('certs', f));
  const pool = new CertificatePool(intermediates, { skipMalformed: true });
  const revocation = crlChecker(
    tc.crls.map((f) => read('crls', f)),
    rest.map((f) => read('certs', f)),
  );
  const report = await buildAndValidatePath({
    leaf,
    intermediates: pool,
    trustStore: store,
    time: new Date(table.validation_time),
    initialPolicies: tc.initial_policy_set.map(oidOf),
    requireExplicitPolicy: tc.initial_explicit_policy,
    inhibitPolicyMapping: tc.initial_policy_mapping_inhibit,
    inhibitAnyPolicy: tc.initial_inhibit_any_policy,
    revocation,
  });
  if (!report.valid) return { actual: 'invalid', detail: `${report.reason}: ${report.detail}` };
  return { actual: `valid ${(report.policy?.userConstrainedPolicies ?? []).join(',')}`, detail: 'valid' };
}

describe('NIST PKITS', () => {
  it(`agrees on all ${table.testcases.length} entries except the reviewed exceptions`, async () => {
    const tally = newTally('PKITS');
    for (const tc of table.testcases) {
      const expected = tc.should_validate
        ? `valid ${tc.expected_user_constrained_policy_set.map(oidOf).sort().join(',')}`
        : 'invalid';
      const r = await run(tc);
      score(tally, exceptions, tc.id, expected, r.actual, r.detail);
    }
    console.log(summary(tally));
    expect(tally.unexpected).toEqual([]);
    expect(tally.cases).toBe(table.testcases.length);
  });
});
