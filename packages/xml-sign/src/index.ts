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
export {
  attr,
  childElements,
  firstChild,
  textContent,
  descendants,
  isAncestorOrSelf,
  ownerDocument,
  inScopeNamespaces,
  XML_NS,
  XMLNS_NS,
  type XmlAttribute,
  type XmlElement,
  type XmlText,
  type XmlComment,
  type XmlProcessingInstruction,
  type XmlNode,
  type XmlDocument,
} from './xml/dom.js';
export { XML_ERROR_REASONS, type XmlErrorReason, XmlError } from './xml/errors.js';
export {
  parseXml,
  DEFAULT_MAX_XML_BYTES,
  DEFAULT_MAX_XML_DEPTH,
  DEFAULT_MAX_XML_NODES,
  MAX_XML_ATTRIBUTES,
  MAX_XML_NAME_LENGTH,
  type ParseXmlOptions,
} from './xml/parser.js';
export {
  c14nAlgorithm,
  canonicalize,
  canonicalizeChunks,
  canonicalizeToString,
  joinUri,
  C14N10,
  C14N10_COMMENTS,
  C14N11,
  C14N11_COMMENTS,
  EXC_C14N,
  EXC_C14N_COMMENTS,
  type C14nMethod,
  type C14nAlgorithm,
  type C14nOptions,
} from './xml/c14n.js';
export {
  newHash,
  digestSync,
  signatureMethodUri,
  DSIG_NS,
  DSIG11_NS,
  DSIG_MORE_NS,
  ENVELOPED,
  BASE64_TRANSFORM,
  XSLT,
  XPATH,
  XPATH_FILTER2,
  type DigestName,
  DIGEST_URI,
  DIGEST_URI_OF,
  type XmlSignatureMethod,
  SIGNATURE_URI,
  MIN_HMAC_OUTPUT_BITS,
} from './dsig/algorithms.js';
export {
  dereference,
  applyTransforms,
  digestReference,
  finalOctets,
  inclusivePrefixes,
  decodeBase64Loose,
  processReference,
  textOf,
  EXC_C14N_NS,
  type TransformData,
  type DetachedResolver,
  type ReferenceContext,
  MAX_TRANSFORMS,
  type ReferenceResult,
} from './dsig/reference.js';
export {
  readKeyInfo,
  certFingerprint,
  type KeySource,
  type CandidateKey,
  type KeyInfoOptions,
  type KeyInfoContent,
} from './dsig/keyinfo.js';
export {
  findSignatures,
  canonicalSignedInfo,
  verifyXmlSignature,
  verifyWithKey,
  signerCertificate,
  MAX_REFERENCES,
  MAX_SIGNATURES,
  type VerifyXmlSignatureOptions,
  type XmlSignatureResult,
} from './dsig/verify.js';
export {
  vnLocalTime,
  prepareXmlSignature,
  embedXmlSignature,
  signPreparedXml,
  signXml,
  prepareXadesCounterSignature,
  counterSignXml,
  type XmlPackaging,
  type PrepareXmlSignatureOptions,
  type PreparedXmlSignature,
  type PrepareCounterSignatureOptions,
} from './sign/prepare.js';
export {
  xadesObjectXml,
  qualifyingProperties,
  unsignedSignatureProperties,
  counterSignedSignature,
  missingDecls,
  findSignature,
  archiveTimeStampInput,
  addXadesArchiveTimeStamp,
  addXadesSignatureTimeStamp,
  appendUnsignedProperty,
  insertUnsignedProperty,
  addXadesValidationData,
  xadesValidationData,
  verifyXades,
  XADES_NS,
  XADES141_NS,
  SIGNED_PROPERTIES_TYPE,
  COUNTERSIGNED_SIGNATURE_TYPE,
  type XadesLevel,
  type XadesSignedPropertiesInput,
  type ArchiveTimeStampInputOptions,
  MAX_ARCHIVE_TIMESTAMPS,
  MAX_SIGNATURE_TIMESTAMPS,
  type XadesTimeStampResult,
  type XadesResult,
  type VerifyXadesOptions,
} from './xades/xades.js';
export {
  xadesUnsignedState,
  extendXades,
  type ExtendXadesOptions,
  type ExtendXadesResult,
} from './xades/extend.js';
export {
  signerSummary,
  verifyXml,
  type VerifyStatus,
  type XmlRevocationMode,
  type VerifyXmlOptions,
  type SignerSummary,
  type CertificateValidation,
  type XmlSignatureReport,
  type XmlValidationReport,
} from './verify/report.js';
export { vnTime, renderXmlReport, xmlReportJson, type ReportLanguage } from './verify/render.js';
export {
  xmlSignatureVerdict,
  xmlVerdict,
  xmlEtsiReport,
  type XmlSignatureVerdictInput,
} from './verify/verdict.js';
