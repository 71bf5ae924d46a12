/**
 * DER parsing: kyso's strict generic decode (parseTree) and full certificate parse, against Node's
 * native X509Certificate (OpenSSL's C parser behind a JS object) on the same certificates.
 * Needs `npm run build` (imports packages/pki-core/dist).
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { compare, report } from './lib.mjs';

const dist = new URL('../packages/pki-core/dist/', import.meta.url);
const { parseTree } = await import(new URL('der.js', dist).href);
const { pemDecode } = await import(new URL('pem.js', dist).href);
let Certificate;
try {
  ({ Certificate } = await import(new URL('x509/certificate.js', dist).href));
} catch {
  // full certificate parser not built yet
}

const load = (f) =>
  pemDecode(readFileSync(new URL(`fixtures/${f}`, import.meta.url), 'utf8'), 'CERTIFICATE').der;
const certs = [
  ['RSA-2048 certificate', load('cert-rsa2048.pem')],
  ['P-256 certificate', load('cert-p256.pem')],
];

const native = (der) => ({ name: 'node:crypto X509Certificate', fn: () => new X509Certificate(der) });
const results = [];
for (const [label, der] of certs) {
  results.push(
    await compare({
      name: `DER parseTree, ${label} (${der.length} B)`,
      fn: () => parseTree(der),
      baseline: native(der),
      notes: 'generic strict decode of every element, content of universal types checked',
    }),
  );
  if (Certificate) {
    results.push(
      await compare({
        name: `Certificate.fromDer, ${label}`,
        fn: () => Certificate.fromDer(der),
        baseline: native(der),
        notes: 'full RFC 5280 parse: names, extensions, key',
      }),
    );
  }
}
report(results);
