/**
 * A small test PKI made with the openssl CLI (root CA, RSA / EC / RSA-PSS-capable leaves, a TSA
 * with a critical id-kp-timeStamping EKU), for the CMS tests.
 */
import fs from 'node:fs';
import path from 'node:path';
import { importPrivateKey } from '../../src/crypto/keys.js';
import { LocalSigner } from '../../src/crypto/signer.js';
import { Certificate } from '../../src/x509/certificate.js';
import { openssl, tmpDir } from './tools.js';

export interface TestIdentity {
  keyFile: string;
  certFile: string;
  cert: Certificate;
  signer: LocalSigner;
}

export interface TestPki {
  dir: string;
  rootFile: string;
  root: Certificate;
  rsa: TestIdentity;
  ec: TestIdentity;
  tsa: TestIdentity;
  /** A root that did not issue anything here. */
  otherRootFile: string;
}

const EXT = `
[ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[leaf]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,nonRepudiation
extendedKeyUsage=emailProtection
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[tsa]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=critical,timeStamping
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
`;

async function identity(
  dir: string,
  name: string,
  keyArgs: string[],
  ext: string,
  rootKey: string,
  rootCert: string,
): Promise<TestIdentity> {
  const keyFile = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const certFile = path.join(dir, `${name}.pem`);
  openssl(['genpkey', ...keyArgs, '-out', keyFile], { check: true });
  openssl(['req', '-new', '-key', keyFile, '-subj', `/C=VN/O=kyso test/CN=${name}`, '-out', csr], {
    check: true,
  });
  openssl(
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      rootCert,
      '-CAkey',
      rootKey,
      '-CAcreateserial',
      '-days',
      '30',
      '-sha256',
      '-extfile',
      path.join(dir, 'ext.cnf'),
      '-extensions',
      ext,
      '-out',
      certFile,
    ],
    { check: true },
  );
  const cert = Certificate.parse(fs.readFileSync(certFile, 'utf8'));
  const root = Certificate.parse(fs.readFileSync(rootCert, 'utf8'));
  const kp = await importPrivateKey(fs.readFileSync(keyFile, 'utf8'));
  return { keyFile, certFile, cert, signer: new LocalSigner(kp, [cert.der, root.der]) };
}

function makeRoot(dir: string, name: string): { key: string; cert: string } {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.pem`);
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key], {
    check: true,
  });
  openssl(
    [
      'req',
      '-new',
      '-x509',
      '-key',
      key,
      '-subj',
      `/C=VN/O=kyso test/CN=${name}`,
      '-days',
      '60',
      '-sha256',
      '-config',
      path.join(dir, 'req.cnf'),
      '-extensions',
      'ca',
      '-out',
      cert,
    ],
    { check: true },
  );
  return { key, cert };
}

export async function makeTestPki(): Promise<TestPki> {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'ext.cnf'), EXT);
  fs.writeFileSync(path.join(dir, 'req.cnf'), `[req]\ndistinguished_name=dn\n[dn]\n${EXT}`);
  const root = makeRoot(dir, 'Root');
  const other = makeRoot(dir, 'OtherRoot');
  const rsa = await identity(
    dir,
    'rsa',
    ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
    'leaf',
    root.key,
    root.cert,
  );
  const ec = await identity(
    dir,
    'ec',
    ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
    'leaf',
    root.key,
    root.cert,
  );
  const tsa = await identity(
    dir,
    'tsa',
    ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
    'tsa',
    root.key,
    root.cert,
  );
  return {
    dir,
    rootFile: root.cert,
    root: Certificate.parse(fs.readFileSync(root.cert, 'utf8')),
    rsa,
    ec,
    tsa,
    otherRootFile: other.cert,
  };
}
