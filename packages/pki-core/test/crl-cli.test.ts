import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { crlCommands } from '../src/cli/crl.js';
import { Crl } from '../src/crl.js';
import { openssl, requireTool, tmpDir } from './helpers/tools.js';
import { runCommands } from './helpers/cli.js';

const kyso = (argv: string[]) => runCommands(crlCommands, argv);

describe.skipIf(!requireTool('openssl'))('kyso crl issue|show', () => {
  it('issues a CRL OpenSSL verifies, and shows it as text and JSON', async () => {
    const dir = tmpDir();
    const key = path.join(dir, 'ca.key');
    const ca = path.join(dir, 'ca.pem');
    openssl(
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        key,
        '-out',
        ca,
        '-days',
        '30',
        '-subj',
        '/CN=CLI CRL CA',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      { check: true },
    );
    const leaf = path.join(dir, 'leaf.pem');
    openssl(
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        path.join(dir, 'l.key'),
        '-out',
        leaf,
        '-days',
        '5',
        '-subj',
        '/CN=leaf',
        '-set_serial',
        '0x4242',
      ],
      { check: true },
    );
    const out = path.join(dir, 'ca.crl');
    const r = await kyso([
      'crl',
      'issue',
      '--ca-cert',
      ca,
      '--ca-key',
      key,
      '--number',
      '5',
      '--this-update',
      '2026-02-01T00:00:00Z',
      '--days',
      '3',
      '--revoke',
      '0a0b:keyCompromise:20260115T000000Z:20260110T000000Z',
      '--revoke-cert',
      `${leaf}:superseded`,
      '--out',
      out,
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const v = openssl(['crl', '-verify', '-CAfile', ca, '-in', out, '-noout']);
    expect(v.stderr + v.stdout).toMatch(/verify OK/);
    const crl = Crl.parse(fs.readFileSync(out, 'utf8'));
    expect(crl.crlNumber).toBe(5n);
    expect(crl.nextUpdate?.toISOString()).toBe('2026-02-04T00:00:00.000Z');
    expect(crl.isRevoked(0x0a0bn)?.invalidityDate?.toISOString()).toBe('2026-01-10T00:00:00.000Z');
    expect(crl.isRevoked(0x4242n)?.reason).toBe('superseded');

    const text = await kyso(['crl', 'show', out]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/CRL number:\s+5/);
    expect(text.out).toMatch(
      /0a0b\s+2026-01-15T00:00:00.000Z\s+reason keyCompromise; invalid since 2026-01-10/,
    );
    const json = await kyso(['crl', 'show', '--json', out]);
    const j = JSON.parse(json.out) as {
      crlNumber: string;
      revoked: { serialNumber: string; reason: string }[];
    };
    expect(j.crlNumber).toBe('5');
    expect(j.revoked.map((e) => `${e.serialNumber}:${e.reason}`).sort()).toEqual([
      '0a0b:keyCompromise',
      '4242:superseded',
    ]);
  });

  it('usage errors exit 2, refused issuance exits 1', async () => {
    expect((await kyso(['crl', 'show'])).code).toBe(2);
    expect((await kyso(['crl', 'issue', '--ca-cert', 'x'])).code).toBe(2);
    const dir = tmpDir();
    const key = path.join(dir, 'ca.key');
    const ca = path.join(dir, 'ca.pem');
    openssl(
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        key,
        '-out',
        ca,
        '-days',
        '30',
        '-subj',
        '/CN=No CRL Sign',
        '-addext',
        'keyUsage=critical,keyCertSign',
      ],
      { check: true },
    );
    const r = await kyso(['crl', 'issue', '--ca-cert', ca, '--ca-key', key, '--number', '1']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/ISSUANCE_REFUSED/);
    const bad = path.join(dir, 'bad.crl');
    fs.writeFileSync(bad, new Uint8Array([0x30, 0x01, 0x00]));
    expect((await kyso(['crl', 'show', bad])).code).toBe(2);
  });
});
