/**
 * The two platform flavours (node:zlib/node:crypto and fflate/@noble/hashes for browsers) export
 * the same names and types and agree on every result, including the bounds on inflation.
 */
import { createHash, randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import * as browser from '../src/platform.browser.js';
import * as node from '../src/platform.js';

// Compile-time: the browser module can stand in for the Node one (and back).
const asNode: typeof node = { ...browser, platformName: 'node' };
const asBrowser: typeof browser = { ...node, platformName: 'browser' };

describe('platform flavours', () => {
  it('are interchangeable', () => {
    expect(Object.keys(asNode).sort()).toEqual(Object.keys(node).sort());
    expect(Object.keys(asBrowser).sort()).toEqual(Object.keys(browser).sort());
    expect(node.platformName).toBe('node');
    expect(browser.platformName).toBe('browser');
  });

  it('hash alike (SHA-1/2, SHAKE256 with 64 bytes)', () => {
    const data = randomBytes(100_000);
    for (const alg of ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512', 'SHAKE256'] as const) {
      const a = node.createHasher(alg).update(data.subarray(0, 777)).update(data.subarray(777)).digest();
      const b = browser.createHasher(alg).update(data.subarray(0, 777)).update(data.subarray(777)).digest();
      expect(Buffer.from(b).toString('hex')).toBe(Buffer.from(a).toString('hex'));
    }
    const ref = createHash('shake256', { outputLength: 64 }).update(data).digest('hex');
    expect(Buffer.from(browser.createHasher('SHAKE256').update(data).digest()).toString('hex')).toBe(ref);
  });

  it('deflate output of each inflates with the other', () => {
    const data = new TextEncoder().encode('kyso ký số '.repeat(5000));
    for (const [a, b] of [
      [node, browser],
      [browser, node],
    ] as const) {
      const z = a.deflate(data, 9);
      expect(z.length).toBeLessThan(data.length / 10);
      expect(b.inflate(z, data.length)).toEqual(data);
    }
  });

  it('both refuse inflation past the limit with InflateLimitError', () => {
    const bomb = deflateSync(new Uint8Array(4 * 1024 * 1024));
    expect(() => node.inflate(bomb, 1024 * 1024)).toThrow(node.InflateLimitError);
    expect(() => browser.inflate(bomb, 1024 * 1024)).toThrow(browser.InflateLimitError);
    expect(browser.inflate(bomb, 4 * 1024 * 1024).length).toBe(4 * 1024 * 1024);
  });

  it('both reject corrupt data; lenient mode returns what a truncated stream holds', () => {
    const data = randomBytes(50_000);
    const z = deflateSync(data, { level: 1 });
    const cut = z.subarray(0, z.length - 1000);
    for (const p of [node, browser]) {
      expect(() => p.inflate(new Uint8Array([1, 2, 3, 4]), 1000)).toThrow();
      expect(() => p.inflate(cut, 100_000)).toThrow();
      const partial = p.inflate(cut, 100_000, true);
      expect(partial.length).toBeGreaterThan(0);
      expect(Buffer.from(partial)).toEqual(data.subarray(0, partial.length));
    }
  });

  it('the browser flavour has no disk: shipped fonts must be registered', () => {
    expect(browser.readShippedFont('LiberationSerif-Regular.ttf')).toBeUndefined();
    expect(node.readShippedFont('LiberationSerif-Regular.ttf')?.length).toBeGreaterThan(100_000);
  });
});
