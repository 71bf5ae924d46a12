import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pkiCoreCommands } from '../src/cli/commands.js';
import { Certificate } from '../src/index.js';
import { openssl, requireTool, tmpDir } from './helpers/tools.js';
import { runCommands } from './helpers/cli.js';

const hasOpenssl = requireTool('openssl');

const kyso = (...argv: string[]) => runCommands(pkiCoreCommands, argv);

describe('kyso CLI', () => {
  let d: string;
  beforeAll(() => {
    d = tmpDir();
  });

  it('prints help and uses exit code 2 for usage errors', async () => {
    const help = await kyso('--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('cert issue');
    expect((await kyso('cert', 'issue')).code).toBe(2);
    expect((await kyso('nope')).code).toBe(2);
    expect((await kyso('cert', 'show', path.join(d, 'missing.pem'))).code).toBe(2);
    expect((await kyso('key', 'gen', '--type', 'rsa-1024', '--out', path.join(d, 'x.pem'))).code).toBe(2);
  });

  it('runs the CA workflow: ca init, key gen, csr create/show, cert issue/show, p12 export/import', async () => {
    const ca = path.join(d, 'ca');
    expect((await kyso('ca', 'init', '--dir', ca, '--name', 'Kyso CLI Test')).code).toBe(0);
    expect((await kyso('ca', 'init', '--dir', ca)).code).toBe(2); // refuses to overwrite
    const key = path.join(d, 'official.key.pem');
    expect(
      (await kyso('key', 'gen', '--type', 'ec-p256', '--out', key, '--pubout', path.join(d, 'pub.pem'))).code,
    ).toBe(0);
    const req = path.join(d, 'req.pem');
    const subject = 'UID=CCCD:001234567890,CN=Trần Thị Bình,T=Phó Chánh Văn phòng,O=Văn phòng UBND,C=VN';
    expect(
      (
        await kyso(
          'csr',
          'create',
          '--key',
          key,
          '--subject',
          subject,
          '--san',
          'email:binh@ubnd.gov.vn',
          '--out',
          req,
        )
      ).code,
    ).toBe(0);
    const show = await kyso('csr', 'show', req, '--json');
    expect(show.code).toBe(0);
    expect(JSON.parse(show.out)).toMatchObject({ proofOfPossession: true, title: ['Phó Chánh Văn phòng'] });
    const cert = path.join(d, 'official.pem');
    const issue = await kyso(
      'cert',
      'issue',
      '--profile',
      'person-signing',
      '--ca-cert',
      path.join(ca, 'issuing.pem'),
      '--ca-key',
      path.join(ca, 'issuing.key.pem'),
      '--csr',
      req,
      '--ocsp-url',
      'http://ocsp.kyso.test',
      '--crl-url',
      'http://ca.kyso.test/i.crl',
      '--policy',
      '1.3.6.1.4.1.99999.1.1=https://kyso.test/cps',
      '--out',
      cert,
    );
    expect(issue.code, issue.err).toBe(0);
    const c = Certificate.parse(readFileSync(cert));
    expect(c.subject.get('T')).toEqual(['Phó Chánh Văn phòng']);
    expect(c.subjectAltName).toEqual([{ type: 'email', value: 'binh@ubnd.gov.vn' }]);
    const text = await kyso('cert', 'show', cert);
    expect(text.out).toContain('Citizen ID (CCCD):        001234567890');
    expect(text.out).toContain('Title (T):                Phó Chánh Văn phòng');
    const json = JSON.parse((await kyso('cert', 'show', cert, '--json')).out);
    expect(json.vietnameseIdentifiers[0]).toMatchObject({ prefix: 'CCCD', value: '001234567890' });
    expect(json.keyUsage).toEqual(['digitalSignature', 'nonRepudiation']);

    const p12 = path.join(d, 'official.p12');
    const pw = path.join(d, 'pw.txt');
    writeFileSync(pw, 'correct horse\n');
    expect(
      (
        await kyso(
          'p12',
          'export',
          '--key',
          key,
          '--cert',
          cert,
          '--chain',
          path.join(ca, 'chain.pem'),
          '--out',
          p12,
          '--password-file',
          pw,
        )
      ).code,
    ).toBe(0);
    const imp = await kyso(
      'p12',
      'import',
      p12,
      '--password',
      'correct horse',
      '--json',
      '--key-out',
      path.join(d, 'k2.pem'),
    );
    expect(imp.code, imp.err).toBe(0);
    expect(JSON.parse(imp.out).certificates).toHaveLength(3);
    expect((await kyso('p12', 'import', p12, '--password', 'wrong')).code).toBe(1);

    if (!hasOpenssl) return;
    const v = openssl([
      'verify',
      '-CAfile',
      path.join(ca, 'root.pem'),
      '-untrusted',
      path.join(ca, 'issuing.pem'),
      cert,
    ]);
    expect(v.stdout).toContain(': OK');
    const info = openssl(['pkcs12', '-info', '-in', p12, '-passin', `file:${pw}`, '-nokeys']);
    expect(info.status, info.stderr).toBe(0);
    expect(info.stdout).toContain('BEGIN CERTIFICATE');
    const req2 = openssl(['req', '-in', req, '-verify', '-noout']);
    expect(req2.stdout + req2.stderr).toMatch(/verify OK/i);
  });

  it('the installed binary runs (npx kyso --help)', () => {
    const bin = path.resolve(__dirname, '../bin/kyso-pki.js');
    const dist = path.resolve(__dirname, '../dist/cli/main.js');
    expect(existsSync(dist), 'run `npm run build` (npm install does it) before the tests').toBe(true);
    const r = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('kyso');
  });
});
