/**
 * Certificates and CRLs for the linter tests, all made by OpenSSL (never by kyso, so the linter is
 * not judged by its own issuer): `openssl req` / `openssl x509 -req` with -extfile configs for the
 * ordinary cases, `openssl ca -gencrl` for CRLs, and `openssl asn1parse -genconf` + `openssl dgst
 * -sign` for defects the OpenSSL front-ends refuse to write (wrong time type, encoded critical
 * FALSE, duplicate extensions, unique identifiers...).
 */
import fs from 'node:fs';
import path from 'node:path';
import { openssl, tmpDir } from './helpers/tools.js';

export class OpenSslFactory {
  readonly dir = tmpDir('kyso-lint-');
  #n = 0;
  readonly caKey: string;
  readonly caCert: string;
  readonly keys: Record<string, string> = {};

  constructor() {
    this.caKey = this.key('ec');
    this.caCert = this.file('ca.pem');
    const ext = this.file('ca.ext');
    fs.writeFileSync(
      ext,
      'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n',
    );
    openssl(
      [
        'req',
        '-x509',
        '-new',
        '-key',
        this.caKey,
        '-subj',
        '/C=VN/O=Lint Test/CN=Lint Test CA',
        '-days',
        '3650',
        '-extensions',
        'v3',
        '-config',
        this.reqConfig(fs.readFileSync(ext, 'utf8')),
        '-out',
        this.caCert,
      ],
      { check: true },
    );
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }

  /** A private key: 'ec' (P-256), 'rsa2048', 'rsa1024', 'rsa-e3', 'secp256k1', 'ec-explicit'. Cached. */
  key(kind: string): string {
    if (this.keys[kind]) return this.keys[kind]!;
    const f = this.file(`${kind}.key`);
    const args: Record<string, string[]> = {
      ec: ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f],
      rsa2048: ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', f],
      rsa1024: ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', f],
      'rsa-e3': [
        'genpkey',
        '-algorithm',
        'RSA',
        '-pkeyopt',
        'rsa_keygen_bits:1024',
        '-pkeyopt',
        'rsa_keygen_pubexp:3',
        '-out',
        f,
      ],
      secp256k1: ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:secp256k1', '-out', f],
      'ec-explicit': [
        'genpkey',
        '-algorithm',
        'EC',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-pkeyopt',
        'ec_param_enc:explicit',
        '-out',
        f,
      ],
    };
    openssl(args[kind]!, { check: true });
    this.keys[kind] = f;
    return f;
  }

  reqConfig(v3: string, stringMask = 'utf8only'): string {
    const f = this.file(`req${++this.#n}.cnf`);
    fs.writeFileSync(
      f,
      `[req]\ndistinguished_name=dn\nstring_mask=${stringMask}\nutf8=yes\n[dn]\n[v3]\n${v3}\n`,
    );
    return f;
  }

  /**
   * `openssl req -new` + `openssl x509 -req` signed by the test CA (or self-signed with `self`).
   * `ext` is the -extfile content. Returns the PEM text.
   */
  cert(o: {
    subj: string;
    ext?: string;
    key?: string;
    self?: boolean;
    days?: string;
    serial?: string;
    md?: string;
    stringMask?: string;
  }): string {
    const n = ++this.#n;
    const key = this.key(o.key ?? 'ec');
    const csr = this.file(`c${n}.csr`);
    const out = this.file(`c${n}.pem`);
    const ext = this.file(`c${n}.ext`);
    fs.writeFileSync(
      ext,
      o.ext ?? 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n',
    );
    openssl(
      [
        'req',
        '-new',
        '-utf8',
        '-key',
        key,
        '-subj',
        o.subj,
        '-config',
        this.reqConfig('', o.stringMask),
        '-out',
        csr,
      ],
      {
        check: true,
      },
    );
    const signer = o.self ? ['-key', key] : ['-CA', this.caCert, '-CAkey', this.caKey];
    openssl(
      [
        'x509',
        '-req',
        '-in',
        csr,
        ...signer,
        '-days',
        o.days ?? '365',
        '-set_serial',
        o.serial ?? `0x${(1000 + n).toString(16)}01`,
        `-${o.md ?? 'sha256'}`,
        '-extfile',
        ext,
        '-out',
        out,
      ],
      { check: true },
    );
    return fs.readFileSync(out, 'utf8');
  }

  /** DER from an `openssl asn1parse -genconf` configuration. */
  genconf(conf: string): Uint8Array {
    const n = ++this.#n;
    const cf = this.file(`g${n}.cnf`);
    const out = this.file(`g${n}.der`);
    fs.writeFileSync(cf, conf);
    openssl(['asn1parse', '-genconf', cf, '-out', out, '-noout'], { check: true });
    return new Uint8Array(fs.readFileSync(out));
  }

  /** Signs DER with the CA key (ECDSA SHA-256) via `openssl dgst`; returns the signature hex. */
  sign(tbs: Uint8Array): string {
    const n = ++this.#n;
    const f = this.file(`t${n}.der`);
    fs.writeFileSync(f, tbs);
    return openssl(['dgst', '-sha256', '-sign', this.caKey, f], { check: true }).stdoutBuffer.toString('hex');
  }

  /** The CA public key as a genconf SubjectPublicKeyInfo section body. */
  spkiSections(): string {
    const der = openssl(['pkey', '-in', this.caKey, '-pubout', '-outform', 'DER'], {
      check: true,
    }).stdoutBuffer;
    const point = der.subarray(der.length - 65).toString('hex');
    return `[spki]\nalg=SEQUENCE:spki_alg\nkey=FORMAT:HEX,BITSTRING:${point}\n[spki_alg]\na=OID:id-ecPublicKey\nc=OID:prime256v1\n`;
  }

  /**
   * A certificate assembled by `asn1parse -genconf` and signed by `openssl dgst`. `tbs` lines replace
   * the defaults by key (ver, serial, sig, issuer, validity, subject, spki, ext; value '' drops the
   * field), `sections` adds or replaces named sections, `outerAlg` changes the outer algorithm.
   */
  genCert(
    o: { tbs?: Record<string, string>; sections?: Record<string, string>; outerAlg?: string } = {},
  ): Uint8Array {
    const fields: Record<string, string> = {
      ver: 'EXPLICIT:0,INTEGER:2',
      serial: 'INTEGER:0x1234',
      sig: 'SEQUENCE:alg',
      issuer: 'SEQUENCE:issuer',
      validity: 'SEQUENCE:validity',
      subject: 'SEQUENCE:subject',
      spki: 'SEQUENCE:spki',
      ext: 'EXPLICIT:3,SEQUENCE:exts',
      ...o.tbs,
    };
    const sections: Record<string, string> = {
      alg: 'a=OID:ecdsa-with-SHA256',
      alg2: 'a=OID:ecdsa-with-SHA384',
      issuer: 'r1=SET:rdn_o\nr2=SET:rdn_cn',
      subject: 'r1=SET:rdn_o\nr2=SET:rdn_cn',
      rdn_o: 'a=SEQUENCE:atv_o',
      atv_o: 't=OID:O\nv=UTF8:Lint Genconf',
      rdn_cn: 'a=SEQUENCE:atv_cn',
      atv_cn: 't=OID:CN\nv=UTF8:Lint Genconf Root',
      validity: 'nb=UTCTIME:260101000000Z\nna=UTCTIME:360101000000Z',
      exts: 'e1=SEQUENCE:ext_bc\ne2=SEQUENCE:ext_ku\ne3=SEQUENCE:ext_ski',
      ext_bc: 'id=OID:basicConstraints\nc=BOOL:TRUE\nv=OCTWRAP,SEQUENCE:bc',
      bc: 'ca=BOOL:TRUE',
      ext_ku: 'id=OID:keyUsage\nc=BOOL:TRUE\nv=OCTWRAP,FORMAT:BITLIST,BITSTRING:5,6',
      ext_ski:
        'id=OID:subjectKeyIdentifier\nv=OCTWRAP,FORMAT:HEX,OCTETSTRING:0102030405060708090A0B0C0D0E0F1011121314',
      ...o.sections,
    };
    const body = (top: string) =>
      `asn1=SEQUENCE:${top}\n[tbs]\n${Object.entries(fields)
        .filter(([, v]) => v !== '')
        .map(([k, v]) => `${k}=${v}`)
        .join('\n')}\n${Object.entries(sections)
        .map(([k, v]) => `[${k}]\n${v}\n`)
        .join('')}${this.spkiSections()}`;
    const tbs = this.genconf(body('tbs'));
    const sig = this.sign(tbs);
    return this.genconf(
      `${body('cert')}[cert]\ntbs=SEQUENCE:tbs\nalg=SEQUENCE:${o.outerAlg ?? 'alg'}\nsig=FORMAT:HEX,BITSTRING:${sig}\n`,
    );
  }

  /** A CRL assembled by genconf (fields as in `genCert`: ver, sig, issuer, this, next, revoked, ext). */
  genCrl(
    o: { tbs?: Record<string, string>; sections?: Record<string, string>; outerAlg?: string } = {},
  ): Uint8Array {
    const fields: Record<string, string> = {
      ver: 'INTEGER:1',
      sig: 'SEQUENCE:alg',
      issuer: 'SEQUENCE:issuer',
      this: 'UTCTIME:260101000000Z',
      next: 'UTCTIME:260108000000Z',
      revoked: 'SEQUENCE:revoked',
      ext: 'EXPLICIT:0,SEQUENCE:exts',
      ...o.tbs,
    };
    const sections: Record<string, string> = {
      alg: 'a=OID:ecdsa-with-SHA256',
      alg2: 'a=OID:ecdsa-with-SHA384',
      issuer: 'r1=SET:rdn_cn',
      rdn_cn: 'a=SEQUENCE:atv_cn',
      atv_cn: 't=OID:CN\nv=UTF8:Lint Genconf CRL Issuer',
      revoked: 'r1=SEQUENCE:entry1',
      entry1: 's=INTEGER:0x0A\nd=UTCTIME:251231000000Z',
      exts: 'e1=SEQUENCE:ext_aki\ne2=SEQUENCE:ext_num',
      ext_aki: 'id=OID:authorityKeyIdentifier\nv=OCTWRAP,SEQUENCE:aki',
      aki: 'k=IMPLICIT:0,FORMAT:HEX,OCTETSTRING:0102030405060708090A0B0C0D0E0F1011121314',
      ext_num: 'id=OID:crlNumber\nv=OCTWRAP,INTEGER:7',
      ...o.sections,
    };
    const body = (top: string) =>
      `asn1=SEQUENCE:${top}\n[tbs]\n${Object.entries(fields)
        .filter(([, v]) => v !== '')
        .map(([k, v]) => `${k}=${v}`)
        .join('\n')}\n${Object.entries(sections)
        .map(([k, v]) => `[${k}]\n${v}\n`)
        .join('')}`;
    const tbs = this.genconf(body('tbs'));
    const sig = this.sign(tbs);
    return this.genconf(
      `${body('crl')}[crl]\ntbs=SEQUENCE:tbs\nalg=SEQUENCE:${o.outerAlg ?? 'alg'}\nsig=FORMAT:HEX,BITSTRING:${sig}\n`,
    );
  }

  /**
   * An OCSP response from `openssl ocsp -index` for a fresh certificate of the test CA, signed by
   * `rsigner` (a PEM certificate whose key is the 'ec' key, or the CA itself) with `args` added
   * (-ndays, -rmd ...). Returns the DER.
   */
  ocspResponse(o: { rsigner?: string; args?: string[] } = {}): Uint8Array {
    const n = ++this.#n;
    const leafPem = this.cert({ subj: `/C=VN/O=Lint Test/CN=OCSP subject ${n}` });
    const leaf = this.file(`o${n}.pem`);
    fs.writeFileSync(leaf, leafPem);
    const serial = openssl(['x509', '-in', leaf, '-noout', '-serial'], { check: true })
      .stdout.trim()
      .split('=')[1]!;
    const index = this.file(`o${n}.index`);
    fs.writeFileSync(index, `V\t351231000000Z\t\t${serial}\tunknown\t/CN=x\n`);
    const req = this.file(`o${n}.req`);
    openssl(['ocsp', '-issuer', this.caCert, '-cert', leaf, '-reqout', req, '-no_nonce'], { check: true });
    const signer = o.rsigner ? this.file(`o${n}.signer.pem`) : this.caCert;
    if (o.rsigner) fs.writeFileSync(signer, o.rsigner);
    const out = this.file(`o${n}.resp`);
    const key = o.rsigner ? this.key('ec') : this.caKey;
    openssl(
      [
        'ocsp',
        '-index',
        index,
        '-rsigner',
        signer,
        '-rkey',
        key,
        '-CA',
        this.caCert,
        '-reqin',
        req,
        '-respout',
        out,
        ...(o.args ?? []),
      ],
      { check: true },
    );
    return new Uint8Array(fs.readFileSync(out));
  }

  /**
   * `openssl ca -gencrl` over the test CA with `crlExt` as crl_extensions ('' for none), an optional
   * crlnumber, and the given revocations ([cert PEM, reason]).
   */
  caCrl(o: { crlExt?: string; crlNumber?: boolean; revoke?: [string, string][]; md?: string } = {}): string {
    const n = ++this.#n;
    const d = this.file(`ca${n}`);
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, 'index.txt'), '');
    if (o.crlNumber !== false) fs.writeFileSync(path.join(d, 'crlnumber'), '01\n');
    const crlExt = o.crlExt ?? 'authorityKeyIdentifier=keyid:always';
    const conf = path.join(d, 'ca.cnf');
    fs.writeFileSync(
      conf,
      `[ca]\ndefault_ca=CA_default\n[CA_default]\ndir=${d}\ndatabase=${d}/index.txt\n${o.crlNumber !== false ? `crlnumber=${d}/crlnumber\n` : ''}` +
        `certificate=${this.caCert}\nprivate_key=${this.caKey}\ndefault_md=${o.md ?? 'sha256'}\ndefault_crl_days=7\npolicy=p\n` +
        `${crlExt ? 'crl_extensions=crl_ext\n' : ''}[p]\n[crl_ext]\n${crlExt}\n`,
    );
    for (const [pem, reason] of o.revoke ?? []) {
      const f = path.join(d, `r${Math.random().toString(36).slice(2)}.pem`);
      fs.writeFileSync(f, pem);
      openssl(['ca', '-config', conf, '-revoke', f, '-crl_reason', reason], { check: true });
    }
    const out = path.join(d, 'crl.pem');
    openssl(['ca', '-config', conf, '-gencrl', '-out', out], { check: true });
    return fs.readFileSync(out, 'utf8');
  }
}
