/**
 * CLI manners (issue 15): files are not overwritten without --force, `ca init` takes --cn,
 * --issuing-cn, --validity and a password for its keys, and the messages say what to do.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pkiCoreCommands } from '../src/cli/commands.js';
import { Certificate } from '../src/index.js';
import { runCommands } from './helpers/cli.js';
import { openssl, requireTool, tmpDir } from './helpers/tools.js';

const kyso = (...argv: string[]) => runCommands(pkiCoreCommands, argv);
const hasOpenssl = requireTool('openssl');

describe('kyso CLI manners', () => {
  const d = tmpDir();
  const ca = path.join(d, 'ca');
  const pw = path.join(d, 'pw.txt');
  beforeAll(async () => {
    writeFileSync(pw, 'mật khẩu CA\n');
    const r = await kyso(
      'ca',
      'init',
      '--dir',
      ca,
      '--name',
      'Sở TT&TT Đà Nẵng',
      '--cn',
      'Đà Nẵng Root CA 2026',
      '--issuing-cn',
      'Đà Nẵng Issuing CA 2026',
      '--validity',
      '400',
      '--password-file',
      pw,
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  }, 60_000);

  it('key gen refuses to overwrite a key unless --force (and writes nothing then)', async () => {
    const key = path.join(d, 'k.pem');
    const pub = path.join(d, 'pub.pem');
    expect((await kyso('key', 'gen', '--out', key)).code).toBe(0);
    const before = readFileSync(key, 'utf8');
    const again = await kyso('key', 'gen', '--out', key, '--pubout', pub);
    expect(again.code).toBe(2);
    expect(again.err).toContain(
      `${key} already exists: pass --force to overwrite it, or choose another output file`,
    );
    expect(readFileSync(key, 'utf8')).toBe(before);
    expect(existsSync(pub)).toBe(false);
    expect((await kyso('key', 'gen', '--out', key, '--force')).code).toBe(0);
    expect(readFileSync(key, 'utf8')).not.toBe(before);
    expect((await kyso('key', 'gen', '--help')).out).toContain('--force');
  });

  it('ca init: --cn, --issuing-cn, --validity, encrypted keys; a second init says how to replace it', async () => {
    const root = Certificate.parse(readFileSync(path.join(ca, 'root.pem')));
    const issuing = Certificate.parse(readFileSync(path.join(ca, 'issuing.pem')));
    expect(root.subject.commonName).toBe('Đà Nẵng Root CA 2026');
    expect(issuing.subject.commonName).toBe('Đà Nẵng Issuing CA 2026');
    const days = (root.notAfter.getTime() - root.notBefore.getTime()) / 86_400_000;
    expect(Math.round(days)).toBe(400);
    expect(issuing.notAfter < root.notAfter).toBe(true);
    for (const k of ['root.key.pem', 'issuing.key.pem'])
      expect(readFileSync(path.join(ca, k), 'utf8')).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    const again = await kyso('ca', 'init', '--dir', ca);
    expect(again.code).toBe(2);
    expect(again.err).toContain('already holds a CA: pass --force to replace it, or choose another --dir');
  });

  it.skipIf(!hasOpenssl)(
    'the encrypted CA key opens with OpenSSL and issues with --password-file',
    async () => {
      const r = openssl(['pkey', '-in', path.join(ca, 'issuing.key.pem'), '-passin', `file:${pw}`, '-noout']);
      expect(r.status).toBe(0);
      const key = path.join(d, 'leaf.key.pem');
      const pubout = path.join(d, 'leaf.pub.pem');
      expect((await kyso('key', 'gen', '--out', key, '--pubout', pubout)).code).toBe(0);
      const out = path.join(d, 'leaf.pem');
      const issued = await kyso(
        'cert',
        'issue',
        '--profile',
        'person-signing',
        '--ca-cert',
        path.join(ca, 'issuing.pem'),
        '--ca-key',
        path.join(ca, 'issuing.key.pem'),
        '--password-file',
        pw,
        '--pubkey',
        pubout,
        '--subject',
        'UID=CCCD:048190005679,CN=Nguyễn Văn An,E=an@danang.gov.vn,C=VN',
        '--out',
        out,
        '--days',
        '100',
      );
      expect(issued.err).toBe('');
      expect(issued.code).toBe(0);
    },
  );

  it('cert issue --profile person lists the profiles', async () => {
    const r = await kyso(
      'cert',
      'issue',
      '--profile',
      'person',
      '--ca-key',
      path.join(ca, 'issuing.key.pem'),
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      'unknown profile "person": choose one of root-ca, sub-ca, person-signing, organization-signing',
    );
  });

  it('cert show takes several files; wrong argument counts say what was given', async () => {
    const files = ['root.pem', 'issuing.pem', 'chain.pem'].map((f) => path.join(ca, f));
    const r = await kyso('cert', 'show', ...files);
    expect(r.code).toBe(0);
    expect(r.out.match(/Đà Nẵng Root CA 2026/g)?.length).toBeGreaterThanOrEqual(2);
    const none = await kyso('cert', 'show');
    expect(none.code).toBe(2);
    expect(none.err).toContain('missing CERT...: give it after `kyso cert show`');
    const many = await kyso('csr', 'show', 'a', 'b', 'c');
    expect(many.code).toBe(2);
    expect(many.err).toContain('expected REQ, got 3 arguments (a b c); quote a path that contains spaces');
  });

  it('a CSR, a key or a CRL given to cert show: says what the file is and which command reads it', async () => {
    const key = path.join(d, 'csr.key.pem');
    await kyso('key', 'gen', '--out', key);
    const req = path.join(d, 'req.pem');
    expect((await kyso('csr', 'create', '--key', key, '--subject', 'CN=An,C=VN', '--out', req)).code).toBe(0);
    const r = await kyso('cert', 'show', req);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${req} is a certificate request (CSR): show it with \`kyso csr show FILE\``);
    const k = await kyso('cert', 'show', key);
    expect(k.err).toContain('is a private key: it holds no certificate');
  });
});
