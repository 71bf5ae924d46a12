/**
 * Name constraints (RFC 5280 §4.2.1.10, §6.1.3 (b)(c), §6.1.4 (g)). Instead of computing the
 * intersection of permitted subtrees, each certificate's names are checked against the constraints
 * of every CA above it (equivalent, and what Go and rustls-webpki do). Every comparison is charged
 * to the budget.
 */
import { bytesEqual } from '../bytes.js';
import type { Name } from '../name.js';
import { OID } from '../oids.js';
import type { Certificate } from '../x509/certificate.js';
import type { GeneralSubtree, NameConstraints } from '../x509/extensions.js';
import type { GeneralName } from '../x509/general-name.js';
import { Budget, BudgetExhausted } from './budget.js';

export type NcOutcome = { ok: true } | { ok: false; detail: string };

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/** RFC 1034 preferred name syntax (LDH labels); `allowWildcard` lets the leftmost label be `*`. */
export function isValidDnsName(name: string, allowWildcard: boolean): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  return labels.every(
    (l, i) => (i === 0 && allowWildcard && l === '*' && labels.length > 1) || LABEL.test(l),
  );
}

/** Names of `cert` subject to name constraints: subject DN, SAN entries, emailAddress in DN. */
export function constrainedNames(cert: Certificate): GeneralName[] {
  return namesUnderConstraints(cert.subject, cert.subjectAltName ?? []);
}

/**
 * The names a certificate with this subject and these alternative names is checked by (RFC 5280
 * §6.1.3 (b)(c)): the subject DN unless empty, each emailAddress in it, every SAN entry.
 */
export function namesUnderConstraints(subject: Name, altNames: readonly GeneralName[]): GeneralName[] {
  const out: GeneralName[] = [];
  if (!subject.isEmpty) out.push({ type: 'directoryName', value: subject });
  for (const e of subject.get(OID.emailAddress)) out.push({ type: 'email', value: e });
  out.push(...altNames);
  return out;
}

/**
 * Whether a certificate with `subject` and `altNames` would pass an issuer's name constraints
 * `nc`, exactly as path validation decides it (used at issuance): a description of the first
 * problem, or undefined. An invalid constraint (e.g. a DNS constraint with a leading period, which
 * RFC 5280 §4.2.1.10 does not define: x509-limbo rfc5280::nc::invalid-dnsname-leading-period)
 * fails closed, and so does work beyond the name-constraint budget.
 */
export function nameConstraintViolation(
  subject: Name,
  altNames: readonly GeneralName[],
  nc: NameConstraints,
  budget: Budget = new Budget(),
): string | undefined {
  const problem = nameConstraintsProblem(nc);
  if (problem) return problem;
  try {
    const r = checkNames(namesUnderConstraints(subject, altNames), nc, budget);
    return r.ok ? undefined : r.detail;
  } catch (e) {
    if (e instanceof BudgetExhausted) return 'too many names and subtrees to compare';
    throw e;
  }
}

/** Whether a constraint's base is well-formed for its type; an invalid one fails the path. */
function subtreeProblem(st: GeneralSubtree): string | null {
  if (st.minimum !== 0 || st.maximum !== undefined)
    return 'minimum/maximum must be absent in name constraints';
  const b = st.base;
  switch (b.type) {
    case 'dns':
      if (b.value === '') return null;
      if (!isValidDnsName(b.value, false)) return `invalid DNS name constraint "${b.value}"`;
      return null;
    case 'ip': {
      if (b.value.length !== 8 && b.value.length !== 32) return 'IP name constraint must be address + mask';
      const mask = b.value.subarray(b.value.length / 2);
      let seenZero = false;
      for (const byte of mask) {
        for (let bit = 7; bit >= 0; bit--) {
          const one = (byte >> bit) & 1;
          if (one && seenZero) return 'IP name constraint mask is not contiguous';
          if (!one) seenZero = true;
        }
      }
      return null;
    }
    case 'email': {
      const v = b.value;
      if (v.includes('@')) return v.split('@').length === 2 ? null : `invalid email name constraint "${v}"`;
      const host = v.startsWith('.') ? v.slice(1) : v;
      return isValidDnsName(host, false) ? null : `invalid email name constraint "${v}"`;
    }
    case 'uri': {
      const host = b.value.startsWith('.') ? b.value.slice(1) : b.value;
      return isValidDnsName(host, false) ? null : `invalid URI name constraint "${b.value}"`;
    }
    default:
      return null;
  }
}

/** Problems in a NameConstraints extension itself (checked once per CA certificate). */
export function nameConstraintsProblem(nc: NameConstraints): string | null {
  for (const st of [...(nc.permittedSubtrees ?? []), ...(nc.excludedSubtrees ?? [])]) {
    const p = subtreeProblem(st);
    if (p) return p;
  }
  return null;
}

function dnsWithin(name: string, base: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  const b = base.toLowerCase();
  if (b === '') return true;
  return n === b || n.endsWith(`.${b}`);
}

function emailMatches(name: string, base: string): boolean {
  const at = name.lastIndexOf('@');
  if (at < 0) return false;
  const local = name.slice(0, at);
  const host = name.slice(at + 1).toLowerCase();
  if (base.includes('@')) {
    const bat = base.lastIndexOf('@');
    return local === base.slice(0, bat) && host === base.slice(bat + 1).toLowerCase();
  }
  const b = base.toLowerCase();
  if (b.startsWith('.')) return host.endsWith(b);
  return host === b;
}

function uriHost(uri: string): string | null {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)(?::\d*)?(?:[/?#]|$)/i.exec(uri);
  if (!m || !m[1]) return null;
  return m[1].toLowerCase();
}

function uriMatches(uri: string, base: string): boolean | null {
  const host = uriHost(uri);
  if (host === null || host.startsWith('[') || /^\d+\.\d+\.\d+\.\d+$/.test(host)) return null;
  const b = base.toLowerCase();
  if (b.startsWith('.')) return host.endsWith(b);
  return host === b;
}

function ipMatches(addr: Uint8Array, base: Uint8Array): boolean {
  if (addr.length * 2 !== base.length) return false;
  const n = addr.length;
  for (let i = 0; i < n; i++) if ((addr[i]! & base[n + i]!) !== (base[i]! & base[n + i]!)) return false;
  return true;
}

/**
 * Whether `name` falls in the subtree `base`. null: the pair cannot be compared (a name kyso cannot
 * interpret under a constraint of its type), which fails closed.
 */
function matches(name: GeneralName, base: GeneralName, forExcluded: boolean): boolean | null {
  switch (name.type) {
    case 'directoryName':
      return base.type === 'directoryName' ? name.value.isWithin(base.value) : false;
    case 'dns': {
      if (base.type !== 'dns') return false;
      if (!isValidDnsName(name.value.replace(/\.$/, ''), true)) return null;
      if (dnsWithin(name.value, base.value)) return true;
      // A wildcard name "*.x" stands for any single label under x: it hits an excluded subtree
      // one label below x.
      if (forExcluded && name.value.startsWith('*.')) {
        const rest = name.value.slice(2).toLowerCase();
        const b = base.value.toLowerCase();
        return b.endsWith(`.${rest}`) && !b.slice(0, -(rest.length + 1)).includes('.');
      }
      return false;
    }
    case 'email':
      if (base.type !== 'email') return false;
      if (name.value.split('@').length !== 2) return null;
      return emailMatches(name.value, base.value);
    case 'uri':
      return base.type === 'uri' ? uriMatches(name.value, base.value) : false;
    case 'ip':
      if (base.type !== 'ip') return false;
      if (name.value.length !== 4 && name.value.length !== 16) return null;
      return ipMatches(name.value, base.value);
    case 'otherName':
      return base.type === 'otherName'
        ? base.typeId === name.typeId && bytesEqual(base.value, name.value)
        : false;
    case 'registeredId':
      return base.type === 'registeredId' ? base.value === name.value : false;
    default:
      // x400Address, ediPartyName: not comparable; only an issue when constraints of that type exist.
      return base.type === name.type ? null : false;
  }
}

/**
 * Upper bound on name-vs-subtree comparisons for one certificate against one CA's constraints
 * (for each name type, names x subtrees), checked before any comparison. 2^20 as Chromium's
 * kMaxChecks. Above it: BUDGET_EXCEEDED.
 */
export const MAX_NAME_CONSTRAINT_CHECKS = 1 << 20;

interface SubtreeIndex {
  /** Subtrees by GeneralName type (a name is only ever compared with subtrees of its own type). */
  byType: Map<GeneralName['type'], GeneralSubtree[]>;
  /** URI subtrees: exact hosts and `.domain` suffixes, lower-cased. */
  uriHosts: Set<string>;
  uriDomains: Set<string>;
  hasUri: boolean;
}

const indexCache = new WeakMap<GeneralSubtree[], SubtreeIndex>();
const EMPTY: GeneralSubtree[] = [];

function indexSubtrees(list: GeneralSubtree[]): SubtreeIndex {
  let ix = indexCache.get(list);
  if (ix) return ix;
  ix = { byType: new Map(), uriHosts: new Set(), uriDomains: new Set(), hasUri: false };
  for (const st of list) {
    const t = st.base.type;
    const bucket = ix.byType.get(t);
    if (bucket) bucket.push(st);
    else ix.byType.set(t, [st]);
    if (st.base.type === 'uri') {
      ix.hasUri = true;
      const b = st.base.value.toLowerCase();
      (b.startsWith('.') ? ix.uriDomains : ix.uriHosts).add(b);
    }
  }
  indexCache.set(list, ix);
  return ix;
}

/** Host of a URI name for constraint matching; null when it cannot be compared (fails closed). */
function uriConstraintHost(uri: string): string | null {
  const host = uriHost(uri);
  if (host === null || host.startsWith('[') || /^\d+\.\d+\.\d+\.\d+$/.test(host)) return null;
  return host;
}

/** Whether `host` is in the URI subtrees of `ix` (exact host, or below a `.domain`); charges lookups. */
function uriInIndex(host: string, ix: SubtreeIndex, budget: Budget): boolean {
  budget.consume('nameConstraintComparisons');
  if (ix.uriHosts.has(host)) return true;
  for (let i = host.indexOf('.'); i >= 0; i = host.indexOf('.', i + 1)) {
    budget.consume('nameConstraintComparisons');
    if (ix.uriDomains.has(host.slice(i))) return true;
  }
  return false;
}

/** Checks all names of `cert` against one CA's constraints. */
export function checkNameConstraints(cert: Certificate, nc: NameConstraints, budget: Budget): NcOutcome {
  return checkNames(constrainedNames(cert), nc, budget);
}

/**
 * Checks `names` against one CA's constraints (RFC 5280 §6.1.3 (b)(c)): each name must be in no
 * excluded subtree and, when permitted subtrees of its type exist, in one of them. Names that
 * cannot be interpreted under a constraint of their type fail closed, and so does an invalid
 * constraint of a type a name has (see `nameConstraintsProblem`). Before comparing, the worst
 * case (for each type, names x subtrees of that type) is checked against
 * MAX_NAME_CONSTRAINT_CHECKS and charged to the budget; URI names are looked up in a host index
 * (a few lookups each, charged too). Throws BudgetExhausted (a BUDGET_EXCEEDED report in path
 * validation) when the work is too large.
 */
export function checkNames(names: readonly GeneralName[], nc: NameConstraints, budget: Budget): NcOutcome {
  const permitted = indexSubtrees(nc.permittedSubtrees ?? EMPTY);
  const excluded = indexSubtrees(nc.excludedSubtrees ?? EMPTY);
  let worst = 0;
  for (const name of names) {
    if (name.type === 'uri') continue;
    worst += (permitted.byType.get(name.type)?.length ?? 0) + (excluded.byType.get(name.type)?.length ?? 0);
  }
  if (worst > MAX_NAME_CONSTRAINT_CHECKS) throw new BudgetExhausted('nameConstraintComparisons');
  budget.consume('nameConstraintComparisons', worst);

  for (const name of names) {
    const label = describe(name);
    if (name.type === 'uri') {
      if (!excluded.hasUri && !permitted.hasUri) continue;
      const host = uriConstraintHost(name.value);
      if (host === null) return { ok: false, detail: `${label} cannot be checked against a URI subtree` };
      if (excluded.hasUri && uriInIndex(host, excluded, budget))
        return { ok: false, detail: `${label} is in an excluded URI subtree` };
      if (permitted.hasUri && !uriInIndex(host, permitted, budget))
        return { ok: false, detail: `${label} is not in any permitted uri subtree` };
      continue;
    }
    for (const st of excluded.byType.get(name.type) ?? EMPTY) {
      const m = matches(name, st.base, true);
      if (m === null)
        return {
          ok: false,
          detail: `${label} cannot be checked against an excluded ${st.base.type} subtree`,
        };
      if (m) return { ok: false, detail: `${label} is in an excluded subtree (${describe(st.base)})` };
    }
    const sameType = permitted.byType.get(name.type);
    if (!sameType) continue;
    let ok = false;
    for (const st of sameType) {
      const m = matches(name, st.base, false);
      if (m === null)
        return {
          ok: false,
          detail: `${label} cannot be checked against a permitted ${st.base.type} subtree`,
        };
      if (m) {
        ok = true;
        break;
      }
    }
    if (!ok) return { ok: false, detail: `${label} is not in any permitted ${name.type} subtree` };
  }
  return { ok: true };
}

function describe(g: GeneralName): string {
  switch (g.type) {
    case 'directoryName':
      return `DN "${g.value.toString()}"`;
    case 'ip':
      return `IP ${Array.from(g.value).join('.')}`;
    case 'otherName':
      return `otherName ${g.typeId}`;
    case 'x400Address':
    case 'ediPartyName':
      return g.type;
    default:
      return `${g.type} "${g.value}"`;
  }
}
