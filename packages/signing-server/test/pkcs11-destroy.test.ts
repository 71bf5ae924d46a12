/** PKCS#11 vault: destroying a key removes its token objects; signing with it then fails. */
import crypto from 'node:crypto';
import type { SignatureAlgorithm } from '@kyso/pki-core';
import { describe, expect, it } from 'vitest';
import { initSoftHsmToken, requireSoftHsm, SOFTHSM_MODULE } from './helpers/env.js';

const hasHsm = requireSoftHsm();

describe.skipIf(!hasHsm)('Pkcs11Vault.destroy (SoftHSM2)', () => {
  it('removes the private and public objects; the key no longer signs; destroying again is harmless', async () => {
    const { Pkcs11Vault } = await import('../src/vault/pkcs11.js');
    const t = initSoftHsmToken();
    const vault = await Pkcs11Vault.open({ module: SOFTHSM_MODULE!, slotLabel: t.label, pin: t.pin });
    try {
      const alg: SignatureAlgorithm = { name: 'ECDSA', hash: 'SHA-256' };
      const keep = await vault.generate('keep', { type: 'EC', curve: 'P-256' });
      const gone = await vault.generate('gone', { type: 'EC', curve: 'P-256' });
      const d = new Uint8Array(crypto.randomBytes(32));
      expect((await vault.signDigest(gone, alg, d)).length).toBeGreaterThan(0);
      await vault.destroy(gone);
      await expect(vault.signDigest(gone, alg, d)).rejects.toThrow(/not found/);
      await vault.destroy(gone);
      // The other key on the token is untouched.
      expect((await vault.signDigest(keep, alg, d)).length).toBeGreaterThan(0);
    } finally {
      await vault.close();
    }
  });
});
