/**
 * Name-constraint matching (RFC 5280 §4.2.1.10) for one name against one subtree. Shared by
 * issuance (refuse to issue outside the issuer's constraints) and path validation.
 */
import type { Name } from '../name.js';
import type { GeneralName } from './general-name.js';
import type { NameConstraints } from './extensions.js';

/** True if `name` is inside `base` (same GeneralName type required; other types return undefined). */
export function nameInSubtree(name: GeneralName, base: GeneralName): boolean | undefined {
  if (name.type !== base.type) return undefined;
  switch (base.type) {
    case 'directoryName':
      return (name as { value: Name }).value.isWithin(base.value);
    case 'dns':
      return dnsInSubtree((name as { value: string }).value, base.value);
    case 'email':
      return emailInSubtree((name as { value: string }).value, base.value);
    case 'uri':
      return uriInSubtree((name as { value: string }).value, base.value);
    case 'ip':
      return ipInSubtree((name as { value: Uint8Array }).value, base.value);
    default:
      return undefined;
  }
}

/**
 * RFC 5280: a DNS constraint is satisfied by the name itself and any name with labels added on the
 * left. A leading period (not defined by RFC 5280, but common) means subdomains only, as OpenSSL,
 * Go and NSS read it: `.kyso.vn` matches `a.kyso.vn`, not `kyso.vn`. Comparison is case-insensitive.
 */
export function dnsInSubtree(name: string, constraint: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  const c = constraint.toLowerCase().replace(/\.$/, '');
  if (c === '') return true;
  if (c.startsWith('.')) return n.length > c.length && n.endsWith(c);
  return n === c || n.endsWith(`.${c}`);
}

/**
 * True if some name matched by the wildcard `*.x` lies in the DNS subtree: `*.kyso.vn` can be
 * `bar.kyso.vn`, so an excluded subtree `bar.kyso.vn` applies to it.
 */
export function dnsWildcardIntersects(wildcard: string, constraint: string): boolean {
  const x = wildcard.toLowerCase().replace(/\.$/, '').slice(2);
  const c = constraint.toLowerCase().replace(/\.$/, '');
  if (c === '') return true;
  const bare = c.startsWith('.') ? c.slice(1) : c;
  if (x === bare || x.endsWith(`.${bare}`)) return true;
  // c has exactly one label more than x: the wildcard can stand for it.
  return !c.startsWith('.') && c.endsWith(`.${x}`) && !c.slice(0, c.length - x.length - 1).includes('.');
}

export function emailInSubtree(email: string, constraint: string): boolean {
  const at = email.lastIndexOf('@');
  if (at < 0) return false;
  const local = email.slice(0, at);
  const host = email.slice(at + 1).toLowerCase();
  const c = constraint.toLowerCase();
  if (c.includes('@')) {
    const ca = c.lastIndexOf('@');
    return local === constraint.slice(0, ca) && host === c.slice(ca + 1);
  }
  if (c.startsWith('.')) return host.endsWith(c);
  return host === c;
}

export function uriInSubtree(uri: string, constraint: string): boolean {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(uri);
  if (!m?.[1]) return false;
  const host = m[1].toLowerCase();
  const c = constraint.toLowerCase();
  if (c.startsWith('.')) return host.endsWith(c);
  return host === c;
}

export function ipInSubtree(ip: Uint8Array, constraint: Uint8Array): boolean {
  const n = constraint.length / 2;
  if (ip.length !== n) return false;
  for (let i = 0; i < n; i++) if ((ip[i]! & constraint[n + i]!) !== (constraint[i]! & constraint[n + i]!)) return false;
  return true;
}

/**
 * Checks a subject name and its alternative names against constraints. Returns a description of
 * the first violation, or undefined. Email addresses in the subject (E=) are checked as rfc822 names.
 */
export function nameConstraintViolation(
  subject: Name,
  altNames: readonly GeneralName[],
  nc: NameConstraints,
): string | undefined {
  const names: GeneralName[] = [...altNames];
  if (!subject.isEmpty) names.push({ type: 'directoryName', value: subject });
  for (const e of subject.get('E')) names.push({ type: 'email', value: e });
  for (const n of names) {
    for (const ex of nc.excludedSubtrees ?? []) {
      if (nameInSubtree(n, ex.base) === true) return `${n.type} is in an excluded subtree`;
      // A wildcard DNS name must not be able to stand for an excluded name.
      if (n.type === 'dns' && ex.base.type === 'dns' && n.value.startsWith('*.') && dnsWildcardIntersects(n.value, ex.base.value)) {
        return 'dns wildcard overlaps an excluded subtree';
      }
    }
    const permitted = (nc.permittedSubtrees ?? []).filter((p) => p.base.type === n.type);
    if (permitted.length > 0 && !permitted.some((p) => nameInSubtree(n, p.base) === true)) {
      return `${n.type} is outside the permitted subtrees`;
    }
  }
  return undefined;
}
