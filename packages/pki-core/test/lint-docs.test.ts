/**
 * docs/compliance.md links each Vietnamese lint to its clause (issue 19): every lint whose source is
 * a Vietnamese Circular, Decree or VN practice, or whose name is `*_vn_*`, has a row in the
 * compliance table, and that row cites the legal documents (Law / Decree / Circular number and
 * year), articles and appendix sections the lint's own clause gives. Also the NFC lint's fast path
 * (no normalisation pass for Latin and precomposed Vietnamese text) against String.normalize.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSurelyNfc } from '../src/lint/cert-lints.js';
import { listLints } from '../src/index.js';

const doc = fs.readFileSync(fileURLToPath(new URL('../../../docs/compliance.md', import.meta.url)), 'utf8');
const rows = doc.split('\n').filter((l) => l.startsWith('|'));

/** What a row must cite: "Decree 23/2025", "Art. 13", "1.1.3", "vn-regulation §3.1". */
function citations(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(/\b(Law|Decree|Circular) \d+\/\d{4}/g)) out.add(m[0]);
  for (const m of text.matchAll(/\bArt\. \d+/g)) out.add(m[0]);
  for (const m of text.matchAll(/Appendix §?(\d+(\.\d+)+)/g)) out.add(m[1]!);
  for (const m of text.matchAll(/vn-regulation §\d+(\.\d+)*/g)) out.add(m[0]);
  return [...out];
}

describe('docs/compliance.md and the Vietnamese lints', () => {
  const vn = listLints().filter(
    (l) => /Circular|Decree|VN practice/.test(l.source) || l.name.includes('_vn_'),
  );

  it('there are Vietnamese lints to check', () => {
    expect(vn.map((l) => l.name)).toEqual(
      expect.arrayContaining(['e_vn_uid_cccd_format', 'e_vn_official_title_missing', 'e_key_rsa_too_small']),
    );
  });

  it('each has a row citing the documents, articles and sections of its clause', () => {
    for (const l of vn) {
      const row = rows.find((r) => r.includes(`\`${l.name}\``));
      expect({ lint: l.name, row: row !== undefined }).toEqual({ lint: l.name, row: true });
      const missing = citations(`${l.source} ${l.clause}`).filter((c) => !row!.includes(c));
      expect({ lint: l.name, missing }).toEqual({ lint: l.name, missing: [] });
    }
  });
});

describe('the NFC lint fast path', () => {
  it('isSurelyNfc never says yes for a string that NFC normalisation changes', () => {
    const chars = fc.oneof(
      fc.integer({ min: 0x20, max: 0x2ff }),
      fc.integer({ min: 0x300, max: 0x36f }), // combining marks
      fc.integer({ min: 0x1e00, max: 0x1eff }),
      fc.constantFrom(0x340, 0x341, 0x343, 0x374, 0x37e, 0x387, 0x2126, 0x212b),
    );
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 12 }), (cps) => {
        const s = String.fromCodePoint(...cps);
        if (isSurelyNfc(s)) expect(s.normalize('NFC')).toBe(s);
      }),
      { numRuns: 5000 },
    );
    expect(isSurelyNfc('Nguyễn Văn An'.normalize('NFC'))).toBe(true);
    expect(isSurelyNfc('Nguyễn Văn An'.normalize('NFD'))).toBe(false);
  });
});
