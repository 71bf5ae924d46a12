import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireTool } from '../../pki-core/test/helpers/tools.js';
import { XmlError, canonicalizeToString, parseXml, textContent } from '../src/index.js';

const reason = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    if (e instanceof XmlError) return e.reason;
    throw e;
  }
  return undefined;
};

describe('safe parsing', () => {
  it('refuses a DTD, billion laughs and external entities', () => {
    const laughs = `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>`;
    expect(reason(() => parseXml(laughs))).toBe('XML_REFUSED');
    expect(reason(() => parseXml(laughs, { dtd: 'id-attlist-only' }))).toBe('XML_REFUSED');
    const xxe = `<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>`;
    expect(reason(() => parseXml(xxe))).toBe('XML_REFUSED');
    expect(
      reason(() =>
        parseXml(`<!DOCTYPE r SYSTEM "http://example.com/r.dtd"><r/>`, { dtd: 'id-attlist-only' }),
      ),
    ).toBe('XML_REFUSED');
    // An undeclared entity without any DTD.
    expect(reason(() => parseXml('<r>&x;</r>'))).toBe('XML_REFUSED');
  });

  it('never processes XInclude', () => {
    const doc = parseXml(
      '<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="/etc/passwd" parse="text"/></r>',
    );
    const inc = doc.root.children[0];
    expect(inc?.kind === 'element' && inc.local).toBe('include');
    expect(canonicalizeToString(doc, { method: '1.0', comments: false })).not.toContain('root:');
  });

  it('bounds depth, nodes and size', () => {
    const deep = `${'<a>'.repeat(300)}${'</a>'.repeat(300)}`;
    expect(reason(() => parseXml(deep))).toBe('XML_LIMIT');
    expect(parseXml(deep, { maxDepth: 400 }).root.local).toBe('a');
    expect(reason(() => parseXml(`<r>${'<e/>'.repeat(2000)}</r>`, { maxNodes: 1000 }))).toBe('XML_LIMIT');
    expect(reason(() => parseXml('<r/>', { maxBytes: 3 }))).toBe('XML_LIMIT');
  });

  it('rejects malformed input with a typed error', () => {
    for (const bad of [
      '',
      '<r>',
      '<r></s>',
      '<a/><b/>',
      '<p:r/>',
      '<r a="1" a="2"/>',
      '<r>&#0;</r>',
      'text<r/>',
      '<r><!-- a -- b --></r>',
    ]) {
      expect(
        reason(() => parseXml(bad)),
        bad,
      ).toBe('XML_MALFORMED');
    }
    expect(reason(() => parseXml(new Uint8Array([0x3c, 0x72, 0xff, 0x2f, 0x3e])))).toBe('XML_MALFORMED');
    expect(reason(() => parseXml('<?xml version="1.0" encoding="ISO-8859-1"?><r/>'))).toBe('XML_UNSUPPORTED');
  });

  it('decodes the predefined entities and character references, and nothing else', () => {
    const doc = parseXml('<r a="x&#9;&lt;&amp;y">&amp;&lt;&gt;&quot;&apos;&#x1F600;&#65;tail</r>');
    expect(textContent(doc.root)).toBe('&<>"\'\u{1F600}Atail');
    expect(doc.root.attributes[0]!.value).toBe('x\t<&y');
    for (const bad of ['<r>&amp</r>', '<r>&amp &lt;</r>', '<r>&&amp;</r>', `<r>&#${'1'.repeat(40)};</r>`])
      expect(
        reason(() => parseXml(bad)),
        bad,
      ).toBe('XML_MALFORMED');
    expect(reason(() => parseXml(`<r>&${'a'.repeat(32)};</r>`))).toBe('XML_REFUSED');
    expect(reason(() => parseXml(`<r>&${'a'.repeat(33)};</r>`))).toBe('XML_MALFORMED');
  });

  it('records IDs (Id, ID, id, xml:id) and duplicates', () => {
    const doc = parseXml('<r><a Id="x"/><b ID="y"/><c id="z"/><d xml:id="w"/><e Id="x"/></r>');
    expect([...doc.ids.keys()].sort()).toEqual(['w', 'x', 'y', 'z']);
    expect([...doc.duplicateIds]).toEqual(['x']);
  });
});

describe('canonical XML', () => {
  it('C14N 1.0 spec example 3.3 (start and end tags)', () => {
    const input = `<!DOCTYPE doc [<!ATTLIST e9 attr CDATA "default">]>`;
    expect(reason(() => parseXml(input))).toBe('XML_REFUSED');
    const doc = parseXml(`<doc>
   <e1   />
   <e2   ></e2>
   <e3   name = "elem3"   id="elem3"   />
   <e4   name="elem4"   id="elem4"   ></e4>
   <e5 a:attr="out" b:attr="sorted" attr2="all" attr="I'm"
      xmlns:b="http://www.ietf.org"
      xmlns:a="http://www.w3.org"
      xmlns="http://example.org"/>
   <e6 xmlns="" xmlns:a="http://www.w3.org">
      <e7 xmlns="http://www.ietf.org">
         <e8 xmlns="" xmlns:a="http://www.w3.org">
            <e9 xmlns="" xmlns:a="http://www.ietf.org"/>
         </e8>
      </e7>
   </e6>
</doc>`);
    expect(canonicalizeToString(doc, { method: '1.0', comments: false })).toBe(`<doc>
   <e1></e1>
   <e2></e2>
   <e3 id="elem3" name="elem3"></e3>
   <e4 id="elem4" name="elem4"></e4>
   <e5 xmlns="http://example.org" xmlns:a="http://www.w3.org" xmlns:b="http://www.ietf.org" attr="I'm" attr2="all" b:attr="sorted" a:attr="out"></e5>
   <e6 xmlns:a="http://www.w3.org">
      <e7 xmlns="http://www.ietf.org">
         <e8 xmlns="">
            <e9 xmlns:a="http://www.ietf.org"></e9>
         </e8>
      </e7>
   </e6>
</doc>`);
  });

  it('exclusive C14N renders only visibly used namespaces on a subtree', () => {
    const doc = parseXml('<a:r xmlns:a="urn:a" xmlns:b="urn:b" xmlns="urn:d"><a:s b:x="1"><t/></a:s></a:r>');
    const s = doc.root.children[0] as Parameters<typeof canonicalizeToString>[0];
    expect(canonicalizeToString(s, { method: 'exclusive', comments: false })).toBe(
      '<a:s xmlns:a="urn:a" xmlns:b="urn:b" b:x="1"><t xmlns="urn:d"></t></a:s>',
    );
    expect(canonicalizeToString(s, { method: '1.0', comments: false })).toBe(
      '<a:s xmlns="urn:d" xmlns:a="urn:a" xmlns:b="urn:b" b:x="1"><t></t></a:s>',
    );
    expect(
      canonicalizeToString(s, { method: 'exclusive', comments: false, inclusivePrefixes: ['#default'] }),
    ).toBe('<a:s xmlns="urn:d" xmlns:a="urn:a" xmlns:b="urn:b" b:x="1"><t></t></a:s>');
  });

  it('agrees with xmllint --c14n / --c14n11 / --exc-c14n on the corpus files', () => {
    if (!requireTool('xmllint')) return;
    const root = path.resolve(__dirname, '../../../../shared/test-vectors/xmldsig/xmlsec/aleksey-xmldsig-01');
    const files = readdirSync(root)
      .filter((f) => f.endsWith('.xml'))
      .slice(0, 40);
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'kyso-'));
    let compared = 0;
    for (const f of files) {
      const bytes = readFileSync(path.join(root, f));
      let doc: ReturnType<typeof parseXml>;
      try {
        doc = parseXml(bytes);
      } catch {
        continue; // a DOCTYPE: refused by design
      }
      const copy = path.join(tmp, f);
      writeFileSync(copy, bytes);
      for (const [flag, method] of [
        ['--c14n', '1.0'],
        ['--c14n11', '1.1'],
        ['--exc-c14n', 'exclusive'],
      ] as const) {
        const want = execFileSync('xmllint', [flag, '--nonet', copy]).toString('utf8');
        expect(canonicalizeToString(doc, { method, comments: true }), `${f} ${flag}`).toBe(want);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(60);
  });
});

describe('robustness', () => {
  it('arbitrary input: parseXml either returns a document or throws XmlError, never anything else', async () => {
    const fc = await import('fast-check');
    const pieces = [
      '<',
      '>',
      '/',
      '?',
      '!',
      '--',
      '[CDATA[',
      ']]>',
      '&',
      ';',
      '#x41',
      'amp',
      '"',
      "'",
      '=',
      ' ',
      'a',
      'b:c',
      'xmlns',
      'xmlns:b',
      'Id',
      'DOCTYPE',
      'ENTITY',
      '\u0000',
      '\uD800',
      'é',
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 60 }), (parts) => {
        const s = parts.join('');
        try {
          const doc = parseXml(s);
          canonicalizeToString(doc, { method: '1.0', comments: true });
          canonicalizeToString(doc, { method: 'exclusive', comments: false });
        } catch (e) {
          if (!(e instanceof XmlError)) throw e;
        }
      }),
      { numRuns: 2000, seed: 16 },
    );
  });
});
