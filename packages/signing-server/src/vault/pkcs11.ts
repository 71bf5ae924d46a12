/**
 * PKCS#11 vault (SoftHSM2 in tests, an HSM in production): keys are generated on the token as
 * sensitive, non-extractable objects identified by CKA_ID; the database keeps only that id and
 * the public key. Mechanisms: CKM_ECDSA over the hash, CKM_RSA_PKCS over DigestInfo,
 * CKM_RSA_PKCS_PSS with the PSS parameters. Every signature is verified before it is returned.
 */
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { der, type KeySpec, type SignatureAlgorithm } from '@kyso/pki-core';
import type * as Pkcs11Types from 'pkcs11js';
import { checkSigningParams } from './params.js';
import { digestInfo, VaultError, verifyDigestSignature } from './prehash.js';
import type { KeyVault, StoredKey } from './types.js';

const require = createRequire(import.meta.url);

const CURVE_PARAMS: Record<string, Buffer> = {
  'P-256': Buffer.from('06082a8648ce3d030107', 'hex'),
  'P-384': Buffer.from('06052b81040022', 'hex'),
  'P-521': Buffer.from('06052b81040023', 'hex'),
};

export class Pkcs11Vault implements KeyVault {
  readonly name = 'pkcs11' as const;
  private constructor(
    private readonly p: Pkcs11Types.PKCS11,
    private readonly lib: typeof Pkcs11Types,
    private readonly session: Buffer,
  ) {}

  static async open(cfg: { module: string; slotLabel: string; pin: string }): Promise<Pkcs11Vault> {
    const lib = require('pkcs11js') as typeof Pkcs11Types;
    const p = new lib.PKCS11();
    p.load(cfg.module);
    p.C_Initialize();
    try {
      const slot = p.C_GetSlotList(true).find((s) => p.C_GetTokenInfo(s).label.trim() === cfg.slotLabel);
      if (!slot) throw new VaultError(`no PKCS#11 token labelled ${cfg.slotLabel}`);
      const session = p.C_OpenSession(slot, lib.CKF_RW_SESSION | lib.CKF_SERIAL_SESSION);
      p.C_Login(session, lib.CKU_USER, cfg.pin);
      return new Pkcs11Vault(p, lib, session);
    } catch (e) {
      p.C_Finalize();
      throw e;
    }
  }

  async generate(id: string, spec: KeySpec): Promise<StoredKey> {
    const L = this.lib;
    const ckaId = crypto.createHash('sha256').update(id).digest().subarray(0, 16);
    const common = [
      { type: L.CKA_TOKEN, value: true },
      { type: L.CKA_ID, value: ckaId },
      { type: L.CKA_LABEL, value: id },
    ];
    const priv = [
      ...common,
      { type: L.CKA_PRIVATE, value: true },
      { type: L.CKA_SENSITIVE, value: true },
      { type: L.CKA_EXTRACTABLE, value: false },
      { type: L.CKA_SIGN, value: true },
    ];
    let spki: Buffer;
    if (spec.type === 'EC') {
      const { publicKey } = this.p.C_GenerateKeyPair(
        this.session,
        { mechanism: L.CKM_EC_KEY_PAIR_GEN },
        [
          ...common,
          { type: L.CKA_EC_PARAMS, value: CURVE_PARAMS[spec.curve]! },
          { type: L.CKA_VERIFY, value: true },
        ],
        priv,
      );
      const pointDer = this.p.C_GetAttributeValue(this.session, publicKey, [{ type: L.CKA_EC_POINT }])[0]!
        .value as Buffer;
      const point = new der.DerReader(new Uint8Array(pointDer)).read(der.Tag.OCTET_STRING).value;
      const n = (point.length - 1) / 2;
      spki = crypto
        .createPublicKey({
          key: {
            kty: 'EC',
            crv: spec.curve,
            x: Buffer.from(point.subarray(1, 1 + n)).toString('base64url'),
            y: Buffer.from(point.subarray(1 + n)).toString('base64url'),
          },
          format: 'jwk',
        })
        .export({ format: 'der', type: 'spki' });
    } else if (spec.type === 'RSA') {
      if (spec.modulusLength < 2048) throw new VaultError('RSA keys must be at least 2048 bits');
      const { publicKey } = this.p.C_GenerateKeyPair(
        this.session,
        { mechanism: L.CKM_RSA_PKCS_KEY_PAIR_GEN },
        [
          ...common,
          { type: L.CKA_MODULUS_BITS, value: spec.modulusLength },
          { type: L.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
          { type: L.CKA_VERIFY, value: true },
        ],
        priv,
      );
      const [n, e] = this.p.C_GetAttributeValue(this.session, publicKey, [
        { type: L.CKA_MODULUS },
        { type: L.CKA_PUBLIC_EXPONENT },
      ]);
      spki = crypto
        .createPublicKey({
          key: {
            kty: 'RSA',
            n: (n!.value as Buffer).toString('base64url'),
            e: (e!.value as Buffer).toString('base64url'),
          },
          format: 'jwk',
        })
        .export({ format: 'der', type: 'spki' });
    } else throw new VaultError('unsupported key type');
    return { id, vault: 'pkcs11', spec, spki: new Uint8Array(spki), blob: { ckaId: ckaId.toString('hex') } };
  }

  /** Destroys every token object (private and public key) carrying the key's CKA_ID. */
  async destroy(key: StoredKey): Promise<void> {
    const L = this.lib;
    if (!key.blob.ckaId) return;
    this.p.C_FindObjectsInit(this.session, [{ type: L.CKA_ID, value: Buffer.from(key.blob.ckaId, 'hex') }]);
    let handles: Buffer[];
    try {
      handles = this.p.C_FindObjects(this.session, 16);
    } finally {
      this.p.C_FindObjectsFinal(this.session);
    }
    for (const h of handles) this.p.C_DestroyObject(this.session, h);
  }

  #find(key: StoredKey): Buffer {
    const L = this.lib;
    this.p.C_FindObjectsInit(this.session, [
      { type: L.CKA_CLASS, value: L.CKO_PRIVATE_KEY },
      { type: L.CKA_ID, value: Buffer.from(key.blob.ckaId ?? '', 'hex') },
    ]);
    try {
      const h = this.p.C_FindObjects(this.session, 2);
      if (h.length !== 1)
        throw new VaultError(`PKCS#11 key ${key.id} not found (or not unique) on the token`);
      return h[0]!;
    } finally {
      this.p.C_FindObjectsFinal(this.session);
    }
  }

  async signDigest(key: StoredKey, alg: SignatureAlgorithm, digest: Uint8Array): Promise<Uint8Array> {
    checkSigningParams(alg, key.spec, [digest]);
    if (alg.name === 'Ed25519') throw new VaultError('Ed25519 cannot sign a precomputed hash');
    const L = this.lib;
    const handle = this.#find(key);
    let sig: Uint8Array;
    // Synchronous calls: SignInit + Sign run back to back on this session, never interleaved.
    if (alg.name === 'ECDSA') {
      this.p.C_SignInit(this.session, { mechanism: L.CKM_ECDSA }, handle);
      const raw = this.p.C_Sign(this.session, Buffer.from(digest), Buffer.alloc(160));
      const n = raw.length / 2;
      sig = der.seq(der.integerFromUnsigned(raw.subarray(0, n)), der.integerFromUnsigned(raw.subarray(n)));
    } else if (alg.name === 'RSA-PKCS1') {
      this.p.C_SignInit(this.session, { mechanism: L.CKM_RSA_PKCS }, handle);
      sig = this.p.C_Sign(this.session, Buffer.from(digestInfo(alg.hash, digest)), Buffer.alloc(1024));
    } else {
      const mech = {
        'SHA-1': [L.CKM_SHA_1, L.CKG_MGF1_SHA1],
        'SHA-256': [L.CKM_SHA256, L.CKG_MGF1_SHA256],
        'SHA-384': [L.CKM_SHA384, L.CKG_MGF1_SHA384],
        'SHA-512': [L.CKM_SHA512, L.CKG_MGF1_SHA512],
      }[alg.hash];
      this.p.C_SignInit(
        this.session,
        {
          mechanism: L.CKM_RSA_PKCS_PSS,
          parameter: {
            hashAlg: mech[0]!,
            mgf: mech[1]!,
            saltLen: alg.saltLength,
            type: L.CK_PARAMS_RSA_PSS,
          } as Pkcs11Types.RsaPSS,
        },
        handle,
      );
      sig = this.p.C_Sign(this.session, Buffer.from(digest), Buffer.alloc(1024));
    }
    const out = new Uint8Array(sig);
    if (!verifyDigestSignature(key.spki, key.spec, alg, digest, out))
      throw new VaultError('signature self-check failed');
    return out;
  }

  /** The token keeps the key: one signDigest per digest (each verified). */
  async signDigests(key: StoredKey, alg: SignatureAlgorithm, digests: Uint8Array[]): Promise<Uint8Array[]> {
    checkSigningParams(alg, key.spec, digests);
    const out: Uint8Array[] = [];
    for (const d of digests) out.push(await this.signDigest(key, alg, d));
    return out;
  }

  async close(): Promise<void> {
    try {
      this.p.C_Logout(this.session);
      this.p.C_CloseSession(this.session);
    } finally {
      this.p.C_Finalize();
    }
  }
}
