// Parser / canonicaliser comparison for docs/decisions.md (short run; not part of `npm run bench`).
// Usage: node bench/xml-parsers.mjs <dir with @xmldom/xmldom, xml-crypto, xmldsigjs installed>
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { canonicalizeToString, parseXml } from '../packages/xml-sign/dist/index.js';

const extDir = process.argv[2];
const req = createRequire(path.join(path.resolve(extDir), 'x.js'));
const { DOMParser } = req('@xmldom/xmldom');
const xmlCrypto = req('xml-crypto');
const xmldsigjs = req('xmldsigjs');
const xmldom = req('@xmldom/xmldom');
xmldsigjs.setNodeDependencies?.({
  DOMParser: xmldom.DOMParser,
  XMLSerializer: xmldom.XMLSerializer,
  DOMImplementation: xmldom.DOMImplementation,
});
req('xml-core').setNodeDependencies?.({
  DOMParser: xmldom.DOMParser,
  XMLSerializer: xmldom.XMLSerializer,
  DOMImplementation: xmldom.DOMImplementation,
});

const ROOT = '/work/shared/test-vectors/xmldsig/xmlsec';
const files = [];
for (const d of readdirSync(ROOT)) {
  try {
    for (const f of readdirSync(path.join(ROOT, d)))
      if (f.endsWith('.xml')) files.push(readFileSync(path.join(ROOT, d, f), 'utf8'));
  } catch {}
}
const invoice = readFileSync(
  '/work/shared/test-vectors/xmldsig/vn-einvoice/vnpay-test-invoice-K23TLL-226.xml',
  'utf8',
);
const row = `<HHDVu><STT>1</STT><THHDVu>Hàng hoá &amp; dịch vụ</THHDVu><DVTinh>cái</DVTinh><SLuong>1</SLuong><DGia>100000</DGia><ThTien>100000</ThTien></HHDVu>`;
const big = `<DSHDon>${row.repeat(Math.ceil((10 * 1024 * 1024) / row.length))}</DSHDon>`;

const attacks = {
  'billion laughs': `<!DOCTYPE l [<!ENTITY a "lollollollollollollollollollol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]><l>&e;</l>`,
  'external entity': `<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/hostname">]><r>&x;</r>`,
  'internal entity': `<!DOCTYPE r [<!ENTITY x "injected">]><r>&x;</r>`,
  'default attribute': `<!DOCTYPE r [<!ATTLIST r Id ID "forged">]><r/>`,
  'depth 100000': `${'<a>'.repeat(100000)}${'</a>'.repeat(100000)}`,
};

const xmldomParse = (s) => new DOMParser({ onError: () => {} }).parseFromString(s, 'text/xml');
const impls = {
  kyso: {
    parse: (s) => parseXml(s),
    c14n: (s) => canonicalizeToString(parseXml(s), { method: '1.0', comments: false }),
  },
  '@xmldom/xmldom + xml-crypto C14n': {
    parse: xmldomParse,
    c14n: (s) => new xmlCrypto.C14nCanonicalization().process(xmldomParse(s).documentElement, {}).toString(),
  },
  'xmldsigjs (xmldom inside)': {
    parse: (s) => xmldsigjs.Parse(s),
    c14n: (s) => {
      const t = new xmldsigjs.XmlDsigC14NTransform();
      t.LoadInnerXml(xmldsigjs.Parse(s).documentElement);
      return t.GetOutput();
    },
  },
};

function time(f, n) {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) f();
  return Number(process.hrtime.bigint() - t) / 1e6 / n;
}

for (const [name, impl] of Object.entries(impls)) {
  const out = [];
  for (const [a, doc] of Object.entries(attacks)) {
    let r;
    try {
      const d = impl.c14n(doc);
      r = `accepted (${String(d).length} chars out${String(d).includes('lollol') || String(d).includes('injected') || String(d).includes('forged') ? ', EXPANDED' : ''})`;
    } catch (e) {
      r = `refused (${String(e.message ?? e).slice(0, 50)})`;
    }
    out.push(`  ${a}: ${r}`);
  }
  let ok = 0;
  let fail = 0;
  for (const f of files) {
    try {
      impl.parse(f);
      ok++;
    } catch {
      fail++;
    }
  }
  const corpus = time(() => {
    for (const f of files)
      try {
        impl.c14n(f);
      } catch {}
  }, 3);
  const inv = time(() => impl.c14n(invoice), 200);
  const bigT = time(() => impl.c14n(big), 1);
  console.log(
    `${name}\n  corpus: ${ok} parsed, ${fail} refused; parse+c14n of all ${files.length} files ${corpus.toFixed(1)} ms\n  5 KB invoice parse+c14n ${inv.toFixed(3)} ms; 10 MB parse+c14n ${bigT.toFixed(0)} ms`,
  );
  console.log(out.join('\n'));
}
