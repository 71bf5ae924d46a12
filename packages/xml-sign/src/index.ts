/** @kyso/xml-sign: safe XML parsing, canonicalisation, XML-DSig and XAdES signing and verification. */
export * from './xml/dom.js';
export * from './xml/errors.js';
export * from './xml/parser.js';
export * from './xml/c14n.js';
export * from './dsig/algorithms.js';
export * from './dsig/reference.js';
export * from './dsig/keyinfo.js';
export * from './dsig/verify.js';
export * from './sign/prepare.js';
export * from './xades/xades.js';
export * from './xades/extend.js';
export * from './verify/report.js';
export * from './verify/render.js';
export * from './verify/verdict.js';
