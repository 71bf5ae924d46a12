/**
 * TOTP matching: the lowest matching counter after the last accepted one, so a code that repeats
 * inside a wide window (6 digits: about one chance in 10^6 per counter) cannot make a fresh, valid
 * code look spent.
 */
import crypto from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { systemClock } from '@kyso/pki-core';
import type { Ctx } from '../src/services/common.js';
import { otpCounter } from '../src/services/factors.js';
import { sealSecret } from '../src/vault/software.js';

const W = 100;

describe('otpCounter', () => {
  it('skips spent counters whose code repeats later in the window', () => {
    const kek = new Uint8Array(crypto.randomBytes(32));
    const ctx = { kek, config: { otpWindow: W }, clock: systemClock } as unknown as Ctx;
    const now = Math.floor(Date.now() / 30_000);
    // Find a secret whose codes repeat inside the window (a few dozen tries on average).
    for (let tries = 0; tries < 5000; tries++) {
      const bytes = crypto.randomBytes(20);
      const totp = new TOTP({
        algorithm: 'SHA1',
        digits: 6,
        period: 30,
        secret: new Secret({ buffer: new Uint8Array(bytes).buffer }),
      });
      const seen = new Map<string, number>();
      // Stay 2 periods inside the window so the test does not straddle a period boundary.
      for (let i = now - W + 2; i <= now + W - 2; i++) {
        const code = totp.generate({ timestamp: i * 30_000 });
        const first = seen.get(code);
        if (first === undefined) {
          seen.set(code, i);
          continue;
        }
        const sealed = { sealed: sealSecret(kek, new Uint8Array(bytes), 'kyso-totp:s1') };
        expect(otpCounter(ctx, 's1', sealed, code)).toBe(first);
        expect(otpCounter(ctx, 's1', sealed, code, first)).toBe(i);
        expect(otpCounter(ctx, 's1', sealed, code, i)).toBeUndefined();
        expect(otpCounter(ctx, 's1', JSON.stringify(sealed), code, first - 1)).toBe(first);
        expect(otpCounter(ctx, 's1', sealed, '12345')).toBeUndefined();
        return;
      }
    }
    throw new Error('no repeating code found');
  });
});
