import { describe, expect, it } from 'vitest';
import { toBase64, utf8Encode } from '../src/bytes.js';
import { integer, seq } from '../src/der.js';
import { KysoError } from '../src/errors.js';
import { derOrPem, looksLikePem, MAX_PEM_SIZE, pemDecode, pemDecodeAll, pemEncode } from '../src/pem.js';
import { openssl, requireTool, tmpDir } from './helpers/tools.js';

const der1 = seq(integer(1), integer(2n ** 100n));
const der2 = new Uint8Array(200).map((_, i) => i);

function pemError(fn: () => unknown, msg: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(KysoError);
    expect((e as KysoError).code).toBe('PEM_MALFORMED');
    expect((e as KysoError).message).toMatch(msg);
    return;
  }
  throw new Error('expected PEM_MALFORMED');
}

describe('PEM encode', () => {
  it('wraps base64 at 64 columns with matching BEGIN/END lines', () => {
    const pem = pemEncode('CERTIFICATE', der2);
    const lines = pem.trimEnd().split('\n');
    expect(lines[0]).toBe('-----BEGIN CERTIFICATE-----');
    expect(lines.at(-1)).toBe('-----END CERTIFICATE-----');
    expect(lines.slice(1, -1).every((l) => l.length <= 64)).toBe(true);
    expect(lines[1]!.length).toBe(64);
    expect(lines.slice(1, -1).join('')).toBe(toBase64(der2));
    expect(pem.endsWith('\n')).toBe(true);
  });

  it('round-trips one and several blocks', () => {
    expect(pemDecode(pemEncode('CERTIFICATE', der1), 'CERTIFICATE').der).toEqual(der1);
    const text = `${pemEncode('CERTIFICATE', der1)}${pemEncode('X509 CRL', der2)}`;
    const blocks = pemDecodeAll(text);
    expect(blocks.map((b) => b.label)).toEqual(['CERTIFICATE', 'X509 CRL']);
    expect(blocks[0]!.der).toEqual(der1);
    expect(blocks[1]!.der).toEqual(der2);
  });
});

describe('PEM decode', () => {
  it('accepts CRLF line ends and explanatory text around blocks', () => {
    const text = `Subject: CN=a\r\nissuer: x\r\n${pemEncode('CERTIFICATE', der1).replace(/\n/g, '\r\n')}trailing words\n`;
    const [b] = pemDecodeAll(text);
    expect(b!.label).toBe('CERTIFICATE');
    expect(b!.der).toEqual(der1);
  });

  it('returns the first block with a wanted label, skipping others', () => {
    const text = `${pemEncode('PRIVATE KEY', der2)}${pemEncode('CERTIFICATE', der1)}${pemEncode('CERTIFICATE', der2)}`;
    expect(pemDecode(text, 'CERTIFICATE').der).toEqual(der1);
    expect(pemDecode(text, 'CERTIFICATE', 'PRIVATE KEY').label).toBe('PRIVATE KEY');
    expect(pemDecode(text).label).toBe('PRIVATE KEY');
    pemError(() => pemDecode(text, 'X509 CRL'), /no PEM block labelled X509 CRL/);
    pemError(() => pemDecode('no pem here'), /no PEM block/);
    expect(pemDecodeAll('')).toEqual([]);
  });

  it('rejects mismatched labels', () => {
    const text = pemEncode('CERTIFICATE', der1).replace('END CERTIFICATE', 'END PRIVATE KEY');
    pemError(() => pemDecodeAll(text), /BEGIN CERTIFICATE ended by END PRIVATE KEY/);
  });

  it('rejects headers (legacy encrypted PEM)', () => {
    const legacy = `-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0011\n\n${toBase64(der1)}\n-----END RSA PRIVATE KEY-----\n`;
    pemError(() => pemDecodeAll(legacy), /has headers/);
  });

  it('rejects bad base64 bodies and nested BEGIN lines', () => {
    pemError(
      () => pemDecodeAll('-----BEGIN CERTIFICATE-----\nZm9v!\n-----END CERTIFICATE-----\n'),
      /not valid base64/,
    );
    pemError(
      () => pemDecodeAll('-----BEGIN CERTIFICATE-----\nZh==\n-----END CERTIFICATE-----\n'),
      /not valid base64/,
    );
    const nested = `-----BEGIN A-----\n${pemEncode('B', der1)}-----END A-----\n`;
    pemError(() => pemDecodeAll(nested), /ended by END B|not valid base64/);
  });

  it('rejects a block that never ends, even after a good one', () => {
    pemError(() => pemDecodeAll('-----BEGIN CERTIFICATE-----\nZm9v\n'), /no END line/);
    pemError(
      () => pemDecodeAll(`${pemEncode('CERTIFICATE', der1)}-----BEGIN CERTIFICATE-----\nZm9v`),
      /no END line/,
    );
    pemError(
      () => pemDecodeAll('-----BEGIN CERTIFICATE-----\nZm9v\n-----END certificate-----'),
      /malformed END line/,
    );
  });

  it('is linear on hostile input (many unterminated BEGIN lines, many fake boundaries)', () => {
    const many = '-----BEGIN CERTIFICATE-----\n'.repeat(200_000); // 5.6 MB
    let t = performance.now();
    pemError(() => pemDecodeAll(many), /no END line/);
    expect(performance.now() - t).toBeLessThan(2000);
    const fake = '-----BEGIN lower-----\n'.repeat(200_000);
    t = performance.now();
    expect(pemDecodeAll(fake)).toEqual([]);
    expect(performance.now() - t).toBeLessThan(2000);
  });

  it('refuses text above MAX_PEM_SIZE', () => {
    const big = ' '.repeat(MAX_PEM_SIZE + 1);
    try {
      pemDecodeAll(big);
      throw new Error('expected INPUT_TOO_LARGE');
    } catch (e) {
      expect((e as KysoError).code).toBe('INPUT_TOO_LARGE');
    }
  });
});

describe('derOrPem and looksLikePem', () => {
  it('passes DER through and decodes PEM given as bytes or text', () => {
    expect(looksLikePem(der1)).toBe(false);
    expect(derOrPem(der1)).toEqual([der1]);
    const text = `${pemEncode('CERTIFICATE', der1)}${pemEncode('CERTIFICATE', der2)}${pemEncode('X509 CRL', der2)}`;
    expect(looksLikePem(text)).toBe(true);
    expect(looksLikePem(utf8Encode(text))).toBe(true);
    expect(derOrPem(text, 'CERTIFICATE')).toEqual([der1, der2]);
    expect(derOrPem(utf8Encode(text), 'X509 CRL')).toEqual([der2]);
    expect(derOrPem(text)).toHaveLength(3);
    pemError(() => derOrPem(text, 'PRIVATE KEY'), /no PEM block labelled PRIVATE KEY/);
  });
});

describe.skipIf(!requireTool('openssl'))('PEM interop with OpenSSL', () => {
  it('reads what OpenSSL writes and OpenSSL reads what we write', () => {
    const dir = tmpDir();
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
        `${dir}/k.pem`,
        '-subj',
        '/CN=pem',
        '-out',
        `${dir}/c.pem`,
      ],
      { check: true },
    );
    const certDer = new Uint8Array(
      openssl(['x509', '-in', `${dir}/c.pem`, '-outform', 'DER'], { check: true }).stdoutBuffer,
    );
    const text = openssl(['x509', '-in', `${dir}/c.pem`], { check: true }).stdout;
    expect(pemDecode(text, 'CERTIFICATE').der).toEqual(certDer);
    const keyText = openssl(['pkey', '-in', `${dir}/k.pem`], { check: true }).stdout;
    expect(pemDecode(keyText, 'PRIVATE KEY').der.length).toBeGreaterThan(100);
    const back = openssl(['x509', '-noout', '-subject'], {
      input: pemEncode('CERTIFICATE', certDer),
      check: true,
    });
    expect(back.stdout.trim()).toBe('subject=CN = pem');
  });
});
