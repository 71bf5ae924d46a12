/**
 * BoringSSL / Chromium verify_certificate_chain_unittest: 197 `.test` files. Each gives a chain
 * (target first, last certificate's trust), a time, a key purpose and the expected errors (none =
 * must verify). kyso's verdict (valid / invalid) is compared with the expectation; Chromium's error
 * texts are not compared. Trust mapping: TRUSTED_ANCHOR -> key-only anchor (RFC 5280 §6.1),
 * *_WITH_CONSTRAINTS / *_WITH_EXPIRATION -> the anchor certificate is enforced, TRUSTED_LEAF* ->
 * the target itself is the anchor, DISTRUSTED / UNSPECIFIED -> no anchor.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KysoError } from '../packages/pki-core/src/errors.js';
import {
  CertificatePool,
  type Purpose,
  TrustStore,
  buildAndValidatePath,
} from '../packages/pki-core/src/path/index.js';
import { Certificate } from '../packages/pki-core/src/x509/certificate.js';
import { loadExceptions, newTally, score, summary, vectorsDir } from './harness.js';

const dir = path.join(vectorsDir, 'boringssl-pki/verify_certificate_chain_unittest');
const exceptions = loadExceptions('boringssl-chain');

function findTests(d: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) out.push(...findTests(p));
    else if (e.name.endsWith('.test')) out.push(p);
  }
  return out.sort();
}

function parseTest(file: string): Record<string, string> {
  const text = fs.readFileSync(file, 'utf8');
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.startsWith('#') || !l.includes(':')) continue;
    const k = l.slice(0, l.indexOf(':'));
    const v = l.slice(l.indexOf(':') + 1).trim();
    if (k === 'expected_errors') {
      out[k] = [v, ...lines.slice(i + 1)].join('\n').trim();
      break;
    }
    out[k] = v;
  }
  return out;
}

function utc(s: string): Date {
  const v = s === 'DEFAULT' ? '211005120000Z' : s;
  const m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(v);
  if (!m) throw new Error(`bad utc_time ${s}`);
  const y = Number(m[1]) + (Number(m[1]) < 50 ? 2000 : 1900);
  return new Date(Date.UTC(y, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

const PURPOSE: Record<string, Purpose> = {
  ANY_EKU: 'any',
  SERVER_AUTH: 'serverAuth',
  SERVER_AUTH_STRICT: 'serverAuth',
  SERVER_AUTH_STRICT_LEAF: 'serverAuth',
  CLIENT_AUTH: 'clientAuth',
  CLIENT_AUTH_STRICT: 'clientAuth',
  CLIENT_AUTH_STRICT_LEAF: 'clientAuth',
  C2PA_MANIFEST: 'c2paManifest',
  C2PA_TIMESTAMPING: 'c2paTimestamping',
  MLS_CLIENT_AUTH: 'rcsMlsClient',
};

async function run(t: Record<string, string>, base: string): Promise<{ v: 'valid' | 'invalid'; d: string }> {
  let certs: Certificate[];
  try {
    certs = Certificate.parseAll(fs.readFileSync(path.join(base, t.chain!), 'utf8'));
  } catch (e) {
    if (e instanceof KysoError) return { v: 'invalid', d: `parse: ${e.code}` };
    throw e;
  }
  const trust = t.last_cert_trust!;
  const store = new TrustStore();
  const last = certs[certs.length - 1]!;
  // Chromium's CertificateTrust, modelled with kyso's trust-store and build options.
  let trustedLeaf: 'allow' | 'deny' | 'require-self-signed' = 'deny';
  if (trust === 'TRUSTED_ANCHOR') store.add(last, { enforce: 'key' });
  else if (trust === 'TRUSTED_ANCHOR_OR_LEAF') {
    store.add(last, { enforce: 'key' });
    trustedLeaf = 'allow';
  } else if (trust === 'TRUSTED_LEAF' || trust === 'TRUSTED_LEAF_REQUIRE_SELF_SIGNED') {
    // Trusted for use as a leaf only: it can never anchor a longer chain.
    if (certs.length === 1) store.add(last, { enforce: 'key' });
    trustedLeaf = trust === 'TRUSTED_LEAF' ? 'allow' : 'require-self-signed';
  } else if (trust.startsWith('TRUSTED_ANCHOR_WITH')) {
    // *_CONSTRAINTS: the anchor certificate's constraints apply (basicConstraints only if present,
    // unless *_REQUIRE_BASIC_CONSTRAINTS); *_EXPIRATION: its validity period.
    const constraints =
      trust.includes('_CONSTRAINTS') && trust !== 'TRUSTED_ANCHOR_WITH_REQUIRE_BASIC_CONSTRAINTS';
    store.add(last, {
      enforce: constraints ? 'certificate' : 'key',
      checkValidity: trust.includes('EXPIRATION'),
      requireBasicConstraints: trust.endsWith('REQUIRE_BASIC_CONSTRAINTS'),
    });
  }
  const purpose = PURPOSE[t.key_purpose!];
  if (!purpose) throw new Error(`unmapped key_purpose ${t.key_purpose}`);
  const kp = t.key_purpose!;
  const r = await buildAndValidatePath({
    leaf: certs[0]!,
    intermediates: new CertificatePool(certs.slice(1, -1), { skipMalformed: true }),
    trustStore: store,
    time: utc(t.utc_time!),
    purpose,
    trustedLeaf,
    ekuStrictness: kp.endsWith('_STRICT')
      ? 'strict'
      : kp.endsWith('_STRICT_LEAF')
        ? 'strict-leaf'
        : 'default',
    // SimplePathBuilderDelegate in Chromium's test: RSA >= 1024 bits, SHA-1 unless digest_policy STRONG.
    minRsaModulusBits: 1024,
    allowSha1Signatures: t.digest_policy !== 'STRONG',
  });
  return r.valid ? { v: 'valid', d: 'valid' } : { v: 'invalid', d: `${r.reason}: ${r.detail}` };
}

describe('BoringSSL verify_certificate_chain cases', () => {
  it('agrees on every case except the listed exceptions', async () => {
    const tally = newTally('BoringSSL chain');
    // KYSO_CASES=substring runs only matching ids (development); the full run is the default.
    const only = process.env.KYSO_CASES;
    for (const file of findTests(dir)) {
      const id = path.relative(dir, file);
      if (only && !id.includes(only)) continue;
      const t = parseTest(file);
      // Chromium's verdict: invalid iff an ERROR is reported (WARNING lines do not fail the chain).
      const expected = /^ERROR:/m.test(t.expected_errors ?? '') ? 'invalid' : 'valid';
      const r = await run(t, path.dirname(file));
      score(tally, exceptions, id, expected, r.v, r.d);
      if (only) console.log(`${id}: expected ${expected}, kyso ${r.v} (${r.d})`);
    }
    console.log(summary(tally));
    expect(tally.unexpected).toEqual([]);
    if (!only) expect(tally.stale).toEqual([]);
  });
});
