/**
 * Checks an ETSI TS 119 102-2 report with xmllint: well-formed, and valid against kyso's
 * structural subset of the schema (test/schema/etsi-19102-2-subset.xsd; the official XSD is not
 * obtainable from this project's package sources, see docs/verdict.md). Returns xmllint's
 * messages ('' when valid) so a test shows why a report was refused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, tmpDir } from './tools.js';

export const ETSI_SUBSET_XSD = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../schema/etsi-19102-2-subset.xsd',
);

/** xmllint --schema over the report: '' when valid, else its error output. */
export function etsiSchemaErrors(xml: string): string {
  const f = path.join(tmpDir('kyso-etsi-'), 'report.xml');
  fs.writeFileSync(f, xml);
  const r = run('xmllint', ['--noout', '--nonet', '--schema', ETSI_SUBSET_XSD, f]);
  return r.status === 0 ? '' : `${r.stderr}${r.stdout}`;
}

/** The text of every element with this local name (vr: prefix as kyso writes it). */
export function etsiValues(xml: string, local: string): string[] {
  return [...xml.matchAll(new RegExp(`<vr:${local}(?:\\s[^>]*)?>([^<]*)</vr:${local}>`, 'g'))].map(
    (m) => m[1]!,
  );
}
