// XML signing/verification throughput: kyso vs xml-crypto (the common Node choice) vs xmlsec1
// (native ceiling), one run. Short manual run (not part of `npm run bench`: xml-crypto is not a
// project dependency). Usage: npm run build && node bench/xml-sign.mjs <dir where xml-crypto is
// installed> [both|5|10] [--xml-crypto-10mb]
// Wall time and CPU time are both reported: on a loaded machine wall time mostly measures the
// scheduler; CPU time (process.cpuUsage in process, the children's rusage from /proc for xmlsec1)
// is the work done. xml-crypto on 10 MB takes minutes, so it runs only with --xml-crypto-10mb.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Certificate, LocalSigner, importPrivateKey } from '../packages/pki-core/dist/index.js';
import { findSignatures, parseXml, signXml, verifyXmlSignature } from '../packages/xml-sign/dist/index.js';

const req = createRequire(path.join(path.resolve(process.argv[2] ?? '/tmp/xmlbench'), 'x.js'));
const { SignedXml } = req('xml-crypto');
const { DOMParser } = req('@xmldom/xmldom');
const xcVersion = req('xml-crypto/package.json').version;

const DEMO = new URL('../certs/demo/rsa/', import.meta.url).pathname;
const keyPem = readFileSync(`${DEMO}official.key.pem`, 'utf8');
const certPem = readFileSync(`${DEMO}official.pem`, 'utf8');
const signer = new LocalSigner(
  await importPrivateKey(keyPem),
  Certificate.parseAll(readFileSync(`${DEMO}official.chain.pem`, 'utf8')).map((c) => c.der),
);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kyso-'));

const invoice = readFileSync(
  '/work/shared/test-vectors/xmldsig/vn-einvoice/vnpay-test-invoice-K23TLL-226.xml',
  'utf8',
).replace(/<DSCKS>.*<\/DSCKS>/, '<DSCKS><NBan/></DSCKS>');
const row =
  '<HHDVu><STT>1</STT><THHDVu>Hàng hoá &amp; dịch vụ</THHDVu><DVTinh>cái</DVTinh><SLuong>1</SLuong><DGia>100000</DGia><ThTien>100000</ThTien></HHDVu>';
const batch = `<?xml version="1.0" encoding="UTF-8"?>\n<DSHDon>${row.repeat(Math.ceil((10 * 1024 * 1024) / row.length))}</DSHDon>`;

/** CPU time (ms) of this process and of its finished children (Linux /proc, clock ticks of 10 ms). */
function cpuMs() {
  const u = process.cpuUsage();
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return { self: (u.user + u.system) / 1000, children: (Number(f[13]) + Number(f[14])) * 10 };
}

/** Mean wall and CPU milliseconds per call over n calls (after min(n, 200) warm-up calls, for the JIT). */
async function time(n, f, children = false) {
  for (let i = 0; i < Math.min(n, 200); i++) await f();
  const c0 = cpuMs();
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await f();
  const wall = Number(process.hrtime.bigint() - t) / 1e6 / n;
  const c1 = cpuMs();
  const cpu = (children ? c1.children - c0.children : c1.self - c0.self) / n;
  return { wall, cpu };
}
const ms = (x) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(2)} ms`);
const cell = (t) => `${ms(t.wall)} wall, ${ms(t.cpu)} CPU`;

function xmlCryptoSign(xml) {
  const sig = new SignedXml({ privateKey: keyPem, publicCert: certPem });
  sig.addReference({
    xpath: '/*',
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
    transforms: [
      'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
      'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
    ],
  });
  sig.canonicalizationAlgorithm = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';
  sig.signatureAlgorithm = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
  sig.computeSignature(xml);
  return sig.getSignedXml();
}
function xmlCryptoVerify(xml) {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const node = doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature')[0];
  const sig = new SignedXml({ publicCert: certPem });
  sig.loadSignature(node);
  if (!sig.checkSignature(xml)) throw new Error('xml-crypto: invalid');
}
function kysoVerify(bytes) {
  const doc = parseXml(bytes);
  const r = verifyXmlSignature(doc, findSignatures(doc)[0]);
  if (!r.valid) throw new Error(`kyso: ${r.error?.message}`);
}
function xmlsec(args) {
  execFileSync('xmlsec1', args, { stdio: 'pipe' });
}

const rows = [];
const goals = [];
const which = process.argv[3] && !process.argv[3].startsWith('--') ? process.argv[3] : 'both';
const xmlCrypto10 = process.argv.includes('--xml-crypto-10mb');
const cases = [
  ['5 KB e-invoice', invoice, 500],
  ['10 MB batch', batch, 1],
].filter(([name]) => which === 'both' || name.startsWith(which));
for (const [name, xml, n] of cases) {
  const kSigned = await signXml(xml, signer, { packaging: 'enveloped' });
  const xSigned = xmlCryptoSign(xml);
  const tmpl = path.join(tmp, 'tmpl.xml');
  writeFileSync(
    tmpl,
    xml.replace(
      /<\/(DSHDon|HDon)>$/,
      '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/><SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><Reference URI=""><Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></Transforms><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/></Reference></SignedInfo><SignatureValue/></Signature></$1>',
    ),
  );
  const sOut = path.join(tmp, 'signed.xml');
  console.error(name, 'start');
  const big = name.startsWith('10');
  const ks = await time(n, () => signXml(xml, signer, { packaging: 'enveloped' }));
  const kv = await time(n, () => kysoVerify(kSigned));
  const withXc = !big || xmlCrypto10;
  const xs = withXc ? await time(n, () => xmlCryptoSign(xml)) : undefined;
  const xv = withXc ? await time(n, () => xmlCryptoVerify(xSigned)) : undefined;
  const ns = await time(
    Math.min(n, 20),
    () => xmlsec(['sign', '--privkey-pem', `${DEMO}official.key.pem`, '--output', sOut, tmpl]),
    true,
  );
  const nv = await time(
    Math.min(n, 20),
    () => xmlsec(['verify', '--pubkey-cert-pem', `${DEMO}official.pem`, sOut]),
    true,
  );
  console.error(name, { ks, kv, xs, xv, ns, nv });
  for (const [op, k, x, nat] of [
    ['sign', ks, xs, ns],
    ['verify', kv, xv, nv],
  ]) {
    rows.push(
      `| ${name} ${op} | ${cell(k)} | ${x ? `${cell(x)} (${(x.wall / k.wall).toFixed(1)}× kyso wall, ${(x.cpu / k.cpu).toFixed(1)}× CPU)` : 'not run (--xml-crypto-10mb)'} | ${cell(nat)} (kyso ${(k.wall / nat.wall).toFixed(1)}× wall, ${(k.cpu / nat.cpu).toFixed(1)}× CPU) |`,
    );
    if (!big && x) {
      const r = x.cpu / k.cpu;
      const rw = x.wall / k.wall;
      goals.push(
        `| ${name} ${op}: kyso ≥ 3× xml-crypto's throughput | ${rw.toFixed(1)}× wall, ${r.toFixed(1)}× CPU | ${r >= 3 && rw >= 3 ? 'met' : 'not met'} |`,
      );
    }
    if (big) {
      const r = k.cpu / nat.cpu;
      const rw = k.wall / nat.wall;
      goals.push(
        `| ${name} ${op}: kyso within 3× of xmlsec1 | ${rw.toFixed(1)}× wall, ${r.toFixed(1)}× CPU | ${r <= 3 ? (rw <= 3 ? 'met' : 'met on CPU time, not on wall time') : 'not met'} |`,
      );
    }
  }
}
console.log(
  `load average at end: ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
console.log(
  `| operation | kyso | xml-crypto ${xcVersion} | xmlsec1 ${execFileSync('xmlsec1', ['--version']).toString().split(' ')[1]} (process incl. start-up) |\n|---|---|---|---|`,
);
console.log(rows.join('\n'));
console.log('\n| goal (issue 16) | measured | result |\n|---|---|---|');
console.log(goals.join('\n'));
