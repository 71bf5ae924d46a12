#!/usr/bin/env node
/**
 * Writes docs/lint-report.md: the linter over the Vietnamese roots / intermediates / CRL in
 * shared/test-vectors/vn-roots (per certificate), and over the x509-limbo and BoringSSL
 * certificates and CRLs (counts per lint). Deterministic: no dates, files sorted, identical input
 * gives identical output.
 *
 *   npm run build -w @kyso/pki-core && node packages/pki-core/scripts/lint-report.mjs [--stdout]
 *
 * Vectors: $KYSO_TEST_VECTORS, else ../shared/test-vectors next to the checkout, else /work/shared/test-vectors.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CERT_LINTS, CRL_LINTS, OCSP_LINTS, lint, pemDecodeAll } from '../dist/index.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
function vectors() {
  const c = [
    process.env.KYSO_TEST_VECTORS,
    path.join(repo, '..', 'shared', 'test-vectors'),
    '/work/shared/test-vectors',
  ];
  const f = c.find((d) => d && fs.existsSync(path.join(d, 'README.md')));
  if (!f) throw new Error(`test vectors not found in ${c.filter(Boolean).join(', ')}`);
  return f;
}
const V = vectors();

const CERT_LABELS = new Set(['CERTIFICATE', 'CA CERTIFICATE', 'CA CERTIFICATE 2', 'TRUSTED CERTIFICATE']);
const CRL_LABELS = new Set(['CRL', 'X509 CRL']);
const OCSP_LABELS = new Set(['OCSP RESPONSE']);

function walk(dir, ext) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p, ext));
    else if (ext.some((x) => e.name.endsWith(x))) out.push(p);
  }
  return out;
}

/** [{ kind, der, where }] from a PEM text or a DER file. */
function blocks(file) {
  const buf = fs.readFileSync(file);
  const text = buf.toString('latin1');
  if (text.includes('-----BEGIN')) {
    return pemDecodeAll(text)
      .filter((b) => CERT_LABELS.has(b.label) || CRL_LABELS.has(b.label) || OCSP_LABELS.has(b.label))
      .map((b) => ({
        kind: CRL_LABELS.has(b.label) ? 'crl' : OCSP_LABELS.has(b.label) ? 'ocsp' : 'certificate',
        der: b.der,
      }));
  }
  return [{ kind: file.endsWith('.crl') ? 'crl' : 'certificate', der: new Uint8Array(buf) }];
}

function run(items) {
  const seen = new Set();
  const counts = new Map();
  const stats = {
    certificates: 0,
    crls: 0,
    ocsp: 0,
    unreadable: 0,
    withErrors: 0,
    withWarnings: 0,
    clean: 0,
  };
  const unreadable = new Map();
  for (const it of items) {
    const h = createHash('sha256').update(it.der).digest('hex');
    if (seen.has(h)) continue;
    seen.add(h);
    let r;
    try {
      r = lint(it.der, { kind: it.kind });
    } catch (e) {
      stats.unreadable++;
      const m = `${e.code ?? 'error'}: ${String(e.message).replace(/ at offset \d+/g, '')}`;
      unreadable.set(m, (unreadable.get(m) ?? 0) + 1);
      continue;
    }
    stats[it.kind === 'crl' ? 'crls' : it.kind === 'ocsp' ? 'ocsp' : 'certificates']++;
    if (r.errors) stats.withErrors++;
    else if (r.warnings) stats.withWarnings++;
    else stats.clean++;
    for (const f of r.findings) counts.set(f.lint, (counts.get(f.lint) ?? 0) + 1);
  }
  return { counts, stats, unreadable };
}

const sev = new Map([...OCSP_LINTS, ...CRL_LINTS, ...CERT_LINTS].map((l) => [l.name, l]));
function countTable(counts) {
  const rows = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (rows.length === 0) return '_No findings._\n';
  return `| lint | severity | clause | count |\n|---|---|---|---|\n${rows
    .map(
      ([n, c]) =>
        `| \`${n}\` | ${sev.get(n)?.severity ?? ''} | ${sev.get(n)?.source ?? ''} ${sev.get(n)?.clause ?? ''} | ${c} |`,
    )
    .join('\n')}\n`;
}
function statsLine(s) {
  return `${s.certificates} certificates, ${s.crls} CRLs and ${s.ocsp} OCSP responses linted (distinct DER); ${s.withErrors} with errors, ${s.withWarnings} with warnings only, ${s.clean} without error or warning; ${s.unreadable} unreadable (framing not DER, reported by the strict parser and not linted).`;
}
function unreadableTable(u) {
  if (u.size === 0) return '';
  return `\nUnreadable inputs:\n\n| reason | count |\n|---|---|\n${[...u]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([m, c]) => `| ${m.replace(/\|/g, '\\|')} | ${c} |`)
    .join('\n')}\n`;
}

// --- vn-roots: per certificate -------------------------------------------------------------
const vn = path.join(V, 'vn-roots');
const vnRows = [];
const vnItems = [];
for (const sub of ['roots', 'intermediates', 'crls']) {
  for (const f of walk(path.join(vn, sub), ['.pem', '.crl', '.cer', '.crt'])) {
    for (const b of blocks(f)) {
      vnItems.push(b);
      const r = lint(b.der, { kind: b.kind });
      const findings = r.findings
        .map((x) => `\`${x.lint}\`${x.details ? ` (${x.details.replace(/\|/g, '\\|')})` : ''}`)
        .join('<br>');
      vnRows.push(
        `| ${sub}/${path.basename(f)} | ${r.target === 'crl' ? 'CRL' : r.profile} | ${r.errors} | ${r.warnings} | ${r.notices} | ${findings || '—'} |`,
      );
    }
  }
}
const vnRun = run(vnItems);

// --- x509-limbo ----------------------------------------------------------------------------
const limbo = JSON.parse(fs.readFileSync(path.join(V, 'x509-limbo', 'limbo.json'), 'utf8'));
const limboItems = [];
for (const tc of limbo.testcases) {
  for (const pem of [...tc.trusted_certs, ...tc.untrusted_intermediates, tc.peer_certificate])
    for (const b of pemDecodeAll(pem)) limboItems.push({ kind: 'certificate', der: b.der });
  for (const pem of tc.crls ?? [])
    for (const b of pemDecodeAll(pem)) limboItems.push({ kind: 'crl', der: b.der });
}
const limboRun = run(limboItems);

// --- BoringSSL pki/testdata --------------------------------------------------------------------
const bssl = path.join(V, 'boringssl-pki');
const bsslItems = walk(bssl, ['.pem']).flatMap((f) => blocks(f));
const bsslRun = run(bsslItems);

const lintCount = CERT_LINTS.length + CRL_LINTS.length + OCSP_LINTS.length;
const md = `# Lint report: what real certificates violate

Generated by \`packages/pki-core/scripts/lint-report.mjs\` (\`npm run build -w @kyso/pki-core && node
packages/pki-core/scripts/lint-report.mjs\`) with kyso's linter (${CERT_LINTS.length} certificate lints, ${CRL_LINTS.length} CRL
lints, ${OCSP_LINTS.length} OCSP lints; list them with \`kyso cert lint --list\`, \`kyso crl lint --list\` and \`kyso ocsp lint --list\`). The inputs are the shared
upstream vectors (read in place, never copied): \`vn-roots\` (NEAC roots, the Government CA, licensed
providers' intermediates, NEAC's CRL), the x509-limbo testcases and BoringSSL's \`pki/testdata\`.
Profiles are chosen by \`--profile auto\` (CA + self-issued = root, CA = sub-CA, ...). Severity:
**error** = a MUST of the cited clause is broken, **warning** = a SHOULD, **notice** = advice.
${lintCount} lints in all; the report is deterministic (no dates; files in sorted order).

## Vietnamese CA certificates (vn-roots), per certificate

| file | profile | errors | warnings | notices | findings |
|---|---|---|---|---|---|
${vnRows.join('\n')}

${statsLine(vnRun.stats)}

### Counts per lint (vn-roots)

${countTable(vnRun.counts)}
### Reading

- The legacy **MIC National Root CA** (2008) is signed with SHA-1: \`e_sig_alg_weak_hash\` (Circular 16/2019
  lists no SHA-1). It also marks keyUsage non-critical (\`w_rfc5280_key_usage_not_critical\`). Relying parties
  still meet it in old chains; kyso validates it only for old signatures.
- The **2026 NEAC roots under the Ministry of Science and Technology** (EMA, MobilePKI, RS, TSA, USB token)
  mark **cRLDistributionPoints critical** (\`w_rfc5280_crl_dp_critical\`, RFC 5280 §4.2.1.13 SHOULD be
  non-critical). Relying parties that do not process the extension must then reject the root; a root
  seldom needs a CRL DP at all.
- Every licensed provider's intermediate here, the Government CA G2 root and its sub-CA, and NEAC's CRL lint
  clean at error and warning level.

## x509-limbo (C2SP) certificates and CRLs

Certificates in limbo are generated per testcase (see its SOURCE.md): many are deliberately malformed,
which is what the counts below show (each is a certificate a CA must never issue).

${statsLine(limboRun.stats)}

${countTable(limboRun.counts)}${unreadableTable(limboRun.unreadable)}
## BoringSSL / Chromium \`pki/testdata\` certificates, CRLs and OCSP responses

${statsLine(bsslRun.stats)}

${countTable(bsslRun.counts)}${unreadableTable(bsslRun.unreadable)}`;

if (process.argv.includes('--stdout')) process.stdout.write(md);
else {
  fs.writeFileSync(path.join(repo, 'docs', 'lint-report.md'), md);
  console.log('wrote docs/lint-report.md');
}
