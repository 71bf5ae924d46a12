/**
 * RFC 3161 TimeStampReq (§2.4.1) and MessageImprint: build and strict DER parse.
 */
import { randomBytes } from '../bytes.js';
import {
  type DerElement,
  DerReader,
  Tag,
  bool,
  ctxTag,
  implicit,
  integer,
  octetString,
  oid,
  schemaError,
  seq,
} from '../der.js';
import { digest, hashAlgorithmIdentifier, hashLength, parseHashAlgorithmIdentifier } from '../crypto/hash.js';
import type { HashAlgorithm } from '../crypto/types.js';
import { KysoError } from '../errors.js';
import { parseExtensionList } from '../x509/certificate.js';
import { type Extension, encodeExtension } from '../x509/extensions.js';

/** Largest TimeStampReq we parse (real ones are < 200 bytes). */
export const MAX_TSP_REQUEST_SIZE = 16 * 1024;
/** RFC 3161 nonces are "large random numbers"; we cap them at 256 bits (hostile input bound). */
export const MAX_NONCE_BITS = 256;

/** MessageImprint (RFC 3161 §2.4.1): the hash algorithm and the hashed message. */
export interface MessageImprint {
  /** The hash algorithm. */
  hashAlgorithm: HashAlgorithm;
  /** The hash of the time-stamped data. */
  hashedMessage: Uint8Array;
  /** DER of the MessageImprint (compared byte-wise between request and TSTInfo). */
  der: Uint8Array;
}

/** Encodes a MessageImprint; the hash length must fit the algorithm (INVALID_ARGUMENT). */
export function encodeMessageImprint(hash: HashAlgorithm, hashedMessage: Uint8Array): Uint8Array {
  if (hashedMessage.length !== hashLength(hash)) {
    throw new KysoError('INVALID_ARGUMENT', `hashedMessage must be ${hashLength(hash)} bytes for ${hash}`);
  }
  // OpenSSL and most TSAs write NULL parameters for the hash; both forms parse.
  return seq(hashAlgorithmIdentifier(hash, { nullParams: true }), octetString(hashedMessage));
}

/** Parses a MessageImprint; an unsupported hash is UNSUPPORTED_ALGORITHM, a wrong length ASN1_SCHEMA. */
export function parseMessageImprint(el: DerElement): MessageImprint {
  if (el.tag !== Tag.SEQUENCE) throw schemaError('MessageImprint must be a SEQUENCE');
  const r = new DerReader(el.value, el.offset + el.raw.length - el.value.length);
  const hashAlgorithm = parseHashAlgorithmIdentifier(r.read(Tag.SEQUENCE));
  const hashedMessage = r.readOctetString();
  r.finish('unexpected data in MessageImprint');
  if (hashedMessage.length !== hashLength(hashAlgorithm)) {
    throw schemaError(`hashedMessage length ${hashedMessage.length} does not fit ${hashAlgorithm}`);
  }
  return { hashAlgorithm, hashedMessage, der: el.raw };
}

/** Reads a TSP nonce INTEGER, bounded in size (INPUT_TOO_LARGE). */
export function readNonce(r: DerReader): bigint {
  const el = r.read(Tag.INTEGER);
  if (el.value.length * 8 > MAX_NONCE_BITS + 8) throw new KysoError('INPUT_TOO_LARGE', 'nonce too large');
  return new DerReader(el.raw).readInteger();
}

/** A TimeStampReq (RFC 3161 §2.4.1) as parsed. */
export interface TimeStampReq {
  /** The whole request, DER. */
  der: Uint8Array;
  /** Always 1. */
  version: number;
  /** Hash algorithm and hash of the data to time-stamp. */
  messageImprint: MessageImprint;
  /** The TSA policy OID asked for, if any. */
  reqPolicy?: string;
  /** The nonce the TSA must echo (RFC 3161 §2.4.1), if any. */
  nonce?: bigint;
  /** Whether the TSA must include its certificate in the token. */
  certReq: boolean;
  /** Request extensions. */
  extensions: Extension[];
}

/** Parses a DER TimeStampReq strictly (certReq FALSE must be omitted: DER DEFAULT rule). */
export function parseTimeStampReq(der: Uint8Array): TimeStampReq {
  if (der.length > MAX_TSP_REQUEST_SIZE) throw new KysoError('INPUT_TOO_LARGE', 'TimeStampReq too large');
  const top = new DerReader(der);
  const r = top.enter(Tag.SEQUENCE);
  top.finish('trailing data after TimeStampReq');
  const version = r.readSmallInteger();
  const messageImprint = parseMessageImprint(r.read(Tag.SEQUENCE));
  const out: TimeStampReq = { der, version, messageImprint, certReq: false, extensions: [] };
  if (r.peekTag() === Tag.OID) out.reqPolicy = r.readOid();
  if (r.peekTag() === Tag.INTEGER) out.nonce = readNonce(r);
  if (r.peekTag() === Tag.BOOLEAN) {
    out.certReq = r.readBoolean();
    if (!out.certReq) throw new KysoError('DER_MALFORMED', 'certReq FALSE must be omitted in DER (DEFAULT)');
  }
  const ex = r.readOptional(ctxTag(0, true));
  if (ex) {
    out.extensions = parseExtensionList(new DerReader(ex.value, ex.offset + ex.raw.length - ex.value.length));
    if (out.extensions.length === 0) throw schemaError('empty TimeStampReq extensions');
  }
  r.finish('unexpected data in TimeStampReq');
  return out;
}

/** Options of buildTimeStampReq: the data or its digest, hash algorithm, policy, nonce, certReq. */
export interface TimeStampReqOptions {
  /** The data to time-stamp (hashed here), or give `digest`. */
  data?: Uint8Array;
  /** A precomputed hash of the data. */
  digest?: Uint8Array;
  /** Default SHA-256. */
  hashAlgorithm?: HashAlgorithm;
  /** The TSA policy to ask for (reqPolicy OID), if any. */
  reqPolicy?: string;
  /** A nonce: a bigint, or true for a random 64-bit one (what OpenSSL sends). */
  nonce?: bigint | boolean;
  /** Ask the TSA to include its certificate (RFC 3161 §2.4.1). */
  certReq?: boolean;
  /** Request extensions to add. */
  extensions?: Extension[];
}

/** Builds a DER TimeStampReq; returns it with the nonce used. */
export async function buildTimeStampReq(
  opts: TimeStampReqOptions,
): Promise<{ der: Uint8Array; nonce?: bigint }> {
  const hash = opts.hashAlgorithm ?? 'SHA-256';
  if ((opts.data === undefined) === (opts.digest === undefined)) {
    throw new KysoError('INVALID_ARGUMENT', 'give exactly one of data or digest');
  }
  const hashed = opts.digest ?? (await digest(hash, opts.data!));
  let nonce: bigint | undefined;
  if (opts.nonce === true) {
    let n = 0n;
    for (const b of randomBytes(8)) n = (n << 8n) | BigInt(b);
    nonce = n;
  } else if (typeof opts.nonce === 'bigint') nonce = opts.nonce;
  if (nonce !== undefined && nonce < 0n)
    throw new KysoError('INVALID_ARGUMENT', 'nonce must be non-negative');
  const der = seq(
    integer(1),
    encodeMessageImprint(hash, hashed),
    opts.reqPolicy !== undefined && oid(opts.reqPolicy),
    nonce !== undefined && integer(nonce),
    opts.certReq === true && bool(true),
    opts.extensions &&
      opts.extensions.length > 0 &&
      implicit(0, seq(...opts.extensions.map(encodeExtension))),
  );
  return nonce !== undefined ? { der, nonce } : { der };
}
