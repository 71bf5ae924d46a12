/**
 * Matching a certificate to the peer's name (RFC 6125 / RFC 9525 for DNS, exact address for IP,
 * RFC 5280 mailbox for email). Only subjectAltName is consulted: the common name is never used
 * (CA/Browser Forum and RFC 9525 deprecate it), so a certificate without SAN matches nothing.
 */
import { bytesEqual } from '../bytes.js';
import type { Certificate } from '../x509/certificate.js';
import { parseIp } from '../x509/general-name.js';
import { isValidDnsName } from './name-constraints.js';

/** The name a certificate must be valid for: a DNS host name, an IP address or an e-mail address. */
export type PeerName =
  | { kind: 'DNS'; value: string }
  | { kind: 'IP'; value: string }
  | { kind: 'RFC822'; value: string };

function dnsMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  const h = host.toLowerCase().replace(/\.$/, '');
  if (!isValidDnsName(p, true) || !isValidDnsName(h, false)) return false;
  if (!p.startsWith('*.')) return p === h;
  // Wildcard: exactly the whole leftmost label, matching one non-empty label, never an IDN label.
  const rest = p.slice(2);
  const dot = h.indexOf('.');
  if (dot <= 0) return false;
  const first = h.slice(0, dot);
  if (first.startsWith('xn--')) return false;
  return h.slice(dot + 1) === rest && rest.includes('.');
}

/**
 * Whether the certificate's subjectAltName matches `peer` (DNS wildcards per RFC 9525 §6.3; never the CN).
 */
export function matchesPeerName(cert: Certificate, peer: PeerName): boolean {
  const san = cert.subjectAltName ?? [];
  switch (peer.kind) {
    case 'DNS':
      return san.some((g) => g.type === 'dns' && dnsMatches(g.value, peer.value));
    case 'IP': {
      let ip: Uint8Array;
      try {
        ip = parseIp(peer.value);
      } catch {
        return false;
      }
      return san.some((g) => g.type === 'ip' && bytesEqual(g.value, ip));
    }
    case 'RFC822': {
      const at = peer.value.lastIndexOf('@');
      return san.some((g) => {
        if (g.type !== 'email') return false;
        const gat = g.value.lastIndexOf('@');
        return (
          gat > 0 &&
          g.value.slice(0, gat) === peer.value.slice(0, at) &&
          g.value.slice(gat + 1).toLowerCase() === peer.value.slice(at + 1).toLowerCase()
        );
      });
    }
  }
}
