/**
 * `@kyso/pdf-sign/node` is "everything of the main entry plus the Node-only parts" (src/node/index.ts).
 * Both entries list their names explicitly (issue 17: no `export *`), so a name added to the main
 * entry must be added to /node too: this test fails when one is missing or is a different binding.
 */
import { describe, expect, it } from 'vitest';
import * as main from '@kyso/pdf-sign';
import * as node from '@kyso/pdf-sign/node';

describe('@kyso/pdf-sign/node carries the main entry', () => {
  it('every value of @kyso/pdf-sign is exported by /node as the same binding', () => {
    const nodeEntry: Record<string, unknown> = node;
    const missing = Object.entries(main)
      .filter(([name, value]) => nodeEntry[name] !== value)
      .map(([name]) => name);
    expect(missing).toEqual([]);
    expect(Object.keys(main).length).toBeGreaterThan(100);
  });

  it('/node adds the Node-only file functions the main (browser-safe) entry leaves out', () => {
    for (const name of ['signPdfFile', 'verifyPdfFile', 'shippedFontPath']) {
      expect(typeof (node as Record<string, unknown>)[name], name).toBe('function');
      expect(name in main, name).toBe(false);
    }
  });
});
