// XML signing/verification throughput: kyso vs xml-crypto (the common Node choice) vs xmlsec1
// (native ceiling). Short manual run (not part of `npm run bench`: xml-crypto is not a project
// dependency). Usage: npm run build && node bench/xml-sign.mjs <dir where xml-crypto is installed>
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

async function time(n, f) {
  await f();
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await f();
  return Number(process.hrtime.bigint() - t) / 1e6 / n;
}

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
const which = process.argv[3] ?? 'both';
const cases = [
  ['5 KB e-invoice', invoice, 100],
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
  const ks = await time(n, () => signXml(xml, signer, { packaging: 'enveloped' }));
  const kv = await time(n, () => kysoVerify(kSigned));
  const xs = await time(n, () => xmlCryptoSign(xml));
  const xv = await time(n, () => xmlCryptoVerify(xSigned));
  const ns = await time(Math.min(n, 20), () =>
    xmlsec(['sign', '--privkey-pem', `${DEMO}official.key.pem`, '--output', sOut, tmpl]),
  );
  const nv = await time(Math.min(n, 20), () =>
    xmlsec(['verify', '--pubkey-cert-pem', `${DEMO}official.pem`, sOut]),
  );
  console.error(name, { ks, kv, xs, xv, ns, nv });
  rows.push(
    `| ${name} sign | ${ks.toFixed(2)} ms | ${xs.toFixed(2)} ms (${(xs / ks).toFixed(1)}× kyso) | ${ns.toFixed(2)} ms (kyso ${(ks / ns).toFixed(1)}×) |`,
  );
  rows.push(
    `| ${name} verify | ${kv.toFixed(2)} ms | ${xv.toFixed(2)} ms (${(xv / kv).toFixed(1)}× kyso) | ${nv.toFixed(2)} ms (kyso ${(kv / nv).toFixed(1)}×) |`,
  );
}
console.log(
  `load average at end: ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
console.log(
  '| operation | kyso | xml-crypto 6.3.2 | xmlsec1 1.2.37 (process incl. start-up) |\n|---|---|---|---|',
);
console.log(rows.join('\n'));
