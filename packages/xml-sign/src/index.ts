/**
 * `@kyso/xml-sign`: XML signatures for e-invoices (Circular 78 shape), tax filings and e-forms, Node
 * only: a safe bounded XML parser (no DTD, no external entities), Canonical XML 1.0/1.1 and
 * Exclusive C14N, XML-DSig 1.1 signing and core validation, and XAdES baseline B-B to B-LTA and
 * counter-signatures (ETSI EN 319 132-1). Signing is two-step like PDF
 * ({@link prepareXmlSignature} → sign the digest anywhere → {@link embedXmlSignature}) or one call
 * ({@link signXml}); {@link extendXades} raises a signature's level; {@link verifyXml} reports every
 * signature with the same verdict shape as the PDF verifier. Malformed or refused input throws
 * {@link XmlError}.
 *
 * @packageDocumentation
 */
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
