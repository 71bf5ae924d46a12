/**
 * Key pairs through WebCrypto: generation, PKCS#8 / SPKI / JWK import and export (DER and PEM),
 * OpenSSL's traditional PKCS#1 ("RSA PRIVATE KEY") and SEC1 ("EC PRIVATE KEY") PEM import, and a
 * strict SubjectPublicKeyInfo parser.
 *
 * Private key material never appears in error messages, `toString()` or `toJSON()`.
 */
import { toBase64 } from '../bytes.js';
import type { DerElement } from '../der.js';
import {
  bitString,
  ctxTag,
  DerReader,
  decodeInteger,
  explicit,
  integer,
  nul,
  oid,
  octetString,
  schemaError,
  seq,
  Tag,
} from '../der.js';
import { KysoError } from '../errors.js';
import { OID, oidName } from '../oids.js';
import { derOrPem, looksLikePem, pemDecodeAll, pemEncode } from '../pem.js';
import {
  algorithmFitsKey,
  CURVE_BY_OID,
  CURVE_BYTES,
  CURVE_OID,
  keySpecName,
  parsePssParamsForVerify,
  signatureAlgorithmName,
} from './algorithms.js';
import { digest } from './hash.js';
import { checkMlDsaPublicKey, mlDsaParameterSet } from './ml-dsa.js';
import type { HashAlgorithm, KeySpec, NamedCurve, PublicKeyInfo, SignatureAlgorithm } from './types.js';
import { bufferSource, subtle } from './util.js';

/** RSA modulus sizes kyso generates (others can still be imported if >= 2048 bits for signing). */
export const RSA_GENERATE_SIZES: readonly number[] = [2048, 3072, 4096];
/** Upper bound on RSA modulus bits we import or generate (bounds work on hostile input). */
export const MAX_RSA_BITS = 16384;

/** Options of key generation and import. */
export interface KeyOptions {
  /**
   * Whether the private key can be exported later (PKCS#8, JWK, PKCS#12). Default true.
   * With false, the key material lives only inside non-extractable CryptoKeys.
   */
  extractable?: boolean;
}

type WebCryptoKeyAlg = RsaHashedImportParams | EcKeyImportParams | Algorithm;

const RSA_STRONG_VARIANTS: readonly ['RSASSA-PKCS1-v1_5' | 'RSA-PSS', HashAlgorithm][] = [
  ['RSASSA-PKCS1-v1_5', 'SHA-256'],
  ['RSASSA-PKCS1-v1_5', 'SHA-384'],
  ['RSASSA-PKCS1-v1_5', 'SHA-512'],
  ['RSA-PSS', 'SHA-256'],
  ['RSA-PSS', 'SHA-384'],
  ['RSA-PSS', 'SHA-512'],
];

/** WebCrypto import parameters for a key spec (RSA: a scheme and hash must be chosen). */
export function webCryptoAlg(
  spec: KeySpec,
  rsaScheme: 'RSASSA-PKCS1-v1_5' | 'RSA-PSS' = 'RSASSA-PKCS1-v1_5',
  hash: HashAlgorithm = 'SHA-256',
): WebCryptoKeyAlg {
  switch (spec.type) {
    case 'RSA':
      return { name: rsaScheme, hash } as RsaHashedImportParams;
    case 'EC':
      return { name: 'ECDSA', namedCurve: spec.curve } as EcKeyImportParams;
    case 'Ed25519':
      return { name: 'Ed25519' };
    default:
      throw new KysoError('UNSUPPORTED_ALGORITHM', `unsupported key type ${JSON.stringify(spec)}`);
  }
}

function keyInvalid(msg: string, cause?: unknown): KysoError {
  return new KysoError('KEY_INVALID', msg, undefined, cause === undefined ? undefined : { cause });
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * A private key with its public half. `privateKey`/`publicKey` are WebCrypto keys; for RSA they are
 * bound to RSASSA-PKCS1-v1_5 with SHA-256 (WebCrypto binds a scheme and hash to RSA keys), and
 * `signingKey(alg)` returns a key for any other scheme/hash (imported lazily and cached).
 */
export class KeyPair {
  /** Key type and size (RSA modulus bits, EC curve, Ed25519). */
  readonly spec: KeySpec;
  /** The WebCrypto private key (non-extractable unless `extractable`). */
  readonly privateKey: CryptoKey;
  /** The WebCrypto public key. */
  readonly publicKey: CryptoKey;
  /** The public key as a parsed SubjectPublicKeyInfo (its DER goes into certificates and CSRs). */
  readonly publicKeyInfo: PublicKeyInfo;
  /** Whether the private key can be exported (PKCS#8, JWK, PKCS#12). */
  readonly extractable: boolean;
  /** RSA only, extractable keys only: PKCS#8 kept to import a CryptoKey per scheme/hash. */
  readonly #pkcs8: Uint8Array | undefined;
  readonly #rsaKeys = new Map<string, Promise<CryptoKey>>();

  /** Use generateKeyPair / importPrivateKey / privateKeyFromPkcs8 / importJwk instead. */
  constructor(init: {
    spec: KeySpec;
    privateKey: CryptoKey;
    publicKey: CryptoKey;
    publicKeyInfo: PublicKeyInfo;
    extractable: boolean;
    rsaPkcs8?: Uint8Array;
    rsaKeys?: Map<string, CryptoKey>;
  }) {
    this.spec = init.spec;
    this.privateKey = init.privateKey;
    this.publicKey = init.publicKey;
    this.publicKeyInfo = init.publicKeyInfo;
    this.extractable = init.extractable;
    this.#pkcs8 = init.rsaPkcs8;
    if (init.rsaKeys) for (const [k, v] of init.rsaKeys) this.#rsaKeys.set(k, Promise.resolve(v));
  }

  /** The WebCrypto private key to use for `alg` (RSA keys get one per scheme and hash). */
  async signingKey(alg: SignatureAlgorithm): Promise<CryptoKey> {
    if (!algorithmFitsKey(alg, this.spec)) {
      throw keyInvalid(`${signatureAlgorithmName(alg)} cannot be used with a ${keySpecName(this.spec)} key`);
    }
    if (alg.name !== 'RSA-PKCS1' && alg.name !== 'RSA-PSS') return this.privateKey;
    const scheme = alg.name === 'RSA-PSS' ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5';
    if (scheme === 'RSASSA-PKCS1-v1_5' && alg.hash === 'SHA-256') return this.privateKey;
    const k = `${scheme}/${alg.hash}`;
    let p = this.#rsaKeys.get(k);
    if (!p) {
      const pkcs8 = this.#pkcs8;
      if (!pkcs8) throw keyInvalid(`this non-extractable RSA key has no ${scheme} ${alg.hash} variant`);
      p = subtle()
        .importKey('pkcs8', bufferSource(pkcs8), webCryptoAlg(this.spec, scheme, alg.hash), false, ['sign'])
        .catch((e: unknown) => {
          this.#rsaKeys.delete(k);
          throw keyInvalid('RSA private key could not be imported', e);
        });
      this.#rsaKeys.set(k, p);
    }
    return p;
  }

  /** PKCS#8 DER of an extractable key (for RSA, the bytes the key was created from). */
  async exportPkcs8(): Promise<Uint8Array> {
    if (!this.extractable) throw keyInvalid('private key is not extractable');
    if (this.#pkcs8) return this.#pkcs8.slice();
    return new Uint8Array(await subtle().exportKey('pkcs8', this.privateKey));
  }

  /** A JSON description without the private key (type, key spec, algorithm, SPKI). */
  toJSON(): { type: 'KeyPair'; spec: KeySpec; publicKeyAlgorithm: string; spki: string } {
    return {
      type: 'KeyPair',
      spec: this.spec,
      publicKeyAlgorithm: oidName(this.publicKeyInfo.algorithmOid),
      spki: toBase64(this.publicKeyInfo.der),
    };
  }

  /** `KeyPair(<spec>)`, never the key material. */
  toString(): string {
    return `KeyPair(${keySpecName(this.spec)})`;
  }

  /** What `util.inspect` / `console.log` show: `toString()`, never the key material. */
  [INSPECT](): string {
    return this.toString();
  }
}

// ---------------------------------------------------------------------------------------------
// SubjectPublicKeyInfo
// ---------------------------------------------------------------------------------------------

/** Bit length of a positive INTEGER's magnitude. */
function bitLength(mag: Uint8Array): number {
  let i = 0;
  while (i < mag.length && mag[i] === 0) i++;
  if (i === mag.length) return 0;
  return (mag.length - i - 1) * 8 + (32 - Math.clz32(mag[i]!));
}

/** Parses an RSAPublicKey (PKCS#1) and returns its modulus size in bits. */
function rsaPublicKeyBits(der: Uint8Array): number {
  const r = new DerReader(DerReader.single(der, Tag.SEQUENCE).value);
  const nEl = r.read(Tag.INTEGER);
  const e = r.readInteger();
  r.finish('unexpected data in RSAPublicKey');
  const n = decodeInteger(nEl);
  if (n <= 0n) throw keyInvalid('RSA modulus is not positive');
  if (e < 3n || (e & 1n) === 0n) throw keyInvalid('RSA public exponent is invalid');
  const bits = bitLength(nEl.value);
  if (bits > MAX_RSA_BITS)
    throw new KysoError('UNSUPPORTED_ALGORITHM', `RSA modulus of ${bits} bits is too large`);
  if ((n & 1n) === 0n) throw keyInvalid('RSA modulus is even');
  return bits;
}

function checkEcPoint(curve: NamedCurve, point: Uint8Array): void {
  const n = CURVE_BYTES[curve];
  const ok =
    (point[0] === 0x04 && point.length === 1 + 2 * n) ||
    ((point[0] === 0x02 || point[0] === 0x03) && point.length === 1 + n);
  if (!ok) throw keyInvalid(`EC public key is not a valid ${curve} point encoding`);
}

/**
 * Parses a SubjectPublicKeyInfo strictly (RFC 5280 §4.1.2.7, RFC 3279, RFC 4055, RFC 5480, RFC 8410).
 * - rsaEncryption: NULL parameters required; spec from the RSAPublicKey modulus.
 * - id-RSASSA-PSS: parameters absent or RSASSA-PSS-params.
 * - id-ecPublicKey: namedCurve only; explicit curve parameters (and implicitCA) are UNSUPPORTED_ALGORITHM.
 *   An unknown named curve (e.g. secp256k1) yields `spec: undefined`.
 * - Ed25519: parameters absent, 32-byte key.
 * - ML-DSA-44/65/87 (RFC 9881): parameters absent, key of the parameter set's length; `spec: undefined`
 *   (verification only).
 * Other algorithms parse with `spec: undefined`.
 */
export function parsePublicKeyInfo(input: Uint8Array | DerElement): PublicKeyInfo {
  const el = input instanceof Uint8Array ? DerReader.single(input, Tag.SEQUENCE) : input;
  if (el.tag !== Tag.SEQUENCE) throw schemaError('SubjectPublicKeyInfo is not a SEQUENCE');
  const r = new DerReader(el.value, el.offset + el.raw.length - el.value.length);
  const a = r.enter(Tag.SEQUENCE);
  const algorithmOid = a.readOid();
  const params = a.done ? undefined : a.read();
  a.finish('unexpected data in SubjectPublicKeyInfo algorithm');
  const bits = r.readBitString();
  r.finish('unexpected data in SubjectPublicKeyInfo');
  if (bits.unusedBits !== 0) throw schemaError('subjectPublicKey BIT STRING has unused bits');
  const info: PublicKeyInfo = { der: el.raw, algorithmOid, publicKey: bits.bytes };
  if (params) info.parameters = params.raw;

  switch (algorithmOid) {
    case OID.rsaEncryption: {
      if (!params || params.tag !== Tag.NULL || params.value.length !== 0) {
        throw schemaError('rsaEncryption public key requires NULL parameters');
      }
      info.spec = { type: 'RSA', modulusLength: rsaPublicKeyBits(bits.bytes) };
      break;
    }
    case OID.rsassaPss: {
      // Parameters restrict which PSS signatures the key verifies (RFC 4055 §3.3, enforced in
      // verify.ts / fallback-verify.ts); any verification hash and MGF1 hash parse.
      if (params) parsePssParamsForVerify(params);
      info.spec = { type: 'RSA', modulusLength: rsaPublicKeyBits(bits.bytes) };
      break;
    }
    case OID.ecPublicKey: {
      if (!params) throw schemaError('id-ecPublicKey requires curve parameters');
      if (params.tag !== Tag.OID) {
        throw new KysoError(
          'UNSUPPORTED_ALGORITHM',
          params.tag === Tag.SEQUENCE
            ? 'explicit EC curve parameters are not supported'
            : 'EC parameters must be a named curve',
        );
      }
      const curveOid = new DerReader(params.raw).readOid();
      const curve = CURVE_BY_OID.get(curveOid);
      if (curve) {
        checkEcPoint(curve, bits.bytes);
        info.spec = { type: 'EC', curve };
      }
      break;
    }
    case OID.ed25519: {
      if (params) throw schemaError('Ed25519 public key must have absent parameters');
      if (bits.bytes.length !== 32) throw keyInvalid('Ed25519 public key must be 32 bytes');
      info.spec = { type: 'Ed25519' };
      break;
    }
    default: {
      const mlDsa = mlDsaParameterSet(algorithmOid);
      if (mlDsa) {
        // RFC 9881 §4: parameters MUST be absent; the key is the raw FIPS 204 encoding.
        if (params) throw schemaError(`${mlDsa} public key must have absent parameters`);
        checkMlDsaPublicKey(mlDsa, bits.bytes);
      }
      break;
    }
  }
  return info;
}

/** DER SubjectPublicKeyInfo from its parts. */
export function encodePublicKeyInfo(
  info: Pick<PublicKeyInfo, 'algorithmOid' | 'parameters' | 'publicKey'>,
): Uint8Array {
  return seq(seq(oid(info.algorithmOid), info.parameters), bitString(info.publicKey));
}

/**
 * SPKI bytes WebCrypto can import. WebCrypto knows only rsaEncryption for RSA, so an id-RSASSA-PSS
 * key is re-labelled (callers enforce the PSS restriction themselves, see verify.ts).
 */
export function spkiForWebCrypto(info: PublicKeyInfo): Uint8Array {
  if (info.algorithmOid === OID.rsassaPss) {
    return encodePublicKeyInfo({
      algorithmOid: OID.rsaEncryption,
      parameters: nul(),
      publicKey: info.publicKey,
    });
  }
  return info.der;
}

/**
 * Key identifier per RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value
 * (excluding tag, length and unused-bits octet). SHA-1 is used as an identifier here, not for security.
 */
export async function keyIdentifier(spki: PublicKeyInfo | Uint8Array): Promise<Uint8Array> {
  const info = spki instanceof Uint8Array ? parsePublicKeyInfo(spki) : spki;
  return digest('SHA-1', info.publicKey);
}

/** Public key from SPKI DER or a "PUBLIC KEY" PEM. */
export function importPublicKey(data: Uint8Array | string): PublicKeyInfo {
  const blocks = derOrPem(data, 'PUBLIC KEY');
  return parsePublicKeyInfo(blocks[0]!);
}

function asPublicKeyInfo(k: KeyPair | PublicKeyInfo): PublicKeyInfo {
  return k instanceof KeyPair ? k.publicKeyInfo : k;
}

/** SPKI DER. */
export function exportSpki(k: KeyPair | PublicKeyInfo): Uint8Array {
  return asPublicKeyInfo(k).der.slice();
}

/** SPKI as "PUBLIC KEY" PEM. */
export function exportSpkiPem(k: KeyPair | PublicKeyInfo): string {
  return pemEncode('PUBLIC KEY', asPublicKeyInfo(k).der);
}

// ---------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------

function checkSpec(spec: KeySpec): void {
  if (spec.type === 'RSA') {
    const n = spec.modulusLength;
    if (!Number.isInteger(n) || n < 2048) {
      throw new KysoError('WEAK_ALGORITHM', `RSA keys below 2048 bits are not allowed (asked ${n})`);
    }
    if (n > MAX_RSA_BITS || n % 8 !== 0)
      throw new KysoError('INVALID_ARGUMENT', `unsupported RSA modulus length ${n}`);
  } else if (spec.type === 'EC') {
    if (!CURVE_OID[spec.curve])
      throw new KysoError('UNSUPPORTED_ALGORITHM', `unsupported curve ${String(spec.curve)}`);
  } else if (spec.type !== 'Ed25519') {
    throw new KysoError('UNSUPPORTED_ALGORITHM', `unsupported key type ${JSON.stringify(spec)}`);
  }
}

/**
 * Generates a key pair. RSA: 2048 bits or more (smaller is WEAK_ALGORITHM), exponent 65537, usable
 * with both PKCS#1 v1.5 and PSS. EC: P-256, P-384, P-521. Ed25519.
 */
export async function generateKeyPair(spec: KeySpec, opts: KeyOptions = {}): Promise<KeyPair> {
  checkSpec(spec);
  const extractable = opts.extractable ?? true;
  const s = subtle();
  if (spec.type === 'RSA') {
    const gen = (await s.generateKey(
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: spec.modulusLength,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair;
    const pkcs8 = new Uint8Array(await s.exportKey('pkcs8', gen.privateKey));
    const spki = new Uint8Array(await s.exportKey('spki', gen.publicKey));
    return rsaKeyPair(
      { type: 'RSA', modulusLength: spec.modulusLength },
      pkcs8,
      gen.publicKey,
      spki,
      extractable,
    );
  }
  const gen = (await s.generateKey(webCryptoAlg(spec), extractable, ['sign', 'verify'])) as CryptoKeyPair;
  const spki = new Uint8Array(await s.exportKey('spki', gen.publicKey));
  return new KeyPair({
    spec: spec.type === 'EC' ? { type: 'EC', curve: spec.curve } : { type: 'Ed25519' },
    privateKey: gen.privateKey,
    publicKey: gen.publicKey,
    publicKeyInfo: parsePublicKeyInfo(spki),
    extractable,
  });
}

async function rsaKeyPair(
  spec: KeySpec,
  pkcs8: Uint8Array,
  publicKey: CryptoKey,
  spki: Uint8Array,
  extractable: boolean,
): Promise<KeyPair> {
  const s = subtle();
  const publicKeyInfo = parsePublicKeyInfo(spki);
  if (extractable) {
    const privateKey = await s.importKey('pkcs8', bufferSource(pkcs8), webCryptoAlg(spec), true, ['sign']);
    return new KeyPair({ spec, privateKey, publicKey, publicKeyInfo, extractable, rsaPkcs8: pkcs8 });
  }
  // Non-extractable: import every strong scheme/hash variant now, then drop the PKCS#8 bytes.
  const rsaKeys = new Map<string, CryptoKey>();
  await Promise.all(
    RSA_STRONG_VARIANTS.map(async ([scheme, hash]) => {
      const k = await s.importKey('pkcs8', bufferSource(pkcs8), webCryptoAlg(spec, scheme, hash), false, [
        'sign',
      ]);
      rsaKeys.set(`${scheme}/${hash}`, k);
    }),
  );
  pkcs8.fill(0);
  const privateKey = rsaKeys.get('RSASSA-PKCS1-v1_5/SHA-256')!;
  return new KeyPair({ spec, privateKey, publicKey, publicKeyInfo, extractable, rsaKeys });
}

// ---------------------------------------------------------------------------------------------
// PKCS#8 and the traditional OpenSSL formats
// ---------------------------------------------------------------------------------------------

interface Pkcs8Info {
  spec: KeySpec;
}

/** Parses a PKCS#8 PrivateKeyInfo / OneAsymmetricKey (RFC 5208, RFC 5958) enough to know the key. */
function parsePkcs8(der: Uint8Array): Pkcs8Info {
  const r = new DerReader(DerReader.single(der, Tag.SEQUENCE).value);
  const version = r.readInteger();
  if (version !== 0n && version !== 1n) throw schemaError(`unsupported PKCS#8 version ${version}`);
  const a = r.enter(Tag.SEQUENCE);
  const algOid = a.readOid();
  const params = a.done ? undefined : a.read();
  a.finish('unexpected data in PKCS#8 algorithm');
  const pk = r.readOctetString();
  r.readOptional(ctxTag(0, true)); // attributes
  if (r.readOptional(ctxTag(1, false)) && version !== 1n)
    throw schemaError('PKCS#8 publicKey requires version 1');
  r.finish('unexpected data in PKCS#8');

  switch (algOid) {
    case OID.rsaEncryption: {
      if (!params || params.tag !== Tag.NULL || params.value.length !== 0) {
        throw schemaError('rsaEncryption private key requires NULL parameters');
      }
      return { spec: { type: 'RSA', modulusLength: parseRsaPrivateKey(pk) } };
    }
    case OID.ecPublicKey: {
      if (!params) throw schemaError('EC private key requires curve parameters');
      if (params.tag !== Tag.OID)
        throw new KysoError('UNSUPPORTED_ALGORITHM', 'explicit EC curve parameters are not supported');
      const curveOid = new DerReader(params.raw).readOid();
      const curve = CURVE_BY_OID.get(curveOid);
      if (!curve) throw new KysoError('UNSUPPORTED_ALGORITHM', `unsupported curve ${oidName(curveOid)}`);
      const sec1 = parseSec1(pk);
      if (sec1.curveOid !== undefined && sec1.curveOid !== curveOid)
        throw keyInvalid('EC private key curve mismatch');
      if (sec1.privateKey.length !== CURVE_BYTES[curve])
        throw keyInvalid(`EC private key has the wrong length for ${curve}`);
      return { spec: { type: 'EC', curve } };
    }
    case OID.ed25519: {
      if (params) throw schemaError('Ed25519 private key must have absent parameters');
      const inner = DerReader.single(pk, Tag.OCTET_STRING);
      if (inner.value.length !== 32) throw keyInvalid('Ed25519 private key must be 32 bytes');
      return { spec: { type: 'Ed25519' } };
    }
    case OID.rsassaPss:
      throw new KysoError(
        'UNSUPPORTED_ALGORITHM',
        'RSASSA-PSS-restricted private keys (id-RSASSA-PSS) are not supported; use an rsaEncryption key',
      );
    default:
      throw new KysoError('UNSUPPORTED_ALGORITHM', `unsupported private key algorithm ${oidName(algOid)}`);
  }
}

/** Parses a PKCS#1 RSAPrivateKey (two-prime) and returns the modulus bits. */
function parseRsaPrivateKey(der: Uint8Array): number {
  const r = new DerReader(DerReader.single(der, Tag.SEQUENCE).value);
  const version = r.readInteger();
  if (version !== 0n)
    throw new KysoError('UNSUPPORTED_ALGORITHM', 'multi-prime RSA private keys are not supported');
  const nEl = r.read(Tag.INTEGER);
  for (let i = 0; i < 7; i++) {
    if (r.readInteger() <= 0n) throw keyInvalid('RSA private key has a non-positive component');
  }
  r.finish('unexpected data in RSAPrivateKey');
  if (decodeInteger(nEl) <= 0n) throw keyInvalid('RSA modulus is not positive');
  const bits = bitLength(nEl.value);
  if (bits > MAX_RSA_BITS)
    throw new KysoError('UNSUPPORTED_ALGORITHM', `RSA modulus of ${bits} bits is too large`);
  return bits;
}

interface Sec1 {
  privateKey: Uint8Array;
  curveOid?: string;
  publicKey?: Uint8Array; // full BIT STRING TLV
}

/** Parses a SEC1 ECPrivateKey (RFC 5915). */
function parseSec1(der: Uint8Array): Sec1 {
  const r = new DerReader(DerReader.single(der, Tag.SEQUENCE).value);
  if (r.readInteger() !== 1n) throw schemaError('ECPrivateKey version must be 1');
  const out: Sec1 = { privateKey: r.readOctetString() };
  const p = r.enterOptional(ctxTag(0, true));
  if (p) {
    if (p.peekTag() !== Tag.OID)
      throw new KysoError('UNSUPPORTED_ALGORITHM', 'explicit EC curve parameters are not supported');
    out.curveOid = p.readOid();
    p.finish();
  }
  const k = r.enterOptional(ctxTag(1, true));
  if (k) {
    const bs = k.read(Tag.BIT_STRING);
    k.finish();
    out.publicKey = bs.raw;
  }
  r.finish('unexpected data in ECPrivateKey');
  return out;
}

/** Wraps a PKCS#1 RSAPrivateKey ("RSA PRIVATE KEY") into PKCS#8. */
export function pkcs1ToPkcs8(pkcs1: Uint8Array): Uint8Array {
  parseRsaPrivateKey(pkcs1);
  return seq(integer(0), seq(oid(OID.rsaEncryption), nul()), octetString(pkcs1));
}

/** Wraps a SEC1 ECPrivateKey ("EC PRIVATE KEY") into PKCS#8 (the curve must be named in the key). */
export function sec1ToPkcs8(sec1: Uint8Array, curve?: NamedCurve): Uint8Array {
  const k = parseSec1(sec1);
  const curveOid = k.curveOid ?? (curve ? CURVE_OID[curve] : undefined);
  if (!curveOid) throw keyInvalid('EC private key does not name its curve');
  if (curve && CURVE_OID[curve] !== curveOid) throw keyInvalid('EC private key curve mismatch');
  const c = CURVE_BY_OID.get(curveOid);
  if (!c) throw new KysoError('UNSUPPORTED_ALGORITHM', `unsupported curve ${oidName(curveOid)}`);
  if (k.privateKey.length !== CURVE_BYTES[c])
    throw keyInvalid(`EC private key has the wrong length for ${c}`);
  // Inside PKCS#8 the curve is in the AlgorithmIdentifier; the inner parameters are omitted (RFC 5915 §3).
  const inner = seq(
    integer(1),
    octetString(k.privateKey),
    k.publicKey ? explicit(1, k.publicKey) : undefined,
  );
  return seq(integer(0), seq(oid(OID.ecPublicKey), oid(curveOid)), octetString(inner));
}

const PRIVATE_KEY_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const;

function cleanJwk(jwk: JsonWebKey, keepPrivate: boolean): JsonWebKey {
  const out: JsonWebKey = { ...jwk };
  delete out.alg;
  delete out.key_ops;
  delete out.ext;
  delete out.use;
  if (!keepPrivate) for (const m of PRIVATE_KEY_MEMBERS) delete out[m];
  return out;
}

/**
 * Private key from PKCS#8 DER (PrivateKeyInfo, unencrypted). The public key is derived from the
 * private key. Supported: rsaEncryption, id-ecPublicKey with P-256/384/521, Ed25519.
 */
export async function privateKeyFromPkcs8(der: Uint8Array, opts: KeyOptions = {}): Promise<KeyPair> {
  const { spec } = parsePkcs8(der);
  const extractable = opts.extractable ?? true;
  const s = subtle();
  const pkcs8 = der.slice();
  let tmp: CryptoKey;
  try {
    tmp = await s.importKey('pkcs8', bufferSource(pkcs8), webCryptoAlg(spec), true, ['sign']);
  } catch (e) {
    throw keyInvalid(`${keySpecName(spec)} private key could not be imported`, e);
  }
  // WebCrypto cannot derive a public key directly; the private JWK carries the public members.
  const pubJwk = cleanJwk(await s.exportKey('jwk', tmp), false);
  let publicKey: CryptoKey;
  try {
    publicKey = await s.importKey('jwk', pubJwk, webCryptoAlg(spec), true, ['verify']);
  } catch (e) {
    throw keyInvalid(`${keySpecName(spec)} public key could not be derived`, e);
  }
  const spki = new Uint8Array(await s.exportKey('spki', publicKey));
  if (spec.type === 'RSA') return rsaKeyPair(spec, pkcs8, publicKey, spki, extractable);
  const privateKey = extractable
    ? tmp
    : await s.importKey('pkcs8', bufferSource(pkcs8), webCryptoAlg(spec), false, ['sign']);
  pkcs8.fill(0);
  return new KeyPair({ spec, privateKey, publicKey, publicKeyInfo: parsePublicKeyInfo(spki), extractable });
}

/** The PEM labels `importPrivateKey` understands. */
export const PRIVATE_KEY_PEM_LABELS = ['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY'] as const;

/**
 * Private key from PEM ("PRIVATE KEY", OpenSSL's traditional "RSA PRIVATE KEY" and "EC PRIVATE KEY";
 * an accompanying "EC PARAMETERS" block is ignored) or DER (PKCS#8, PKCS#1 or SEC1, detected by
 * structure). Encrypted keys ("ENCRYPTED PRIVATE KEY", legacy Proc-Type headers) are not accepted here.
 */
export async function importPrivateKey(data: Uint8Array | string, opts: KeyOptions = {}): Promise<KeyPair> {
  if (typeof data === 'string' || looksLikePem(data)) {
    const blocks = pemDecodeAll(typeof data === 'string' ? data : new TextDecoder().decode(data));
    if (blocks.some((b) => b.label === 'ENCRYPTED PRIVATE KEY')) {
      throw new KysoError(
        'UNSUPPORTED_ALGORITHM',
        'encrypted PKCS#8 keys are not supported here; decrypt first',
      );
    }
    const keys = blocks.filter((b) => (PRIVATE_KEY_PEM_LABELS as readonly string[]).includes(b.label));
    if (keys.length !== 1) {
      throw new KysoError(
        'PEM_MALFORMED',
        keys.length
          ? 'more than one private key in PEM input'
          : `no PEM block labelled ${PRIVATE_KEY_PEM_LABELS.join(', ')}`,
      );
    }
    const b = keys[0]!;
    const der =
      b.label === 'RSA PRIVATE KEY'
        ? pkcs1ToPkcs8(b.der)
        : b.label === 'EC PRIVATE KEY'
          ? sec1ToPkcs8(b.der)
          : b.der;
    return privateKeyFromPkcs8(der, opts);
  }
  return privateKeyFromPkcs8(detectPrivateKeyDer(data), opts);
}

/** Returns PKCS#8 for DER that is PKCS#8, PKCS#1 RSAPrivateKey or SEC1 ECPrivateKey. */
function detectPrivateKeyDer(der: Uint8Array): Uint8Array {
  const r = new DerReader(DerReader.single(der, Tag.SEQUENCE).value);
  const v = r.readInteger();
  const next = r.peekTag();
  if ((v === 0n || v === 1n) && next === Tag.SEQUENCE) return der; // PKCS#8
  if (v === 0n && next === Tag.INTEGER) return pkcs1ToPkcs8(der);
  if (v === 1n && next === Tag.OCTET_STRING) return sec1ToPkcs8(der);
  throw schemaError('not a PKCS#8, PKCS#1 or SEC1 private key');
}

/** PKCS#8 DER of an extractable key pair. */
export function exportPkcs8(kp: KeyPair): Promise<Uint8Array> {
  return kp.exportPkcs8();
}

/** PKCS#8 "PRIVATE KEY" PEM of an extractable key pair. */
export async function exportPkcs8Pem(kp: KeyPair): Promise<string> {
  return pemEncode('PRIVATE KEY', await kp.exportPkcs8());
}

// ---------------------------------------------------------------------------------------------
// JWK (RFC 7517/7518, RFC 8037 for Ed25519)
// ---------------------------------------------------------------------------------------------

/** Private JWK (without `alg`, `key_ops`, `ext`, `use`). Requires an extractable key. */
export async function exportJwk(kp: KeyPair): Promise<JsonWebKey> {
  if (!kp.extractable) throw keyInvalid('private key is not extractable');
  return cleanJwk(await subtle().exportKey('jwk', kp.privateKey), true);
}

/** Public JWK of a key pair or a public key. */
export async function exportPublicJwk(k: KeyPair | PublicKeyInfo): Promise<JsonWebKey> {
  const s = subtle();
  if (k instanceof KeyPair) return cleanJwk(await s.exportKey('jwk', k.publicKey), false);
  const spec = k.spec;
  if (!spec)
    throw new KysoError(
      'UNSUPPORTED_ALGORITHM',
      `unsupported public key algorithm ${oidName(k.algorithmOid)}`,
    );
  let key: CryptoKey;
  try {
    key = await s.importKey('spki', bufferSource(spkiForWebCrypto(k)), webCryptoAlg(spec), true, ['verify']);
  } catch (e) {
    throw keyInvalid('public key could not be imported', e);
  }
  return cleanJwk(await s.exportKey('jwk', key), false);
}

function specFromJwk(jwk: JsonWebKey): KeySpec {
  if (jwk.kty === 'RSA') {
    if (typeof jwk.n !== 'string') throw keyInvalid('RSA JWK without modulus');
    return { type: 'RSA', modulusLength: 0 }; // real length taken from the imported key
  }
  if (jwk.kty === 'EC') {
    if (jwk.crv !== 'P-256' && jwk.crv !== 'P-384' && jwk.crv !== 'P-521') {
      throw new KysoError('UNSUPPORTED_ALGORITHM', `unsupported JWK curve ${String(jwk.crv)}`);
    }
    return { type: 'EC', curve: jwk.crv };
  }
  if (jwk.kty === 'OKP') {
    if (jwk.crv !== 'Ed25519')
      throw new KysoError('UNSUPPORTED_ALGORITHM', `unsupported JWK curve ${String(jwk.crv)}`);
    return { type: 'Ed25519' };
  }
  throw new KysoError('UNSUPPORTED_ALGORITHM', `unsupported JWK key type ${String(jwk.kty)}`);
}

/** Private key pair from a private JWK (RSA, EC P-256/384/521, OKP Ed25519). */
export async function importJwk(jwk: JsonWebKey, opts: KeyOptions = {}): Promise<KeyPair> {
  const spec = specFromJwk(jwk);
  if (typeof jwk.d !== 'string') throw keyInvalid('JWK has no private part; use importPublicJwk');
  const s = subtle();
  let tmp: CryptoKey;
  try {
    tmp = await s.importKey('jwk', { ...cleanJwk(jwk, true), ext: true }, webCryptoAlg(spec), true, ['sign']);
  } catch (e) {
    throw keyInvalid('JWK private key could not be imported', e);
  }
  return privateKeyFromPkcs8(new Uint8Array(await s.exportKey('pkcs8', tmp)), opts);
}

/** Public key from a public (or private: private members are ignored) JWK. */
export async function importPublicJwk(jwk: JsonWebKey): Promise<PublicKeyInfo> {
  const spec = specFromJwk(jwk);
  const s = subtle();
  let key: CryptoKey;
  try {
    key = await s.importKey('jwk', { ...cleanJwk(jwk, false), ext: true }, webCryptoAlg(spec), true, [
      'verify',
    ]);
  } catch (e) {
    throw keyInvalid('JWK public key could not be imported', e);
  }
  return parsePublicKeyInfo(new Uint8Array(await s.exportKey('spki', key)));
}
