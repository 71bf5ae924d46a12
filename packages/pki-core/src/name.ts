/**
 * X.501 distinguished names: build, parse (DER, RFC 4514, OpenSSL "/A=b/C=d"), print (RFC 4514) and
 * compare (RFC 5280 §7.1 with RFC 4518 string preparation).
 *
 * Vietnamese CAs put identifiers in UID (0.9.2342.19200300.100.1.1) as `PREFIX:value`
 * (CCCD, CMND, HC, MST, MNS; several per name) and a competent person's title in T (2.5.4.12).
 */
import { bytesEqual, fromHex, toHex, utf8Encode } from './bytes.js';
import {
  compareBytes,
  type DerElement,
  DerReader,
  decodeString,
  ia5String,
  oid,
  printableString,
  seq,
  setOf,
  Tag,
  tlv,
  utf8String,
} from './der.js';
import { KysoError } from './errors.js';
import { OID } from './oids.js';

/**
 * One attribute of a distinguished name (X.501 AttributeTypeAndValue, RFC 5280 §4.1.2.4), e.g.
 * CN=Nguyễn Văn An or UID=CCCD:079012345678.
 */
export interface AttributeTypeAndValue {
  /** Attribute type OID. */
  type: string;
  /** Decoded string value (for non-string values: '#' + hex of the DER value, as RFC 4514 prints it). */
  value: string;
  /** ASN.1 tag of the value (UTF8String, PrintableString, ...). */
  tag: number;
  /** The value's full DER encoding. */
  raw: Uint8Array;
}

/**
 * One RDN: usually one attribute; several when joined with `+` (multi-valued RDN, kept in DER SET
 * order).
 */
export type RelativeDistinguishedName = readonly AttributeTypeAndValue[];

/** Short names for printing and parsing. `T`, `E`, `UID` follow Vietnamese CA usage. */
const SHORT_NAMES: [string, string][] = [
  ['CN', OID.commonName],
  ['SN', OID.surname],
  ['SERIALNUMBER', OID.serialNumber],
  ['C', OID.countryName],
  ['L', OID.localityName],
  ['ST', OID.stateOrProvinceName],
  ['STREET', OID.streetAddress],
  ['O', OID.organizationName],
  ['OU', OID.organizationalUnitName],
  ['T', OID.title],
  ['POSTALCODE', OID.postalCode],
  ['GN', OID.givenName],
  ['INITIALS', OID.initials],
  ['GENERATIONQUALIFIER', OID.generationQualifier],
  ['DNQUALIFIER', OID.dnQualifier],
  ['PSEUDONYM', OID.pseudonym],
  ['ORGANIZATIONIDENTIFIER', OID.organizationIdentifier],
  ['E', OID.emailAddress],
  ['UID', OID.userId],
  ['DC', OID.domainComponent],
];
const BY_SHORT = new Map<string, string>([
  ...SHORT_NAMES,
  ['S', OID.stateOrProvinceName],
  ['TITLE', OID.title],
  ['EMAIL', OID.emailAddress],
  ['EMAILADDRESS', OID.emailAddress],
  ['SURNAME', OID.surname],
  ['GIVENNAME', OID.givenName],
  ['USERID', OID.userId],
]);
const SHORT_BY_OID = new Map<string, string>(SHORT_NAMES.map(([s, o]) => [o, s]));

/**
 * The short name of an attribute type OID as `Name.toString` prints it (`CN`, `O`, `UID`, `T`, `E`...),
 * or the dotted OID itself when there is none.
 */
export function attributeShortName(type: string): string {
  return SHORT_BY_OID.get(type) ?? type;
}

/** Prefixes Vietnamese CAs use inside UID values. */
export const VN_UID_PREFIXES = ['CCCD', 'CMND', 'HC', 'MST', 'MNS'] as const;
/**
 * A Vietnamese identifier prefix in UID values: CCCD (citizen identity card), CMND (old identity card),
 * HC (passport), MST (tax code), MNS (budget-relations unit code).
 */
export type VnUidPrefix = (typeof VN_UID_PREFIXES)[number];

/** Maximum RDNs / attributes we accept in one name (bounds work on hostile input). */
export const MAX_NAME_ATTRIBUTES = 128;

/**
 * The last names parsed from DER. One issuance parses the same subject three times (the CSR, the
 * lint-before-issue TBS, the signed certificate) and the issuer name is the same for every
 * certificate a CA issues; a hit is a byte comparison instead of a parse. Names are immutable
 * (their DER is a private copy), so sharing one is safe. Bounded.
 */
const NAME_CACHE_SIZE = 16;
const NAME_CACHE: { der: Uint8Array; name: Name }[] = [];

/** Encodes an attribute value with the string type RFC 5280 and common practice expect. */
export function encodeAttributeValue(type: string, value: string): Uint8Array {
  // DirectoryString and the IA5String attributes are SIZE (1..MAX).
  if (value === '') throw new KysoError('NAME_INVALID', `empty value for ${attributeShortName(type)}`);
  // A lone surrogate cannot be encoded in UTF-8 (TextEncoder would silently write U+FFFD).
  if (/\p{Cs}/u.test(value))
    throw new KysoError('NAME_INVALID', `unpaired surrogate in ${attributeShortName(type)}`);
  switch (type) {
    case OID.countryName:
      if (!/^[A-Z]{2}$/.test(value))
        throw new KysoError('NAME_INVALID', `country must be two letters: ${value}`);
      return printableString(value);
    case OID.serialNumber:
    case OID.dnQualifier:
      return /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(value) ? printableString(value) : utf8String(value);
    case OID.emailAddress:
    case OID.domainComponent:
      if (/[^\x00-\x7f]/.test(value)) {
        throw new KysoError(
          'NAME_INVALID',
          `${attributeShortName(type)} must be ASCII (IA5String): ${value}`,
        );
      }
      return ia5String(value);
    default:
      return utf8String(value);
  }
}

function attr(type: string, value: string): AttributeTypeAndValue {
  const raw = encodeAttributeValue(type, value);
  return { type, value, tag: raw[0]!, raw };
}

/**
 * A name as callers may give it: a `Name`, a string (RFC 4514 or OpenSSL `/C=VN/CN=…`, see
 * `Name.parse`), or [type, value] pairs most significant first (see `Name.fromAttributes`).
 */
export type NameInput = Name | string | readonly (readonly [string, string])[];

/**
 * An X.501 distinguished name (RFC 5280 §4.1.2.4): an immutable sequence of RDNs, most significant
 * first (DER order). Parse with `Name.fromDer` / `Name.parse`, build with `Name.fromAttributes` or
 * the Vietnamese helpers (`citizenSubject`, `officialSubject`, `organizationSubject`), compare with
 * `equals` (RFC 5280 §7.1, RFC 4518 string preparation).
 *
 * Parsing throws KysoError `DER_MALFORMED` / `ASN1_SCHEMA` for bad DER, `INPUT_TOO_LARGE` beyond
 * `MAX_NAME_ATTRIBUTES`; building throws `NAME_INVALID` for an empty value, a bad country code or a
 * value its string type cannot hold.
 */
export class Name {
  /** The RDNs, most significant first. */
  readonly rdns: readonly RelativeDistinguishedName[];
  #der: Uint8Array | undefined;
  #key: string | undefined;

  constructor(rdns: readonly RelativeDistinguishedName[], der?: Uint8Array) {
    // Members of a multi-valued RDN are kept in DER order (sorted by encoding), so printing is
    // the same before and after a DER round trip.
    this.rdns = rdns.map((rdn) => (rdn.length > 1 ? [...rdn].sort(compareAtv) : rdn));
    this.#der = der;
  }

  /** Parses a DER Name (RDNSequence). Strict DER; bounded. */
  static fromDer(input: Uint8Array | DerElement): Name {
    const el = input instanceof Uint8Array ? DerReader.single(input) : input;
    if (el.tag !== Tag.SEQUENCE) throw new KysoError('ASN1_SCHEMA', 'Name must be a SEQUENCE');
    for (const e of NAME_CACHE) if (bytesEqual(e.der, el.raw)) return e.name;
    // Parsed from a private copy, so the (cached, shared) Name never changes with the caller's buffer.
    const raw = el.raw.slice();
    const head = el.raw.length - el.value.length;
    const r = new DerReader(raw.subarray(head), el.offset + head);
    const rdns: AttributeTypeAndValue[][] = [];
    let count = 0;
    while (!r.done) {
      const set = r.enter(Tag.SET);
      const rdn: AttributeTypeAndValue[] = [];
      let prev: Uint8Array | undefined;
      while (!set.done) {
        if (++count > MAX_NAME_ATTRIBUTES) throw new KysoError('INPUT_TOO_LARGE', 'too many name attributes');
        const atvEl = set.read(Tag.SEQUENCE);
        // DER (X.690 §11.6): SET OF components in ascending order of their encodings.
        if (prev && compareBytes(prev, atvEl.raw) > 0) {
          throw new KysoError('DER_MALFORMED', `multi-valued RDN not in DER order at offset ${atvEl.offset}`);
        }
        prev = atvEl.raw;
        const atv = new DerReader(atvEl.value, atvEl.offset + atvEl.raw.length - atvEl.value.length);
        const type = atv.readOid();
        const v = atv.read();
        atv.finish();
        let value: string;
        if (isStringTag(v.tag)) value = decodeString(v);
        else value = `#${toHex(v.raw)}`;
        rdn.push({ type, value, tag: v.tag, raw: v.raw });
      }
      if (rdn.length === 0) throw new KysoError('ASN1_SCHEMA', 'empty RelativeDistinguishedName');
      rdns.push(rdn);
    }
    const name = new Name(rdns, raw);
    if (NAME_CACHE.length >= NAME_CACHE_SIZE) NAME_CACHE.shift();
    NAME_CACHE.push({ der: raw, name });
    return name;
  }

  /**
   * Parses a string: RFC 4514 (`CN=An,O=Bộ Y tế,C=VN`, most significant RDN last) or the OpenSSL
   * form (`/C=VN/O=Bộ Y tế/CN=An`, most significant first). `+` joins multi-valued RDNs.
   */
  static parse(text: string): Name {
    const s = trimUnescaped(text);
    if (s === '' || s === '/') return new Name([]);
    if (s.startsWith('/')) return new Name(splitUnescaped(s.slice(1), '/').map(parseRdn));
    return new Name(splitUnescaped(s, ',').map(parseRdn).reverse());
  }

  /** Builds from [type, value] pairs in DER order (most significant first); types are short names or OIDs. */
  static fromAttributes(pairs: readonly (readonly [string, string])[]): Name {
    return new Name(pairs.map(([t, v]) => [attr(resolveType(t), v)]));
  }

  /** `input` as a Name: a Name is returned as is, a string is parsed, pairs are built. */
  static from(input: NameInput): Name {
    if (input instanceof Name) return input;
    if (typeof input === 'string') return Name.parse(input);
    return Name.fromAttributes(input);
  }

  /** The DER encoding (the parsed bytes when parsed from DER, so a name is re-emitted byte-identical). */
  get der(): Uint8Array {
    if (!this.#der) {
      this.#der = seq(...this.rdns.map((rdn) => setOf(...rdn.map((a) => seq(oid(a.type), a.raw)))));
    }
    return this.#der;
  }

  /**
   * True for the empty name (no RDN), allowed as a subject only with a subjectAltName (RFC 5280 §4.1.2.6).
   */
  get isEmpty(): boolean {
    return this.rdns.length === 0;
  }

  /** All attributes in DER order. */
  get attributes(): AttributeTypeAndValue[] {
    return this.rdns.flat();
  }

  /** Values of one attribute type (short name or OID), in DER order. */
  get(type: string): string[] {
    const t = resolveType(type);
    return this.attributes.filter((a) => a.type === t).map((a) => a.value);
  }

  /** The first CN (2.5.4.3) value, if any. */
  get commonName(): string | undefined {
    return this.get(OID.commonName)[0];
  }

  /** Vietnamese identifiers from UID values: [{prefix:'CCCD', value:'0790...'}, ...]. */
  get vnIdentifiers(): { prefix: string; value: string }[] {
    return this.get(OID.userId).map((v) => {
      const m = /^([A-Z]+):(.*)$/.exec(v);
      return m ? { prefix: m[1]!, value: m[2]! } : { prefix: '', value: v };
    });
  }

  /** RFC 4514 string (most significant RDN last), with short names UID, T, E for Vietnamese usage. */
  toString(): string {
    return [...this.rdns]
      .reverse()
      .map((rdn) => rdn.map((a) => `${attributeShortName(a.type)}=${escapeValue(a)}`).join('+'))
      .join(',');
  }

  /** OpenSSL-style one-line form, most significant first: `/C=VN/O=.../CN=...`. */
  toSlashString(): string {
    return this.rdns
      .map((rdn) => `/${rdn.map((a) => `${attributeShortName(a.type)}=${escapeValue(a, '/+\\')}`).join('+')}`)
      .join('');
  }

  /** Canonical comparison key (RFC 5280 §7.1 / RFC 4518 caseIgnoreMatch, multi-valued RDNs unordered). */
  get comparisonKey(): string {
    if (this.#key === undefined) {
      this.#key = this.rdns
        .map((rdn) =>
          rdn
            .map(
              (a) =>
                `${a.type}=${isStringTag(a.tag) ? JSON.stringify(prepareString(a.value)) : toHex(a.raw)}`,
            )
            .sort()
            .join('+'),
        )
        .join(',');
    }
    return this.#key;
  }

  /** RFC 5280 §7.1 name matching. */
  equals(other: Name): boolean {
    return this.rdns.length === other.rdns.length && this.comparisonKey === other.comparisonKey;
  }

  /** True if `this` is within the subtree rooted at `base` (its RDNs start with base's RDNs). */
  isWithin(base: Name): boolean {
    if (base.rdns.length > this.rdns.length) return false;
    return new Name(this.rdns.slice(0, base.rdns.length)).comparisonKey === base.comparisonKey;
  }

  /** The RFC 4514 string (`toString`), so names serialise readably. */
  toJSON(): string {
    return this.toString();
  }
}

function compareAtv(a: AttributeTypeAndValue, b: AttributeTypeAndValue): number {
  return compareBytes(seq(oid(a.type), a.raw), seq(oid(b.type), b.raw));
}

function isStringTag(tag: number): boolean {
  return (
    tag === Tag.UTF8_STRING ||
    tag === Tag.PRINTABLE_STRING ||
    tag === Tag.IA5_STRING ||
    tag === Tag.T61_STRING ||
    tag === Tag.BMP_STRING ||
    tag === Tag.UNIVERSAL_STRING ||
    tag === Tag.NUMERIC_STRING ||
    tag === Tag.VISIBLE_STRING
  );
}

/**
 * RFC 4518 string preparation, approximated as implementations do: NFKC, case fold, remove
 * control characters, collapse insignificant whitespace.
 */
export function prepareString(s: string): string {
  return s
    .normalize('NFKC')
    .replace(/[\u0000-\u0008\u000e-\u001f\u007f-\u009f\u00ad\u200b-\u200d\ufeff]/g, '')
    .replace(/[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g, ' ')
    .trim()
    .toLowerCase()
    .normalize('NFKC');
}

function resolveType(t: string): string {
  const up = t.trim().toUpperCase();
  const known = BY_SHORT.get(up);
  if (known) return known;
  const o = up.startsWith('OID.') ? up.slice(4) : up;
  if (/^[0-2](\.\d+)+$/.test(o)) return o;
  throw new KysoError('NAME_INVALID', `unknown attribute type ${JSON.stringify(t)}`);
}

/**
 * Whitespace trimmed around names and values: ASCII only, so values that start or end with other
 * spaces (U+00A0...), which the printer does not escape, survive a print/parse round trip.
 */
const TRIMMED = new Set([' ', '\t', '\r', '\n']);

/** Trims whitespace, keeping a trailing space that is escaped (`CN=a\\ `). */
function trimUnescaped(s: string): string {
  let start = 0;
  while (start < s.length && TRIMMED.has(s[start]!)) start++;
  let end = s.length;
  while (end > start && TRIMMED.has(s[end - 1]!)) end--;
  if (end < s.length) {
    let backslashes = 0;
    while (end - 1 - backslashes >= start && s[end - 1 - backslashes] === '\\') backslashes++;
    if (backslashes % 2 === 1) end++;
  }
  return s.slice(start, end);
}

/** Splits on `sep` where not escaped with a backslash. */
function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      if (i + 1 >= s.length) throw new KysoError('NAME_INVALID', 'dangling escape in name');
      cur += c + s[i + 1]!;
      i++;
    } else if (c === sep) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  if (out.length > MAX_NAME_ATTRIBUTES) throw new KysoError('INPUT_TOO_LARGE', 'too many name attributes');
  return out;
}

function parseRdn(part: string): AttributeTypeAndValue[] {
  return splitUnescaped(part, '+').map((atv) => {
    const eq = atv.indexOf('=');
    if (eq <= 0) throw new KysoError('NAME_INVALID', `expected TYPE=value in ${JSON.stringify(atv)}`);
    const type = resolveType(atv.slice(0, eq));
    const rawValue = trimUnescaped(atv.slice(eq + 1));
    if (rawValue.startsWith('#')) {
      // RFC 4514 hexstring: the DER encoding of the value.
      let der: Uint8Array;
      try {
        der = fromHex(rawValue.slice(1));
      } catch {
        throw new KysoError('NAME_INVALID', `bad hex value in ${JSON.stringify(atv)}`);
      }
      const el = DerReader.single(der, der[0]);
      return {
        type,
        value: isStringTag(el.tag) ? decodeString(el) : `#${toHex(el.raw)}`,
        tag: el.tag,
        raw: el.raw,
      };
    }
    const value = unescapeValue(rawValue);
    if (value === '') throw new KysoError('NAME_INVALID', `empty value for ${atv.slice(0, eq)}`);
    return attr(type, value);
  });
}

function unescapeValue(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      const n = s.slice(i + 1, i + 3);
      if (/^[0-9a-fA-F]{2}$/.test(n)) {
        bytes.push(Number.parseInt(n, 16));
        i += 2;
      } else {
        const next = s[i + 1];
        if (next === undefined) throw new KysoError('NAME_INVALID', 'dangling escape');
        bytes.push(...utf8Encode(next));
        i++;
      }
    } else {
      const cp = s.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      bytes.push(...utf8Encode(ch));
      i += ch.length - 1;
    }
  }
  try {
    // ignoreBOM: a leading U+FEFF is data, not a byte-order mark to strip.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Uint8Array.from(bytes));
  } catch {
    throw new KysoError('NAME_INVALID', 'escaped bytes are not UTF-8');
  }
}

/**
 * Escapes a value for printing: `specials` anywhere, control characters as `\\XX`, a leading `#`
 * or space and a trailing space (RFC 4514 §2.4; the slash form uses the same rules with `/+\\`).
 */
function escapeValue(a: AttributeTypeAndValue, specials = ',+"\\<>;='): string {
  if (!isStringTag(a.tag)) return a.value; // already '#hex'
  const chars = Array.from(a.value);
  return chars
    .map((c, i) => {
      if (specials.includes(c)) return `\\${c}`;
      if (c < ' ' || c === '\u007f') return `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
      if (i === 0 && (c === '#' || c === ' ')) return `\\${c}`;
      if (i === chars.length - 1 && c === ' ') return '\\ ';
      return c;
    })
    .join('');
}

// ------------------------------------------------------------------------------------------------
// Vietnamese subject helpers
// ------------------------------------------------------------------------------------------------

/** The address part of a Vietnamese subject name: C, ST, L. */
export interface VnAddress {
  /** Locality (L): district / ward. */
  locality?: string;
  /** Province or city (ST). */
  province?: string;
  /** Country (C), default VN. */
  country?: string;
}

/**
 * A citizen's subject (`citizenSubject`): name, address and identifiers as Vietnamese public CAs
 * write them (UID=CCCD:…, UID=CMND:…, UID=HC:…).
 */
export interface CitizenSubjectInput extends VnAddress {
  /** Full name, e.g. "Nguyễn Văn An". */
  name: string;
  /** Citizen identity card number (CCCD, 12 digits). */
  cccd?: string;
  /** Old identity card number (CMND, 9 or 12 digits). */
  cmnd?: string;
  /** Passport number (HC). */
  passport?: string;
  /**
   * E-mail address (E, emailAddress 1.2.840.113549.1.9.1; deprecated by RFC 5280 in favour of the
   * subjectAltName, still written by Vietnamese CAs).
   */
  email?: string;
}

function uid(prefix: VnUidPrefix, value: string): [string, string] {
  if (!/^[0-9A-Za-z-]{1,32}$/.test(value)) throw new KysoError('NAME_INVALID', `invalid ${prefix} number`);
  return ['UID', `${prefix}:${value}`];
}

function addressPairs(a: VnAddress): [string, string][] {
  const out: [string, string][] = [['C', a.country ?? 'VN']];
  if (a.province) out.push(['ST', a.province]);
  if (a.locality) out.push(['L', a.locality]);
  return out;
}

function checkPersonIds(i: CitizenSubjectInput): void {
  if (i.cccd && !/^\d{12}$/.test(i.cccd)) throw new KysoError('NAME_INVALID', 'CCCD must be 12 digits');
  if (i.cmnd && !/^(\d{9}|\d{12})$/.test(i.cmnd)) {
    throw new KysoError('NAME_INVALID', 'CMND must be 9 or 12 digits');
  }
}

/** A citizen: C, ST, L, CN, UID=CCCD:..., E. */
export function citizenSubject(i: CitizenSubjectInput): Name {
  checkPersonIds(i);
  const pairs = addressPairs(i);
  pairs.push(['CN', i.name]);
  if (i.cccd) pairs.push(uid('CCCD', i.cccd));
  if (i.cmnd) pairs.push(uid('CMND', i.cmnd));
  if (i.passport) pairs.push(uid('HC', i.passport));
  if (i.email) pairs.push(['E', i.email]);
  return Name.fromAttributes(pairs);
}

/**
 * A competent person's subject (`officialSubject`): a citizen's plus the agency (O, OU) and the title
 * (T), which Decree 23/2025/NĐ-CP Art. 13 requires in the certificate of a competent person.
 */
export interface OfficialSubjectInput extends CitizenSubjectInput {
  /** Title (chức danh), required by Decree 23/2025 Art. 13 for a competent person. */
  title: string;
  /** Agency (O). */
  organization: string;
  /** Unit within the agency (OU). */
  unit?: string;
}

/** A competent person (official): C, ST, L, O, OU, T, CN, UID=CCCD:..., E. */
export function officialSubject(i: OfficialSubjectInput): Name {
  if (!i.title.trim()) throw new KysoError('NAME_INVALID', 'an official subject needs a title');
  checkPersonIds(i);
  const pairs = addressPairs(i);
  pairs.push(['O', i.organization]);
  if (i.unit) pairs.push(['OU', i.unit]);
  pairs.push(['T', i.title], ['CN', i.name]);
  if (i.cccd) pairs.push(uid('CCCD', i.cccd));
  if (i.cmnd) pairs.push(uid('CMND', i.cmnd));
  if (i.passport) pairs.push(uid('HC', i.passport));
  if (i.email) pairs.push(['E', i.email]);
  return Name.fromAttributes(pairs);
}

/**
 * An agency's or company's subject (`organizationSubject`), for the seal certificate of Decree
 * 30/2020 box 8 and e-invoices: name, parent organisation and UID=MST:… / UID=MNS:… identifiers.
 */
export interface OrganizationSubjectInput extends VnAddress {
  /** Agency or company name (CN), e.g. "Sở Y tế". */
  name: string;
  /** Parent organisation (O), e.g. "Ủy ban nhân dân thành phố Đà Nẵng". */
  organization?: string;
  /** Unit (OU). */
  unit?: string;
  /** Tax code (MST), e.g. "0100686209" or branch "0100686209-199". */
  taxCode?: string;
  /** Budget-relations unit code (MNS). */
  budgetCode?: string;
  /** E-mail address (E). */
  email?: string;
}

/** An organisation / agency seal: C, ST, L, O, OU, CN, UID=MST:..., UID=MNS:..., E. */
export function organizationSubject(i: OrganizationSubjectInput): Name {
  if (i.taxCode && !/^\d{10}(-\d{3})?$/.test(i.taxCode)) {
    throw new KysoError('NAME_INVALID', 'MST must be 10 digits, optionally -NNN');
  }
  const pairs = addressPairs(i);
  if (i.organization) pairs.push(['O', i.organization]);
  if (i.unit) pairs.push(['OU', i.unit]);
  pairs.push(['CN', i.name]);
  if (i.taxCode) pairs.push(uid('MST', i.taxCode));
  if (i.budgetCode) pairs.push(uid('MNS', i.budgetCode));
  if (i.email) pairs.push(['E', i.email]);
  return Name.fromAttributes(pairs);
}

/** Encodes a raw value with an explicit tag (for tests and unusual attributes). */
export function rawAttributeValue(tag: number, value: Uint8Array): Uint8Array {
  return tlv(tag, value);
}
