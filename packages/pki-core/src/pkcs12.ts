/**
 * PKCS#12 (RFC 7292) PFX v3, password integrity and privacy mode.
 *
 * Export writes what OpenSSL 3 writes by default, with stronger counts:
 *   PFX { authSafe: data(AuthenticatedSafe [
 *           encryptedData(PBES2/AES-256-CBC, SafeContents [ certBag leaf, certBag chain... ]),
 *           data(SafeContents [ pkcs8ShroudedKeyBag (PBES2/AES-256-CBC) ]) ]),
 *         macData: HMAC-SHA256, key from the PKCS#12 KDF (ID 3) }
 * The key bag and the leaf certificate bag share a localKeyId (SHA-1 of the leaf certificate, as
 * OpenSSL does; an identifier, not a security use) and the optional friendlyName.
 *
 * Import verifies the MAC first, in constant time (SHA-1/256/384/512 via the PKCS#12 KDF, or
 * PBMAC1 from RFC 9579), then reads keyBag, pkcs8ShroudedKeyBag, certBag (x509Certificate) and
 * nested safeContentsBag, in encrypted (PBES2 or legacy PKCS#12 PBE) or plain SafeContents.
 * Other bags (CRL, secret, unknown) are skipped.
 *
 * Encoding: OpenSSL writes DER, but PKCS#12 allows BER and NSS (`pk12util -o`, Firefox and
 * Thunderbird backups) writes indefinite lengths and constructed OCTET STRINGs at every level: the
 * PFX, the AuthenticatedSafe inside the MAC'd octets, each SafeContents and the encrypted content.
 * Each of those byte strings goes through the bounded BER normaliser (cms/ber.ts: depth, element
 * and size caps) before the strict DER reader sees it; DER input comes out byte-identical. The MAC
 * is computed over the authSafe content octets as received (concatenated segments), as RFC 7292
 * specifies. The one BER form the normaliser cannot know, the constructed encoding of the
 * [0] IMPLICIT OCTET STRING encryptedContent, is folded here (primitive OCTET STRING segments only).
 */
import { bytesEqual, concatBytes, randomBytes, timingSafeEqual } from './bytes.js';
import {
  type Der,
  type DerElement,
  DerReader,
  Tag,
  decodeString,
  explicit,
  integer,
  nul,
  octetString,
  oid,
  seq,
  setOf,
  tlv,
  ctxTag,
} from './der.js';
import { MAX_BER_DEPTH, normalizeBer } from './cms/ber.js';
import { KysoError } from './errors.js';
import { OID } from './oids.js';
import {
  type PbeHash,
  Pkcs12KdfId,
  bmpPassword,
  checkIterations,
  hmac,
  iterationCap,
  parseAlgorithmIdentifier,
  pbeDecrypt,
  pbeIterations,
  pbes2Encrypt,
  pbkdf2,
  pkcs12Kdf,
  readIterations,
} from './pbe.js';
import { decryptEncryptedPrivateKeyInfo, encryptPkcs8, looksLikePrivateKeyInfo } from './pkcs8-encrypted.js';
import { hashLength } from './crypto/hash.js';
import { parsePublicKeyInfo, privateKeyFromPkcs8 } from './crypto/keys.js';

/** Largest PFX accepted (a key and a long chain are a few KiB; 16 MiB bounds memory and parsing). */
export const MAX_PKCS12_SIZE = 16 * 1024 * 1024;
/** Nesting cap for safeContentsBag (real files never nest; a bound stops recursion bombs). */
export const MAX_SAFE_CONTENTS_DEPTH = 4;
/** Cap on bags in one file (bounds work; a trust-store dump has a few hundred certificates). */
export const MAX_PKCS12_BAGS = 10_000;
/**
 * Work budget: total KDF iterations (MAC plus every decryption) one import may run, as a multiple
 * of the per-item cap (`maxIterations`). Each single count is already capped; this stops a file
 * with many encrypted parts from multiplying that cost. 4 covers kyso's and OpenSSL's layout (MAC,
 * certificates, key) plus the empty-password MAC retry.
 */
export const PKCS12_WORK_BUDGET_FACTOR = 4;
/**
 * Default PBKDF2 iterations for new PKCS#12 files, and default MAC iterations.
 * OpenSSL 3 writes 2048 for both. We use 100 000: the password can be brute-forced through
 * whichever of the MAC and the encryption is cheaper, so both get the same count. 100 000 PBKDF2-
 * SHA256 iterations take ~40 ms in Node and the PKCS#12-KDF MAC ~0.25 s, acceptable for a file
 * opened once; OpenSSL 3 reads any count. Lower it (e.g. 2048) for very slow consumers.
 */
export const PKCS12_DEFAULT_ITERATIONS = 100_000;
/** MAC salt length for new files (OpenSSL writes 8; we use 16 like our PBKDF2 salts). */
export const PKCS12_MAC_SALT_LENGTH = 16;

/** RFC 9579 PBMAC1 (not in oids.ts). */
const OID_PBMAC1 = '1.2.840.113549.1.5.14';

const DIGEST_BY_OID: Record<string, PbeHash> = {
  [OID.sha1]: 'SHA-1',
  [OID.sha256]: 'SHA-256',
  [OID.sha384]: 'SHA-384',
  [OID.sha512]: 'SHA-512',
};
const DIGEST_OID: Record<PbeHash, string> = {
  'SHA-1': OID.sha1,
  'SHA-256': OID.sha256,
  'SHA-384': OID.sha384,
  'SHA-512': OID.sha512,
};
const HMAC_BY_OID: Record<string, PbeHash> = {
  [OID.hmacWithSHA1]: 'SHA-1',
  [OID.hmacWithSHA256]: 'SHA-256',
  [OID.hmacWithSHA384]: 'SHA-384',
  [OID.hmacWithSHA512]: 'SHA-512',
};

/**
 * Options of exportPkcs12: the key, certificates, password, friendly name and the KDF/MAC iterations and MAC
 * hash.
 */
export interface Pkcs12ExportOptions {
  /** PKCS#8 PrivateKeyInfo DER. */
  privateKey: Uint8Array;
  /** Certificate DERs, leaf first (the leaf is linked to the key by localKeyId). May be empty. */
  certificates: Uint8Array[];
  /** Protects the key (PBES2) and the MAC; keep it out of logs and command lines. */
  password: string;
  /** friendlyName attribute on the key and leaf bags. */
  friendlyName?: string;
  /** PBKDF2 iterations for the key and certificate encryption (default 100 000). */
  iterations?: number;
  /** MAC iterations (PKCS#12 KDF; default: same as `iterations`). */
  macIterations?: number;
  /** MAC hash (default SHA-256, as OpenSSL 3). SHA-1 is not offered for new files. */
  macHash?: 'SHA-256' | 'SHA-384' | 'SHA-512';
}

/** A private key found in a PKCS#12 file (PKCS#8 DER, with its localKeyId and friendlyName if any). */
export interface Pkcs12Key {
  /** PKCS#8 PrivateKeyInfo DER. */
  pkcs8: Uint8Array;
  /** localKeyId attribute (PKCS#9): pairs a key with its certificate. */
  localKeyId?: Uint8Array;
  /** friendlyName attribute (PKCS#9): a display name. */
  friendlyName?: string;
}

/** A certificate found in a PKCS#12 file (DER, with its localKeyId and friendlyName if any). */
export interface Pkcs12Certificate {
  /** Certificate DER. */
  der: Uint8Array;
  /** localKeyId attribute (PKCS#9): pairs a certificate with its key. */
  localKeyId?: Uint8Array;
  /** friendlyName attribute (PKCS#9): a display name. */
  friendlyName?: string;
}

/** What importPkcs12 found: keys, certificates and how integrity was checked. */
export interface Pkcs12Contents {
  /** The private keys found (decrypted). */
  keys: Pkcs12Key[];
  /** The certificates found. */
  certificates: Pkcs12Certificate[];
  /** How integrity was checked: 'PKCS12-KDF/SHA-256', 'PBMAC1/SHA-256', ... or 'none' (only with allowNoMac). */
  mac: string;
}

/** Options of importPkcs12: whether a file without a MAC is accepted, and the KDF iteration ceiling. */
export interface Pkcs12ImportOptions {
  /**
   * Accept a PFX without MacData (`openssl pkcs12 -nomac`). Off by default: without a MAC, bags
   * in plain SafeContents (certificates, usually) could have been swapped undetected.
   */
  allowNoMac?: boolean;
  /**
   * Refuse any KDF iteration count above this (INPUT_TOO_LARGE), before any work. Default and
   * ceiling: MAX_PBE_ITERATIONS (10 000 000). The PKCS#12-KDF MAC runs ~2.3 µs per SHA-256
   * iteration (~22 µs for SHA-512) in JS, so a server taking uploads may want e.g. 1 000 000.
   */
  maxIterations?: number;
}

const invalid = (msg: string): KysoError => new KysoError('PKCS12_INVALID', msg);
const badPassword = (): KysoError =>
  new KysoError('PKCS12_BAD_PASSWORD', 'PKCS#12 MAC check failed: wrong password or corrupted file');

/**
 * The bytes themselves when they are strict DER all the way down (as OpenSSL writes), else their
 * normalised form (BER from NSS). The walk stops descending past MAX_BER_DEPTH: deeper structures
 * are left to the strict parser and its own bounds.
 */
function derOrNormalized(bytes: Uint8Array): Uint8Array {
  const walk = (el: DerElement, depth: number): void => {
    if ((el.tag & 0x20) === 0 || depth >= MAX_BER_DEPTH) return;
    const r = new DerReader(el.value);
    while (!r.done) walk(r.read(), depth + 1);
  };
  try {
    walk(DerReader.single(bytes), 0);
    return bytes;
  } catch (e) {
    if (e instanceof KysoError && e.code === 'DER_MALFORMED') return normalizeBer(bytes);
    throw e;
  }
}

function sub(el: DerElement): DerReader {
  return new DerReader(el.value, el.offset + el.raw.length - el.value.length);
}

function checkSingleSequence(der: Uint8Array, what: string): void {
  try {
    DerReader.single(der);
  } catch (e) {
    throw new KysoError('INVALID_ARGUMENT', `${what} is not a DER SEQUENCE`, undefined, { cause: e });
  }
}

// -----------------------------------------------------------------------------------------------
// Export
// -----------------------------------------------------------------------------------------------

const contentInfoData = (content: Uint8Array): Der => seq(oid(OID.data), explicit(0, octetString(content)));

function bagAttributes(
  localKeyId: Uint8Array | undefined,
  friendlyName: string | undefined,
): Der | undefined {
  const attrs: Der[] = [];
  if (friendlyName !== undefined) attrs.push(seq(oid(OID.friendlyName), setOf(bmpString(friendlyName))));
  if (localKeyId !== undefined) attrs.push(seq(oid(OID.localKeyId), setOf(octetString(localKeyId))));
  return attrs.length ? setOf(...attrs) : undefined;
}

function bmpString(s: string): Der {
  const b = bmpPassword(s); // UTF-16BE plus a trailing NUL pair, which a BMPString does not carry.
  return tlv(Tag.BMP_STRING, b.subarray(0, b.length - 2));
}

const safeBag = (bagId: string, value: Der, attrs: Der | undefined): Der =>
  seq(oid(bagId), explicit(0, value), attrs);

/**
 * Builds a PKCS#12 PFX (DER) holding one private key and its certificate chain, encrypted with
 * PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) and MACed with HMAC-SHA256 (PKCS#12 KDF).
 * A leaf certificate whose public key is not the private key's => KysoError('KEY_INVALID').
 */
export async function exportPkcs12(opts: Pkcs12ExportOptions): Promise<Uint8Array> {
  const { privateKey, certificates, password, friendlyName } = opts;
  if (typeof password !== 'string') throw new KysoError('INVALID_ARGUMENT', 'password must be a string');
  if (!looksLikePrivateKeyInfo(privateKey))
    throw new KysoError('KEY_INVALID', 'privateKey is not PKCS#8 PrivateKeyInfo DER');
  if (!Array.isArray(certificates)) throw new KysoError('INVALID_ARGUMENT', 'certificates must be an array');
  for (const [i, c] of certificates.entries()) checkSingleSequence(c, `certificates[${i}]`);
  const iterations = opts.iterations ?? PKCS12_DEFAULT_ITERATIONS;
  const macIterations = opts.macIterations ?? iterations;
  checkIterations(iterations, 'iterations');
  checkIterations(macIterations, 'macIterations');
  const macHash = opts.macHash ?? 'SHA-256';
  if (!['SHA-256', 'SHA-384', 'SHA-512'].includes(macHash))
    throw new KysoError('INVALID_ARGUMENT', 'unsupported MAC hash');

  const leaf = certificates[0];
  if (leaf) await assertKeyMatchesLeaf(privateKey, leaf);
  const localKeyId = leaf
    ? new Uint8Array(await globalThis.crypto.subtle.digest('SHA-1', leaf as Uint8Array<ArrayBuffer>))
    : undefined;

  // Certificates: one encrypted SafeContents.
  const certBags = certificates.map((c, i) =>
    safeBag(
      OID.pkcs12CertBag,
      seq(oid(OID.x509CertificateBag), explicit(0, octetString(c))),
      i === 0 ? bagAttributes(localKeyId, friendlyName) : undefined,
    ),
  );
  const authSafeParts: Der[] = [];
  if (certBags.length) {
    const enc = await pbes2Encrypt(seq(...certBags), password, { iterations });
    const encryptedData = seq(
      integer(0),
      seq(oid(OID.data), enc.algorithm, tlv(ctxTag(0, false), enc.ciphertext)),
    );
    authSafeParts.push(seq(oid(OID.encryptedData), explicit(0, encryptedData)));
  }
  // Key: a shrouded key bag in a plain SafeContents (the bag itself is encrypted).
  const epki = await encryptPkcs8(privateKey, password, { iterations });
  const keyBag = safeBag(OID.pkcs12ShroudedKeyBag, epki, bagAttributes(localKeyId, friendlyName));
  authSafeParts.push(contentInfoData(seq(keyBag)));

  const authSafe = seq(...authSafeParts);
  const macSalt = randomBytes(PKCS12_MAC_SALT_LENGTH);
  const mac = await pkcs12Mac(macHash, password, macSalt, macIterations, authSafe, false);
  const macData = seq(
    seq(seq(oid(DIGEST_OID[macHash]), nul()), octetString(mac)),
    octetString(macSalt),
    macIterations === 1 ? undefined : integer(macIterations), // DEFAULT 1 is omitted in DER
  );
  return seq(integer(3), contentInfoData(authSafe), macData);
}

/** SubjectPublicKeyInfo TLV of a Certificate, or undefined if `der` does not have that shape. */
function certificateSpki(der: Uint8Array): Uint8Array | undefined {
  try {
    const tbs = new DerReader(DerReader.single(der).value).enter(Tag.SEQUENCE);
    tbs.readOptional(ctxTag(0, true)); // version
    tbs.read(Tag.INTEGER); // serialNumber
    tbs.read(Tag.SEQUENCE); // signature
    tbs.read(Tag.SEQUENCE); // issuer
    tbs.read(Tag.SEQUENCE); // validity
    tbs.read(Tag.SEQUENCE); // subject
    return tbs.read(Tag.SEQUENCE).raw;
  } catch {
    return undefined;
  }
}

/**
 * Refuses to bundle a key with a leaf certificate for another key (a PKCS#12 that cannot sign).
 * Checked when the leaf parses as a Certificate and the key type is one WebCrypto can load
 * (RSA, EC P-256/384/521, Ed25519); otherwise the bytes are bundled as given.
 */
async function assertKeyMatchesLeaf(pkcs8: Uint8Array, leaf: Uint8Array): Promise<void> {
  const spki = certificateSpki(leaf);
  if (!spki) return;
  let certKey: Uint8Array;
  let ownKey: Uint8Array;
  try {
    certKey = parsePublicKeyInfo(spki).publicKey;
    ownKey = (await privateKeyFromPkcs8(pkcs8, { extractable: false })).publicKeyInfo.publicKey;
  } catch {
    return;
  }
  if (!bytesEqual(certKey, ownKey)) {
    throw new KysoError(
      'KEY_INVALID',
      'the private key does not match the leaf certificate (certificates[0])',
    );
  }
}

async function pkcs12Mac(
  hash: PbeHash,
  password: string,
  salt: Uint8Array,
  iterations: number,
  data: Uint8Array,
  emptyAsNoPassword: boolean,
): Promise<Uint8Array> {
  // OpenSSL treats an absent password as zero bytes and "" as the NUL terminator alone; when
  // verifying with "" we try both (as OpenSSL's PKCS12_verify_mac callers do).
  const pw = emptyAsNoPassword ? new Uint8Array(0) : bmpPassword(password);
  const key = await pkcs12Kdf(hash, pw, salt, Pkcs12KdfId.mac, iterations, hashLength(hash));
  return hmac(hash, key, data);
}

// -----------------------------------------------------------------------------------------------
// Import
// -----------------------------------------------------------------------------------------------

interface ImportState {
  password: string;
  out: Pkcs12Contents;
  bags: number;
  iterations: number;
  maxIterations: number;
}

function spend(st: ImportState, iterations: number): void {
  st.iterations += iterations;
  const budget = PKCS12_WORK_BUDGET_FACTOR * st.maxIterations;
  if (st.iterations > budget) {
    throw new KysoError('BUDGET_EXCEEDED', `PKCS#12 asks for more than ${budget} KDF iterations in total`);
  }
}

/**
 * Reads a PKCS#12 PFX (DER). Verifies the MAC first (wrong password => PKCS12_BAD_PASSWORD), then
 * returns every private key (PKCS#8 DER) and certificate with their localKeyId and friendlyName.
 */
export async function importPkcs12(
  der: Uint8Array,
  password: string,
  options: Pkcs12ImportOptions = {},
): Promise<Pkcs12Contents> {
  if (!(der instanceof Uint8Array))
    throw new KysoError('INVALID_ARGUMENT', 'PKCS#12 input must be a Uint8Array');
  if (typeof password !== 'string') throw new KysoError('INVALID_ARGUMENT', 'password must be a string');
  if (der.length > MAX_PKCS12_SIZE)
    throw new KysoError('INPUT_TOO_LARGE', `PKCS#12 input exceeds ${MAX_PKCS12_SIZE} bytes`);

  const pfx = new DerReader(DerReader.single(derOrNormalized(der)).value);
  const version = pfx.readInteger();
  if (version !== 3n) throw invalid(`unsupported PFX version ${version}`);
  const authSafeCi = sub(pfx.read(Tag.SEQUENCE));
  const contentType = authSafeCi.readOid();
  if (contentType !== OID.data) {
    throw new KysoError(
      'UNSUPPORTED_ALGORITHM',
      `PFX authSafe content type ${contentType} (public-key integrity) not supported`,
    );
  }
  const authSafeWrap = authSafeCi.enter(ctxTag(0, true));
  const authSafeBytes = authSafeWrap.read(Tag.OCTET_STRING);
  authSafeWrap.finish('trailing data in authSafe content');
  authSafeCi.finish('trailing data in authSafe ContentInfo');
  const macDataEl = pfx.done ? undefined : pfx.read(Tag.SEQUENCE);
  pfx.finish('trailing data in PFX');

  const st: ImportState = {
    password,
    out: { keys: [], certificates: [], mac: 'none' },
    bags: 0,
    iterations: 0,
    maxIterations: iterationCap(options.maxIterations),
  };
  if (macDataEl) {
    st.out.mac = await verifyMac(macDataEl, password, authSafeBytes.value, st);
  } else if (!options.allowNoMac) {
    throw invalid('PFX has no MAC (integrity not verifiable); pass allowNoMac to accept');
  }

  // The MAC covered the octets as received; parsing reads their DER form.
  const as = new DerReader(derOrNormalized(authSafeBytes.value));
  const seqR = as.enter(Tag.SEQUENCE);
  as.finish('trailing data after AuthenticatedSafe');
  while (!seqR.done) {
    const ci = sub(seqR.read(Tag.SEQUENCE));
    const type = ci.readOid();
    const content = ci.done ? undefined : ci.enter(ctxTag(0, true));
    ci.finish('trailing data in ContentInfo');
    if (!content) throw invalid('AuthenticatedSafe ContentInfo without content');
    if (type === OID.data) {
      const os = content.read(Tag.OCTET_STRING);
      content.finish('trailing data in ContentInfo content');
      await readSafeContents(os.value, 0, st);
    } else if (type === OID.encryptedData) {
      const ed = content.enter(Tag.SEQUENCE);
      content.finish('trailing data in ContentInfo content');
      const plain = await decryptEncryptedData(ed, st);
      await readSafeContents(plain, 0, st);
    } else {
      throw new KysoError('UNSUPPORTED_ALGORITHM', `AuthenticatedSafe content type ${type} not supported`);
    }
  }
  return st.out;
}

async function verifyMac(
  macDataEl: DerElement,
  password: string,
  data: Uint8Array,
  st: ImportState,
): Promise<string> {
  const m = sub(macDataEl);
  const digestInfo = sub(m.read(Tag.SEQUENCE));
  const alg = parseAlgorithmIdentifier(digestInfo.read(Tag.SEQUENCE));
  const expected = digestInfo.readOctetString();
  digestInfo.finish('trailing data in MAC DigestInfo');
  const salt = m.readOctetString();
  if (salt.length > 1024) throw new KysoError('INPUT_TOO_LARGE', 'MAC salt too long');
  const iterations = m.done ? 1 : readIterations(m, st.maxIterations);
  m.finish('trailing data in MacData');

  if (alg.oid === OID_PBMAC1) return verifyPbmac1(alg.params, password, data, expected, st);

  const hash = DIGEST_BY_OID[alg.oid];
  if (!hash) throw new KysoError('UNSUPPORTED_ALGORITHM', `PKCS#12 MAC digest ${alg.oid} not supported`);
  if (alg.params && (alg.params.tag !== Tag.NULL || alg.params.value.length !== 0)) {
    throw invalid('MAC digest parameters must be NULL or absent');
  }
  if (expected.length !== hashLength(hash)) throw invalid('MAC length does not match its digest');
  spend(st, iterations);
  let ok = timingSafeEqual(await pkcs12Mac(hash, password, salt, iterations, data, false), expected);
  if (!ok && password === '') {
    spend(st, iterations);
    ok = timingSafeEqual(await pkcs12Mac(hash, password, salt, iterations, data, true), expected);
  }
  if (!ok) throw badPassword();
  return `PKCS12-KDF/${hash}`;
}

/** RFC 9579: MAC key = PBKDF2(UTF-8 password), HMAC per messageAuthScheme. */
async function verifyPbmac1(
  params: DerElement | undefined,
  password: string,
  data: Uint8Array,
  expected: Uint8Array,
  st: ImportState,
): Promise<string> {
  if (!params || params.tag !== Tag.SEQUENCE) throw invalid('PBMAC1 parameters missing');
  const r = sub(params);
  const kdf = parseAlgorithmIdentifier(r.read(Tag.SEQUENCE));
  const scheme = parseAlgorithmIdentifier(r.read(Tag.SEQUENCE));
  r.finish('trailing data in PBMAC1 parameters');
  if (kdf.oid !== OID.pbkdf2 || !kdf.params || kdf.params.tag !== Tag.SEQUENCE) {
    throw new KysoError('UNSUPPORTED_ALGORITHM', 'PBMAC1 key derivation must be PBKDF2');
  }
  const k = sub(kdf.params);
  const salt = k.readOctetString();
  if (salt.length > 1024) throw new KysoError('INPUT_TOO_LARGE', 'PBMAC1 salt too long');
  const iterations = readIterations(k, st.maxIterations);
  // RFC 9579 §3: keyLength is required.
  const kl = k.readInteger();
  if (kl < 1n || kl > 64n) throw invalid('PBMAC1 key length out of range');
  let prf: PbeHash = 'SHA-1';
  if (!k.done) {
    const p = parseAlgorithmIdentifier(k.read(Tag.SEQUENCE));
    const h = HMAC_BY_OID[p.oid];
    if (!h) throw new KysoError('UNSUPPORTED_ALGORITHM', `PBMAC1 PRF ${p.oid} not supported`);
    prf = h;
  }
  k.finish('trailing data in PBMAC1 PBKDF2 parameters');
  const macHash = HMAC_BY_OID[scheme.oid];
  if (!macHash) throw new KysoError('UNSUPPORTED_ALGORITHM', `PBMAC1 MAC ${scheme.oid} not supported`);
  if (expected.length !== hashLength(macHash)) throw invalid('MAC length does not match its algorithm');
  spend(st, iterations);
  const key = await pbkdf2(new TextEncoder().encode(password), salt, iterations, prf, Number(kl));
  if (!timingSafeEqual(await hmac(macHash, key, data), expected)) throw badPassword();
  return `PBMAC1/${macHash}`;
}

async function decryptEncryptedData(ed: DerReader, st: ImportState): Promise<Uint8Array> {
  const version = ed.readInteger();
  if (version !== 0n && version !== 2n) throw invalid(`unsupported EncryptedData version ${version}`);
  const eci = ed.enter(Tag.SEQUENCE);
  // unprotectedAttrs [1] IMPLICIT, if any, are ignored.
  ed.readOptional(ctxTag(1, true));
  ed.finish('trailing data in EncryptedData');
  const ct = eci.readOid();
  if (ct !== OID.data) throw invalid(`encrypted content type ${ct} is not data`);
  const alg = parseAlgorithmIdentifier(eci.read(Tag.SEQUENCE));
  const encrypted = eci.readOptional(ctxTag(0, false)) ?? eci.readOptional(ctxTag(0, true));
  eci.finish('trailing data in EncryptedContentInfo');
  if (!encrypted) throw invalid('EncryptedData without encrypted content');
  let ciphertext = encrypted.value;
  if (encrypted.tag === ctxTag(0, true)) {
    // BER constructed [0] IMPLICIT OCTET STRING (NSS): primitive OCTET STRING segments, concatenated.
    const segs = sub(encrypted);
    const parts: Uint8Array[] = [];
    while (!segs.done) parts.push(segs.read(Tag.OCTET_STRING).value);
    ciphertext = concatBytes(...parts);
  }
  spend(st, pbeIterations(alg));
  return pbeDecrypt(alg, ciphertext, st.password, st.maxIterations);
}

async function readSafeContents(bytes: Uint8Array, depth: number, st: ImportState): Promise<void> {
  const r = new DerReader(derOrNormalized(bytes)).enter(Tag.SEQUENCE);
  await readSafeBags(r, depth, st);
}

async function readSafeBags(r: DerReader, depth: number, st: ImportState): Promise<void> {
  if (depth > MAX_SAFE_CONTENTS_DEPTH)
    throw invalid(`safeContentsBag nested deeper than ${MAX_SAFE_CONTENTS_DEPTH}`);
  while (!r.done) {
    if (++st.bags > MAX_PKCS12_BAGS)
      throw new KysoError('INPUT_TOO_LARGE', `more than ${MAX_PKCS12_BAGS} PKCS#12 bags`);
    const bag = sub(r.read(Tag.SEQUENCE));
    const bagId = bag.readOid();
    const valueWrap = bag.enter(ctxTag(0, true));
    const value = valueWrap.read();
    valueWrap.finish('trailing data in SafeBag value');
    const attrs = bag.done ? undefined : bag.read(Tag.SET);
    bag.finish('trailing data in SafeBag');
    const { localKeyId, friendlyName } = readAttributes(attrs);
    const meta = {
      ...(localKeyId !== undefined && { localKeyId }),
      ...(friendlyName !== undefined && { friendlyName }),
    };
    switch (bagId) {
      case OID.pkcs12KeyBag: {
        if (value.tag !== Tag.SEQUENCE || !looksLikePrivateKeyInfo(value.raw))
          throw invalid('keyBag is not a PrivateKeyInfo');
        st.out.keys.push({ pkcs8: value.raw.slice(), ...meta });
        break;
      }
      case OID.pkcs12ShroudedKeyBag: {
        if (value.tag !== Tag.SEQUENCE) throw invalid('pkcs8ShroudedKeyBag is not a SEQUENCE');
        const alg = parseAlgorithmIdentifier(sub(value).read(Tag.SEQUENCE));
        spend(st, pbeIterations(alg));
        st.out.keys.push({
          pkcs8: await decryptEncryptedPrivateKeyInfo(value.value, st.password, st.maxIterations),
          ...meta,
        });
        break;
      }
      case OID.pkcs12CertBag: {
        if (value.tag !== Tag.SEQUENCE) throw invalid('certBag is not a SEQUENCE');
        const cb = sub(value);
        const certId = cb.readOid();
        const cv = cb.enter(ctxTag(0, true));
        cb.finish('trailing data in CertBag');
        if (certId !== OID.x509CertificateBag) break; // sdsiCertificate and others: skipped
        const certDer = cv.readOctetString();
        cv.finish('trailing data in CertBag value');
        const cert = DerReader.single(certDer);
        st.out.certificates.push({ der: cert.raw.slice(), ...meta });
        break;
      }
      case OID.pkcs12SafeContentsBag: {
        if (value.tag !== Tag.SEQUENCE) throw invalid('safeContentsBag is not a SEQUENCE');
        await readSafeBags(sub(value), depth + 1, st);
        break;
      }
      default:
        // crlBag, secretBag, unknown bags: not needed by kyso, skipped.
        break;
    }
  }
}

function readAttributes(attrs: DerElement | undefined): { localKeyId?: Uint8Array; friendlyName?: string } {
  const out: { localKeyId?: Uint8Array; friendlyName?: string } = {};
  if (!attrs) return out;
  const r = sub(attrs);
  while (!r.done) {
    const a = sub(r.read(Tag.SEQUENCE));
    const id = a.readOid();
    const values = a.enter(Tag.SET);
    a.finish('trailing data in PKCS12Attribute');
    const first = values.done ? undefined : values.read();
    // Single-valued attributes (PKCS#9): extra values are ignored.
    if (!first) continue;
    if (id === OID.localKeyId) {
      if (first.tag !== Tag.OCTET_STRING) throw invalid('localKeyId must be an OCTET STRING');
      out.localKeyId = first.value.slice();
    } else if (id === OID.friendlyName) {
      if (first.tag !== Tag.BMP_STRING) throw invalid('friendlyName must be a BMPString');
      out.friendlyName = decodeString(first);
    }
  }
  return out;
}

/** Convenience: the private key whose localKeyId matches the certificate, if any. */
export function pkcs12KeyForCertificate(
  contents: Pkcs12Contents,
  cert: Pkcs12Certificate,
): Pkcs12Key | undefined {
  if (!cert.localKeyId) return undefined;
  const id = cert.localKeyId;
  return contents.keys.find((k) => k.localKeyId !== undefined && bytesEqual(k.localKeyId, id));
}
