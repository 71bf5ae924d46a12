/**
 * Path building and validation on chains made with the openssl CLI, the revocation hook, the
 * budget, the CLI command and the shipped Vietnamese roots.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyChainCommand } from '../src/cli/verify-chain.js';
import { runCli } from '../src/cli/framework.js';
import {
  CertificatePool,
  type RevocationChecker,
  TrustStore,
  buildAndValidatePath,
} from '../src/path/index.js';
import { loadVietnamRoots } from '../src/path/trust-store.node.js';
import { pathVerdict } from '../src/verdict/verdict.js';
import { Certificate } from '../src/x509/certificate.js';
import { openssl, requireTool, tmpDir } from './helpers/tools.js';
import { vectorsDir } from '../../../test-vectors/location.js';

const hasOpenssl = requireTool('openssl');

interface Chain {
  dir: string;
  root: Certificate;
  ica: Certificate;
  leaf: Certificate;
  otherRoot: Certificate;
}

function makeChain(keyAlg: string[], leafExt: string): Chain {
  const dir = tmpDir();
  const f = (n: string) => path.join(dir, n);
  const ext = (name: string, body: string) => {
    fs.writeFileSync(f(`${name}.ext`), body);
    return f(`${name}.ext`);
  };
  const key = (n: string) => openssl(['genpkey', ...keyAlg, '-out', f(`${n}.key`)]);
  for (const n of ['root', 'ica', 'leaf', 'other']) key(n);
  const caExt =
    'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n';
  for (const r of ['root', 'other']) {
    openssl([
      'req',
      '-new',
      '-x509',
      '-key',
      f(`${r}.key`),
      '-subj',
      `/C=VN/O=Kyso Test/CN=${r} CA`,
      '-days',
      '3650',
      '-out',
      f(`${r}.pem`),
      '-extensions',
      'v3',
      '-config',
      ext(
        `${r}cfg`,
        `[req]\ndistinguished_name=dn\n[dn]\n[v3]\n${caExt.replace('authorityKeyIdentifier=keyid', 'authorityKeyIdentifier=keyid:always')}`,
      ),
    ]);
  }
  const issue = (n: string, subj: string, issuer: string, e: string) => {
    openssl(['req', '-new', '-key', f(`${n}.key`), '-subj', subj, '-out', f(`${n}.csr`)]);
    openssl([
      'x509',
      '-req',
      '-in',
      f(`${n}.csr`),
      '-CA',
      f(`${issuer}.pem`),
      '-CAkey',
      f(`${issuer}.key`),
      '-set_serial',
      String((Date.now() % 100000) + n.length),
      '-days',
      '1000',
      '-extfile',
      ext(n, e),
      '-out',
      f(`${n}.pem`),
    ]);
  };
  issue(
    'ica',
    '/C=VN/O=Kyso Test/CN=Issuing CA',
    'root',
    `${caExt.replace('CA:TRUE', 'CA:TRUE,pathlen:0')}nameConstraints=critical,permitted;DNS:example.vn,permitted;email:.example.vn,permitted;dirName:dn_sect\n[dn_sect]\nC=VN\n`,
  );
  issue('leaf', '/C=VN/CN=www.example.vn', 'ica', leafExt);
  const read = (n: string) => Certificate.parse(fs.readFileSync(f(`${n}.pem`), 'utf8'));
  return { dir, root: read('root'), ica: read('ica'), leaf: read('leaf'), otherRoot: read('other') };
}

const LEAF_EXT =
  'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:www.example.vn\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n';

describe.skipIf(!hasOpenssl)('buildAndValidatePath on openssl-made chains', () => {
  let ec: Chain;
  let bad: Chain;
  beforeAll(() => {
    ec = makeChain(['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], LEAF_EXT);
    bad = makeChain(
      ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
      LEAF_EXT.replace('DNS:www.example.vn', 'DNS:www.example.com'),
    );
  }, 60_000);

  // openssl sets notBefore to the generation instant; validate a minute later.
  const later = () => new Date(Date.now() + 60_000);
  const validate = (c: Chain, extra: Partial<Parameters<typeof buildAndValidatePath>[0]> = {}) =>
    buildAndValidatePath({
      leaf: c.leaf,
      intermediates: [c.ica],
      trustStore: new TrustStore([c.root]),
      time: later(),
      ...extra,
    });

  it('validates a 3-certificate chain and reports every check', async () => {
    const r = await validate(ec, { purpose: 'serverAuth' });
    expect(r.valid).toBe(true);
    expect(r.reason).toBeNull();
    expect(r.chain.map((c) => c.subject.commonName)).toEqual(['www.example.vn', 'Issuing CA', 'root CA']);
    expect(r.checks.filter((c) => c.check === 'signature' && c.status === 'passed')).toHaveLength(2);
    expect(r.revocation.map((x) => x.status)).toEqual(['not-checked', 'not-checked']);
    expect(r.work.signatures).toBe(2);
  });

  it('refuses a missing or invalid validation time with KysoError INVALID_ARGUMENT (plain-JS callers)', async () => {
    for (const time of [undefined, new Date(Number.NaN), '2026-01-01']) {
      await expect(validate(ec, { time: time as unknown as Date })).rejects.toMatchObject({
        name: 'KysoError',
        code: 'INVALID_ARGUMENT',
      });
    }
  });

  it('reports UNKNOWN_ISSUER without the right anchor, and with the intermediate missing', async () => {
    const r1 = await validate(ec, { trustStore: new TrustStore([ec.otherRoot]) });
    expect(r1).toMatchObject({ valid: false, reason: 'UNKNOWN_ISSUER' });
    const r2 = await validate(ec, { intermediates: [] });
    expect(r2).toMatchObject({ valid: false, reason: 'UNKNOWN_ISSUER' });
  });

  it('reports CERT_EXPIRED / CERT_NOT_YET_VALID at other times', async () => {
    expect((await validate(ec, { time: new Date(Date.now() + 2000 * 86400_000) })).reason).toBe(
      'CERT_EXPIRED',
    );
    expect((await validate(ec, { time: new Date('2001-01-01') })).reason).toBe('CERT_NOT_YET_VALID');
  });

  it('enforces EKU by purpose and requires none without a purpose', async () => {
    expect((await validate(ec, { purpose: 'timeStamping' })).reason).toBe('EKU_MISMATCH');
    expect((await validate(ec, { purpose: 'any' })).valid).toBe(true);
    expect((await validate(ec)).valid).toBe(true);
  });

  it('enforces the intermediate name constraints', async () => {
    const r = await validate(bad);
    expect(r.valid).toBe(false);
    expect(r.reason).toBe('NAME_CONSTRAINTS_VIOLATED');
    expect(r.checks.find((c) => c.reason === 'NAME_CONSTRAINTS_VIOLATED')?.certIndex).toBe(0);
  });

  it('detects a wrong signature (leaf re-signed by another key)', async () => {
    const r = await buildAndValidatePath({
      leaf: bad.leaf,
      intermediates: [ec.ica],
      trustStore: new TrustStore([ec.root]),
      time: later(),
    });
    // bad.leaf names "Issuing CA" as issuer, so ec.ica is a candidate; its key did not sign it.
    expect(r).toMatchObject({ valid: false, reason: 'SIGNATURE_INVALID' });
  });

  it('calls the revocation hook per certificate and fails on revoked / fatal unknown', async () => {
    const calls: number[] = [];
    const checker = (status: 'good' | 'revoked' | 'unknown', fatal = false): RevocationChecker => ({
      async check(_cert, issuer, ctx) {
        calls.push(ctx.index);
        expect(ctx.path[ctx.index + 1]).toBe(issuer);
        return { status, source: 'crl', fatal, detail: 'test' };
      },
    });
    const good = await validate(ec, { revocation: checker('good') });
    expect(good.valid).toBe(true);
    expect(good.revocation.map((r) => r.status)).toEqual(['good', 'good']);
    expect(calls).toEqual([0, 1]);
    expect((await validate(ec, { revocation: checker('revoked') })).reason).toBe('REVOKED');
    const soft = await validate(ec, { revocation: checker('unknown') });
    expect(soft.valid).toBe(true);
    expect(
      soft.checks.filter((c) => c.check === 'revocation').every((c) => c.status === 'indeterminate'),
    ).toBe(true);
    expect((await validate(ec, { revocation: checker('unknown', true) })).reason).toBe('REVOCATION_UNKNOWN');
  });

  it('stops with BUDGET_EXCEEDED when the signature budget runs out', async () => {
    const r = await validate(ec, { budget: { signatures: 1 } });
    expect(r).toMatchObject({ valid: false, reason: 'BUDGET_EXCEEDED' });
  });

  it('picks the valid path among decoys deterministically', async () => {
    const pool = new CertificatePool([bad.ica, ec.ica]);
    const r = await buildAndValidatePath({
      leaf: ec.leaf,
      intermediates: pool,
      trustStore: new TrustStore([bad.root, ec.root]),
      time: later(),
    });
    expect(r.valid).toBe(true);
    expect(r.chain[2]!.der).toEqual(ec.root.der);
  });

  it('kyso verify chain: exit codes and --json', async () => {
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(t) };
    const f = (n: string) => path.join(ec.dir, `${n}.pem`);
    expect(
      await runCli(
        [verifyChainCommand],
        [
          'verify',
          'chain',
          f('leaf'),
          '--trust',
          f('root'),
          '--untrusted',
          f('ica'),
          '--json',
          '--purpose',
          'tls-server',
        ],
        io,
      ),
    ).toBe(0);
    const j = JSON.parse(out.join(''));
    expect(j).toMatchObject({ valid: true, reason: null });
    expect(j.chain).toHaveLength(3);
    out.length = 0;
    expect(
      await runCli([verifyChainCommand], ['verify', 'chain', f('leaf'), '--trust', f('other'), '--json'], io),
    ).toBe(1);
    expect(JSON.parse(out.join('')).reason).toBe('UNKNOWN_ISSUER');
    expect(await runCli([verifyChainCommand], ['verify', 'chain', f('leaf')], io)).toBe(2);
    expect(await runCli([verifyChainCommand], ['verify', 'chain', f('nope'), '--trust', f('root')], io)).toBe(
      2,
    );
    // An unreadable --trust is a usage error too (the shared certificatesFrom), naming the file.
    const errs: string[] = [];
    expect(
      await runCli([verifyChainCommand], ['verify', 'chain', f('leaf'), '--trust', f('nope')], {
        out: () => {},
        err: (t) => errs.push(t),
      }),
    ).toBe(2);
    expect(errs.join('')).toContain(f('nope'));
    expect(
      await runCli(
        [verifyChainCommand],
        ['verify', 'chain', f('leaf'), '--trust', f('root'), '--purpose', 'bogus'],
        io,
      ),
    ).toBe(2);
  });
});

describe.skipIf(!hasOpenssl)('kyso verify chain with revocation (OpenSSL-made CRLs)', () => {
  let c: Chain;
  beforeAll(() => {
    c = makeChain(['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], LEAF_EXT);
  });

  /** `openssl ca -gencrl` for issuer `ca` (root or ica), optionally revoking `revoke` first. */
  function crl(ca: 'root' | 'ica', name: string, revoke?: string): string {
    const d = path.join(c.dir, `ca-${ca}`);
    fs.mkdirSync(d, { recursive: true });
    if (!fs.existsSync(path.join(d, 'index.txt'))) {
      fs.writeFileSync(path.join(d, 'index.txt'), '');
      fs.writeFileSync(path.join(d, 'crlnumber'), '01\n');
    }
    const cfg = path.join(d, 'ca.cnf');
    fs.writeFileSync(
      cfg,
      `[ca]\ndefault_ca=CA\n[CA]\ndatabase=${d}/index.txt\ncrlnumber=${d}/crlnumber\ndefault_md=sha256\ndefault_crl_days=30\ncrl_extensions=crlext\n[crlext]\nauthorityKeyIdentifier=keyid\n`,
    );
    const keyArgs = [
      '-config',
      cfg,
      '-keyfile',
      path.join(c.dir, `${ca}.key`),
      '-cert',
      path.join(c.dir, `${ca}.pem`),
    ];
    if (revoke)
      openssl(['ca', ...keyArgs, '-revoke', revoke, '-crl_reason', 'keyCompromise'], { check: true });
    const out = path.join(c.dir, `${name}.crl`);
    openssl(['ca', ...keyArgs, '-gencrl', '-out', out], { check: true });
    return out;
  }

  async function verify(extra: string[]): Promise<{ code: number; json: Record<string, unknown> | null }> {
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(t) };
    const f = (n: string) => path.join(c.dir, `${n}.pem`);
    const code = await runCli(
      [verifyChainCommand],
      ['verify', 'chain', f('leaf'), '--trust', f('root'), '--untrusted', f('ica'), '--json', ...extra],
      io,
    );
    let json: Record<string, unknown> | null = null;
    try {
      json = JSON.parse(out.join(''));
    } catch {
      json = null;
    }
    return { code, json };
  }

  it('--crl for every certificate: valid, each status from a CRL', async () => {
    const rootCrl = crl('root', 'root-empty');
    const icaCrl = crl('ica', 'ica-empty');
    const r = await verify(['--crl', icaCrl, '--crl', rootCrl]);
    expect(r.code).toBe(0);
    const rev = r.json!.revocation as { status: string; source: string }[];
    expect(rev.map((x) => `${x.status}/${x.source}`)).toEqual(['good/crl', 'good/crl']);
  });

  it('require (default) fails without a CRL for the intermediate; soft-fail and off do not', async () => {
    const icaCrl = path.join(c.dir, 'ica-empty.crl');
    expect((await verify(['--crl', icaCrl])).json).toMatchObject({
      valid: false,
      reason: 'REVOCATION_UNKNOWN',
    });
    expect((await verify(['--crl', icaCrl, '--revocation', 'soft-fail'])).code).toBe(0);
    const off = await verify(['--crl', icaCrl, '--revocation', 'off']);
    expect(off.code).toBe(0);
    expect((off.json!.revocation as { status: string }[]).every((x) => x.status === 'not-checked')).toBe(
      true,
    );
    expect((await verify(['--revocation', 'bogus'])).code).toBe(2);
  });

  it('a leaf revoked by an OpenSSL CRL is REVOKED (exit 1)', async () => {
    const rootCrl = path.join(c.dir, 'root-empty.crl');
    const icaCrl = crl('ica', 'ica-revoked', path.join(c.dir, 'leaf.pem'));
    const r = await verify(['--crl', icaCrl, '--crl', rootCrl]);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ valid: false, reason: 'REVOKED' });
    expect((r.json!.revocation as { revocationReason?: string }[])[0]!.revocationReason).toBe(
      'keyCompromise',
    );
  });
});

describe('Vietnamese roots', () => {
  it('loads the shipped roots and validates VNPT-CA under Vietnam National Root CA', async () => {
    const store = loadVietnamRoots();
    expect(store.size).toBe(9);
    const vectors = path.join(vectorsDir, 'vn-roots/intermediates');
    const ica = Certificate.parse(fs.readFileSync(path.join(vectors, 'vnpt-ca-sha2.pem'), 'utf8'));
    const r = await buildAndValidatePath({ leaf: ica, trustStore: store, time: new Date('2025-01-01') });
    expect(r.valid, `${r.reason}: ${r.detail}`).toBe(true);
    expect(r.chain[1]!.subject.commonName).toBe('Vietnam National Root CA');
    // The report carries the verdict `kyso verify chain --json` prints (the one mapping).
    expect(r.verdict).toEqual({ indication: 'TOTAL-PASSED', reasons: [] });
    const old = await buildAndValidatePath({ leaf: ica, trustStore: store, time: new Date('2030-01-01') });
    expect(old.reason).toBe('CERT_EXPIRED');
    expect(old.verdict.indication).toBe('INDETERMINATE');
    expect(old.verdict.subIndication).toBe('OUT_OF_BOUNDS_NO_POE');
    expect(old.verdict.reasons[0]).toBe('CERT_EXPIRED');
    expect(old.verdict).toEqual(pathVerdict(old));
  });
});
