/** GeneralName (RFC 5280 §4.2.1.6): parse, encode, print. */
import { toHex, utf8Decode } from '../bytes.js';
import { type DerElement, DerReader, ctxTag, ia5String, implicit, oid, tlv, decodeOid } from '../der.js';
import { KysoError } from '../errors.js';
import { Name } from '../name.js';

/** A GeneralName (RFC 5280 §4.2.1.6), one variant per CHOICE. */
export type GeneralName =
  | { type: 'otherName'; typeId: string; value: Uint8Array }
  | { type: 'email'; value: string }
  | { type: 'dns'; value: string }
  | { type: 'x400Address'; raw: Uint8Array }
  | { type: 'directoryName'; value: Name }
  | { type: 'ediPartyName'; raw: Uint8Array }
  | { type: 'uri'; value: string }
  /** 4 or 16 bytes for an address; 8 or 32 (address + mask) inside name constraints. */
  | { type: 'ip'; value: Uint8Array }
  | { type: 'registeredId'; value: string };

/**
 * Maximum names in one GeneralNames (bounds parsing; real certificates carry a handful, some
 * multi-domain ones a few hundred). Name-constraint work is bounded separately (path/budget.ts).
 */
export const MAX_GENERAL_NAMES = 4096;

function ia5(el: DerElement): string {
  for (const b of el.value)
    if (b > 0x7f) throw new KysoError('CERT_INVALID', 'non-ASCII byte in IA5String name');
  return utf8Decode(el.value);
}

/** Parses one GeneralName element (context-tagged CHOICE); strict, KysoError on malformed input. */
export function parseGeneralName(el: DerElement): GeneralName {
  const n = el.tag & 0x1f;
  const cls = el.tag & 0xc0;
  if (cls !== 0x80) throw new KysoError('ASN1_SCHEMA', 'GeneralName must be context-tagged');
  const constructed = (el.tag & 0x20) !== 0;
  const expectConstructed = n === 0 || n === 3 || n === 4 || n === 5;
  if (constructed !== expectConstructed)
    throw new KysoError('ASN1_SCHEMA', `GeneralName [${n}] has wrong form`);
  const inner = () => new DerReader(el.value, el.offset + el.raw.length - el.value.length);
  switch (n) {
    case 0: {
      const r = inner();
      const typeId = r.readOid();
      const v = r.read(ctxTag(0, true));
      r.finish();
      return { type: 'otherName', typeId, value: v.value };
    }
    case 1:
      return { type: 'email', value: ia5(el) };
    case 2:
      return { type: 'dns', value: ia5(el) };
    case 3:
      return { type: 'x400Address', raw: el.raw };
    case 4: {
      const r = inner();
      const name = Name.fromDer(r.read());
      r.finish();
      return { type: 'directoryName', value: name };
    }
    case 5:
      return { type: 'ediPartyName', raw: el.raw };
    case 6:
      return { type: 'uri', value: ia5(el) };
    case 7:
      if (![4, 8, 16, 32].includes(el.value.length))
        throw new KysoError('CERT_INVALID', 'bad iPAddress length');
      return { type: 'ip', value: el.value };
    case 8:
      return { type: 'registeredId', value: decodeOid({ ...el, tag: 0x06 }) };
    default:
      throw new KysoError('ASN1_SCHEMA', `unknown GeneralName tag [${n}]`);
  }
}

/** Parses GeneralNames (SEQUENCE SIZE (1..MAX) OF GeneralName) from a reader positioned on it. */
export function parseGeneralNames(r: DerReader, allowEmpty = false): GeneralName[] {
  const out: GeneralName[] = [];
  while (!r.done) {
    if (out.length >= MAX_GENERAL_NAMES) throw new KysoError('INPUT_TOO_LARGE', 'too many GeneralNames');
    out.push(parseGeneralName(r.read()));
  }
  if (!allowEmpty && out.length === 0) throw new KysoError('CERT_INVALID', 'empty GeneralNames');
  return out;
}

/** Encodes one GeneralName (DER, context-tagged). */
export function encodeGeneralName(g: GeneralName): Uint8Array {
  switch (g.type) {
    case 'otherName':
      return tlv(ctxTag(0, true), new Uint8Array([...oid(g.typeId), ...tlv(ctxTag(0, true), g.value)]));
    case 'email':
      return implicit(1, ia5String(g.value));
    case 'dns':
      return implicit(2, ia5String(g.value));
    case 'directoryName':
      return tlv(ctxTag(4, true), g.value.der);
    case 'uri':
      return implicit(6, ia5String(g.value));
    case 'ip':
      return tlv(ctxTag(7, false), g.value);
    case 'registeredId':
      return implicit(8, oid(g.value));
    case 'x400Address':
    case 'ediPartyName':
      return g.raw;
  }
}

/**
 * Formats an iPAddress value: IPv4 dotted, IPv6 hex groups, and address/mask for name-constraint values.
 */
export function formatIp(b: Uint8Array): string {
  const fmt = (a: Uint8Array) =>
    a.length === 4
      ? Array.from(a).join('.')
      : Array.from({ length: 8 }, (_, i) => ((a[2 * i]! << 8) | a[2 * i + 1]!).toString(16)).join(':');
  if (b.length === 8 || b.length === 32) {
    const h = b.length / 2;
    return `${fmt(b.subarray(0, h))}/${fmt(b.subarray(h))}`;
  }
  return fmt(b);
}

/** Parses "192.0.2.1", "2001:db8::1" (and with "/mask" in CIDR or address form for constraints). */
export function parseIp(s: string): Uint8Array {
  const parts = s.split('/');
  if (parts.length > 2) throw new KysoError('INVALID_ARGUMENT', `bad IP address ${s}`);
  const [addr, mask] = parts;
  const a = parseIpAddress(addr!);
  if (mask === undefined) return a;
  const m = /^\d{1,3}$/.test(mask) ? prefixMask(Number(mask), a.length) : parseIpAddress(mask);
  if (m.length !== a.length) throw new KysoError('INVALID_ARGUMENT', `bad IP mask in ${s}`);
  return new Uint8Array([...a, ...m]);
}

function prefixMask(bits: number, len: number): Uint8Array {
  if (bits > len * 8) throw new KysoError('INVALID_ARGUMENT', 'bad prefix length');
  const m = new Uint8Array(len);
  for (let i = 0; i < bits; i++) m[i >> 3]! |= 0x80 >> (i & 7);
  return m;
}

function parseIpAddress(s: string): Uint8Array {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) {
    const p = v4.slice(1).map(Number);
    if (p.some((x) => x > 255)) throw new KysoError('INVALID_ARGUMENT', `bad IPv4 address ${s}`);
    return Uint8Array.from(p);
  }
  if (/^[0-9a-fA-F:]+$/.test(s) && s.includes(':')) {
    const halves = s.split('::');
    if (halves.length > 2) throw new KysoError('INVALID_ARGUMENT', `bad IPv6 address ${s}`);
    const h = halves[0] ? halves[0].split(':') : [];
    const t = halves[1] ? halves[1].split(':') : [];
    let groups: string[];
    if (halves.length === 2) {
      // "::" stands for one or more zero groups.
      if (h.length + t.length > 7) throw new KysoError('INVALID_ARGUMENT', `bad IPv6 address ${s}`);
      groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
    } else {
      groups = h;
    }
    if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) {
      throw new KysoError('INVALID_ARGUMENT', `bad IPv6 address ${s}`);
    }
    const out = new Uint8Array(16);
    groups.forEach((g, i) => {
      const v = Number.parseInt(g, 16);
      out[2 * i] = v >> 8;
      out[2 * i + 1] = v & 255;
    });
    return out;
  }
  throw new KysoError('INVALID_ARGUMENT', `bad IP address ${s}`);
}

/** Formats a GeneralName as text ("DNS:example.vn", "email:...", "IP:..."), as OpenSSL prints them. */
export function formatGeneralName(g: GeneralName): string {
  switch (g.type) {
    case 'email':
      return `email:${g.value}`;
    case 'dns':
      return `DNS:${g.value}`;
    case 'uri':
      return `URI:${g.value}`;
    case 'ip':
      return `IP:${formatIp(g.value)}`;
    case 'directoryName':
      return `DirName:${g.value.toString()}`;
    case 'registeredId':
      return `RID:${g.value}`;
    case 'otherName':
      return `othername:${g.typeId}:${toHex(g.value)}`;
    default:
      return g.type;
  }
}

/** Parses "email:a@b", "DNS:x", "URI:u", "IP:1.2.3.4", "dirName:CN=x" (CLI input). */
export function parseGeneralNameString(s: string): GeneralName {
  const i = s.indexOf(':');
  if (i < 0) throw new KysoError('INVALID_ARGUMENT', `expected TYPE:value, got ${s}`);
  const t = s.slice(0, i).toLowerCase();
  const v = s.slice(i + 1);
  switch (t) {
    case 'email':
      return { type: 'email', value: v };
    case 'dns':
      return { type: 'dns', value: v };
    case 'uri':
      return { type: 'uri', value: v };
    case 'ip':
      return { type: 'ip', value: parseIp(v) };
    case 'dirname':
      return { type: 'directoryName', value: Name.parse(v) };
    case 'rid':
      return { type: 'registeredId', value: v };
    default:
      throw new KysoError('INVALID_ARGUMENT', `unknown GeneralName type ${t}`);
  }
}
