/**
 * `@kyso/pdf-sign/appearance`: visible signatures laid out per Decree 30/2020/NĐ-CP Phụ lục I: the
 * competent official's block ({@link personAppearance}, boxes 7a/7b/7c), the agency's seal
 * ({@link sealAppearance}, box 8) and the text stamp of appendices and electronic copies
 * ({@link stampAppearance}, box 14), with embedded subset TrueType fonts (Liberation Serif, Times
 * metrics, full Vietnamese), PNG images and text layout. Pass a provider as the `appearance`
 * option of `preparePdfSignature` / `signPdf`.
 *
 * @packageDocumentation
 */
export * from './decree30.js';
export * from './fonts.js';
export * from './images.js';
export * from './layout.js';
