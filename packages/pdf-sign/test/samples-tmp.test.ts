import { it } from 'vitest';
import fs from 'node:fs';
import { congVanSample, quyetDinhSample, demoSignaturePng, demoSealPng } from '../src/samples/index.js';
import { personAppearance, sealAppearance, stampAppearance } from '../src/appearance/index.js';
import { preparePdfSignature } from '../src/sign/prepare.js';
it('gen', async () => {
  const t0 = Date.now();
  const cv = await congVanSample({ emptyFields: true });
  console.log('cv ms', Date.now() - t0, cv.bytes.length, cv.signature);
  fs.writeFileSync('/tmp/kyso-ap/congvan.pdf', cv.bytes);
  const qd = await quyetDinhSample();
  fs.writeFileSync('/tmp/kyso-ap/quyetdinh.pdf', qd.bytes);
  const s = cv.signature;
  const p1 = await preparePdfSignature(cv.bytes, { fieldName: s.fields!.person, signerName: s.signerName, signingTime: new Date('2026-11-23T03:15:00Z'), appearance: personAppearance({ titleLines: s.titleLines, signatureImage: demoSignaturePng() }) });
  const p2 = await preparePdfSignature(p1.document, { fieldName: s.fields!.agency, signingTime: new Date('2026-11-23T03:20:00Z'), appearance: sealAppearance({ sealImage: demoSealPng() }) });
  fs.writeFileSync('/tmp/kyso-ap/congvan-signed.pdf', p2.document);
  const p3 = await preparePdfSignature(qd.bytes, { signingTime: new Date('2026-11-23T03:15:00Z'), appearance: stampAppearance({ kind: 'copy', agency: 'SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH AN LẠC' }) });
  fs.writeFileSync('/tmp/kyso-ap/qd-stamp.pdf', p3.document);
});
