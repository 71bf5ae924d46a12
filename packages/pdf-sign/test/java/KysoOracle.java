// Independent verifier for kyso's tests: BouncyCastle + PDFBox 2 (Debian packages only) check what
// kyso makes. Every check prints one line "PASS <check> <detail>" or "FAIL <check> <detail>"; the
// exit status is 1 when any check failed, 2 on a usage or parse error.
//
//   java KysoOracle cms SIG.der CONTENT          detached CMS/CAdES over CONTENT
//   java KysoOracle tsp TOKEN.der DATA            RFC 3161 token whose imprint is the hash of DATA
//   java KysoOracle ocsp RESP.der CERT.pem ISSUER.pem   OCSP response (RFC 6960) for CERT: good
//   java KysoOracle pdf FILE.pdf LEVEL            PAdES B-B | B-T | B-LT | B-LTA structure
import java.io.ByteArrayInputStream;
import java.io.FileReader;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.Security;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSBase;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSObject;
import org.apache.pdfbox.cos.COSStream;
import org.apache.pdfbox.io.IOUtils;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSignature;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.ess.ESSCertIDv2;
import org.bouncycastle.asn1.ess.SigningCertificateV2;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.tsp.TimeStampToken;

public class KysoOracle {
  static int failures = 0;

  static void check(boolean ok, String name, String detail) {
    System.out.println((ok ? "PASS " : "FAIL ") + name + " " + detail);
    if (!ok) failures++;
  }

  public static void main(String[] args) throws Exception {
    Security.addProvider(new BouncyCastleProvider());
    try {
      switch (args[0]) {
        case "cms": {
          byte[] content = Files.readAllBytes(Paths.get(args[2]));
          cms(Files.readAllBytes(Paths.get(args[1])), content, "cms", false);
          break;
        }
        case "tsp": {
          byte[] data = Files.readAllBytes(Paths.get(args[2]));
          tsp(Files.readAllBytes(Paths.get(args[1])), data, "tsp");
          break;
        }
        case "ocsp":
          ocsp(Files.readAllBytes(Paths.get(args[1])), pem(args[2]), pem(args[3]), new ArrayList<>(), "ocsp");
          break;
        case "pdf":
          pdf(Files.readAllBytes(Paths.get(args[1])), args[2]);
          break;
        default:
          throw new IllegalArgumentException("unknown command " + args[0]);
      }
    } catch (Exception e) {
      System.out.println("ERROR " + e);
      System.exit(2);
    }
    System.out.println("RESULT " + (failures == 0 ? "OK" : failures + " failed"));
    System.exit(failures == 0 ? 0 : 1);
  }

  static X509CertificateHolder pem(String file) throws Exception {
    try (PEMParser p = new PEMParser(new FileReader(file))) {
      return (X509CertificateHolder) p.readObject();
    }
  }

  static DigestCalculatorProvider digests() throws Exception {
    return new JcaDigestCalculatorProviderBuilder().setProvider("BC").build();
  }

  static boolean signedBy(X509CertificateHolder c, X509CertificateHolder issuer) {
    try {
      return c.getIssuer().equals(issuer.getSubject())
          && c.isSignatureValid(new JcaContentVerifierProviderBuilder().setProvider("BC").build(issuer));
    } catch (Exception e) {
      return false;
    }
  }

  static X509CertificateHolder issuerOf(X509CertificateHolder c, Collection<X509CertificateHolder> pool) {
    for (X509CertificateHolder i : pool) if (!i.equals(c) && signedBy(c, i)) return i;
    return null;
  }

  static boolean selfSigned(X509CertificateHolder c) {
    return c.getSubject().equals(c.getIssuer()) && signedBy(c, c);
  }

  /** Verifies a detached CMS over `content`; returns the signer certificate and its CMS certificates. */
  static List<X509CertificateHolder> cms(byte[] der, byte[] content, String p, boolean pades) throws Exception {
    CMSSignedData sd = new CMSSignedData(new CMSProcessableByteArray(content), der);
    check(sd.getSignedContent() != null, p + ".detached", "content supplied by the caller");
    Collection<SignerInformation> signers = sd.getSignerInfos().getSigners();
    check(signers.size() == 1, p + ".signer-count", String.valueOf(signers.size()));
    SignerInformation si = signers.iterator().next();
    @SuppressWarnings("unchecked")
    Collection<X509CertificateHolder> matches = sd.getCertificates().getMatches(si.getSID());
    check(matches.size() == 1, p + ".signer-certificate", "in the CMS certificates");
    X509CertificateHolder cert = matches.iterator().next();
    boolean ok;
    String why = "";
    try {
      ok = si.verify(new JcaSimpleSignerInfoVerifierBuilder().setProvider("BC").build(cert));
    } catch (org.bouncycastle.cms.CMSException e) {
      ok = false;
      why = ": " + e.getMessage();
    }
    check(ok, p + ".signature", cert.getSubject() + " over " + content.length + " bytes" + why);
    AttributeTable signed = si.getSignedAttributes();
    Attribute scv2 = signed == null ? null : signed.get(PKCSObjectIdentifiers.id_aa_signingCertificateV2);
    if (pades || scv2 != null) {
      check(scv2 != null, p + ".signing-certificate-v2", "present");
      if (scv2 != null) {
        SigningCertificateV2 v = SigningCertificateV2.getInstance(scv2.getAttrValues().getObjectAt(0));
        ESSCertIDv2 id = v.getCerts()[0];
        String alg = id.getHashAlgorithm().getAlgorithm().getId();
        MessageDigest md = MessageDigest.getInstance(alg, "BC");
        boolean same = Arrays.equals(md.digest(cert.getEncoded()), id.getCertHash());
        boolean serial = id.getIssuerSerial() == null
            || id.getIssuerSerial().getSerial().getValue().equals(cert.getSerialNumber());
        check(same && serial, p + ".signing-certificate-v2.match", "hash " + alg + (serial ? "" : " serial differs"));
      }
    }
    if (pades) {
      check(signed.get(CMSAttributes.signingTime) == null, p + ".no-signing-time", "PAdES forbids signing-time");
    }
    List<X509CertificateHolder> out = new ArrayList<>();
    out.add(cert);
    @SuppressWarnings("unchecked")
    Collection<X509CertificateHolder> all = sd.getCertificates().getMatches(null);
    for (X509CertificateHolder c : all) if (!c.equals(cert)) out.add(c);
    // Signature time-stamp (B-T): its imprint is the hash of the signature value.
    AttributeTable unsigned = si.getUnsignedAttributes();
    Attribute ts = unsigned == null ? null : unsigned.get(PKCSObjectIdentifiers.id_aa_signatureTimeStampToken);
    if (ts != null) {
      byte[] tok = ts.getAttrValues().getObjectAt(0).toASN1Primitive().getEncoded();
      out.addAll(tsp(tok, si.getSignature(), p + ".signature-timestamp"));
    }
    return out;
  }

  /** Verifies an RFC 3161 token over `data`; returns the TSA certificate and the token's certificates. */
  static List<X509CertificateHolder> tsp(byte[] der, byte[] data, String p) throws Exception {
    TimeStampToken t = new TimeStampToken(new CMSSignedData(der));
    String alg = t.getTimeStampInfo().getMessageImprintAlgOID().getId();
    byte[] h = MessageDigest.getInstance(alg, "BC").digest(data);
    check(Arrays.equals(h, t.getTimeStampInfo().getMessageImprintDigest()), p + ".imprint", "hash " + alg);
    @SuppressWarnings("unchecked")
    Collection<X509CertificateHolder> matches = t.getCertificates().getMatches(t.getSID());
    check(matches.size() == 1, p + ".tsa-certificate", "in the token");
    List<X509CertificateHolder> out = new ArrayList<>();
    if (matches.isEmpty()) return out;
    X509CertificateHolder cert = matches.iterator().next();
    try {
      t.validate(new JcaSimpleSignerInfoVerifierBuilder().setProvider("BC").build(cert));
      check(true, p + ".signature", cert.getSubject() + " at " + t.getTimeStampInfo().getGenTime().toInstant());
    } catch (Exception e) {
      check(false, p + ".signature", e.toString());
    }
    out.add(cert);
    @SuppressWarnings("unchecked")
    Collection<X509CertificateHolder> all = t.getCertificates().getMatches(null);
    for (X509CertificateHolder c : all) if (!c.equals(cert)) out.add(c);
    return out;
  }

  /** RFC 6960: successful, signature valid, responder authorised (4.2.2.2), status good for `cert`. */
  static boolean ocsp(byte[] der, X509CertificateHolder cert, X509CertificateHolder issuer,
      List<X509CertificateHolder> pool, String p) throws Exception {
    OCSPResp r = new OCSPResp(der);
    check(r.getStatus() == OCSPResp.SUCCESSFUL, p + ".response-status", String.valueOf(r.getStatus()));
    if (r.getStatus() != OCSPResp.SUCCESSFUL) return false;
    BasicOCSPResp b = (BasicOCSPResp) r.getResponseObject();
    X509CertificateHolder responder = null;
    List<X509CertificateHolder> candidates = new ArrayList<>(Arrays.asList(b.getCerts()));
    candidates.add(issuer);
    for (X509CertificateHolder c : candidates) {
      try {
        if (b.isSignatureValid(new JcaContentVerifierProviderBuilder().setProvider("BC").build(c))) {
          responder = c;
          break;
        }
      } catch (Exception e) {
        // not this one
      }
    }
    check(responder != null, p + ".signature", responder == null ? "no certificate verifies it" : responder.getSubject().toString());
    if (responder == null) return false;
    boolean authorised = responder.equals(issuer)
        || (signedBy(responder, issuer) && responder.getExtensions() != null
            && org.bouncycastle.asn1.x509.ExtendedKeyUsage.fromExtensions(responder.getExtensions()) != null
            && org.bouncycastle.asn1.x509.ExtendedKeyUsage.fromExtensions(responder.getExtensions())
                .hasKeyPurposeId(KeyPurposeId.id_kp_OCSPSigning));
    check(authorised, p + ".responder-authorised", responder.equals(issuer) ? "the CA itself" : "delegated, id-kp-OCSPSigning");
    SingleResp found = null;
    for (SingleResp s : b.getResponses()) {
      CertificateID id = s.getCertID();
      if (id.getSerialNumber().equals(cert.getSerialNumber()) && id.matchesIssuer(issuer, digests())) found = s;
    }
    check(found != null, p + ".cert-id", "a SingleResponse for serial " + cert.getSerialNumber().toString(16));
    if (found == null) return false;
    check(found.getCertStatus() == null, p + ".cert-status", found.getCertStatus() == null ? "good" : found.getCertStatus().getClass().getSimpleName());
    return authorised && found.getCertStatus() == null;
  }

  static boolean crlProves(byte[] der, X509CertificateHolder cert, X509CertificateHolder issuer) {
    try {
      X509CRLHolder crl = new X509CRLHolder(der);
      if (!crl.getIssuer().equals(issuer.getSubject())) return false;
      if (!crl.isSignatureValid(new JcaContentVerifierProviderBuilder().setProvider("BC").build(issuer))) return false;
      return crl.getRevokedCertificate(cert.getSerialNumber()) == null;
    } catch (Exception e) {
      return false;
    }
  }

  static byte[] streamBytes(COSBase b) throws Exception {
    if (b instanceof COSObject) b = ((COSObject) b).getObject();
    try (java.io.InputStream in = ((COSStream) b).createInputStream()) {
      return IOUtils.toByteArray(in);
    }
  }

  static List<byte[]> dssArray(COSDictionary dss, String key) throws Exception {
    List<byte[]> out = new ArrayList<>();
    if (dss == null) return out;
    COSBase a = dss.getDictionaryObject(COSName.getPDFName(key));
    if (a instanceof COSArray) for (COSBase e : (COSArray) a) out.add(streamBytes(e));
    return out;
  }

  static COSDictionary dssOf(byte[] pdf) throws Exception {
    try (PDDocument d = PDDocument.load(pdf)) {
      COSBase dss = d.getDocumentCatalog().getCOSObject().getDictionaryObject(COSName.getPDFName("DSS"));
      if (!(dss instanceof COSDictionary)) return null;
      // copy what we need before closing
      COSDictionary copy = new COSDictionary();
      for (String k : new String[] {"Certs", "OCSPs", "CRLs"}) {
        COSArray arr = new COSArray();
        for (byte[] b : dssArray((COSDictionary) dss, k)) {
          COSStream s = new COSStream();
          try (java.io.OutputStream o = s.createOutputStream()) {
            o.write(b);
          }
          arr.add(s);
        }
        copy.setItem(COSName.getPDFName(k), arr);
      }
      return copy;
    }
  }

  static void pdf(byte[] file, String level) throws Exception {
    boolean t = !level.equals("B-B");
    boolean lt = level.equals("B-LT") || level.equals("B-LTA");
    boolean lta = level.equals("B-LTA");
    List<X509CertificateHolder> needStatus = new ArrayList<>();
    List<X509CertificateHolder> pool = new ArrayList<>();
    int docTs = 0;
    int lastDocTsEnd = -1;
    boolean sigTs = false;
    List<Object[]> pendingTs = new ArrayList<>();
    List<Integer> docTsEnds = new ArrayList<>();
    try (PDDocument doc = PDDocument.load(file)) {
      List<PDSignature> sigs = doc.getSignatureDictionaries();
      check(!sigs.isEmpty(), "pdf.signatures", String.valueOf(sigs.size()));
      int i = 0;
      for (PDSignature s : sigs) {
        String p = "sig" + (i++) + "(" + s.getSubFilter() + ")";
        int[] br = s.getByteRange();
        int end = br[2] + br[3];
        boolean atContents = br[0] == 0 && br.length == 4 && file[br[1]] == '<' && file[br[2] - 1] == '>';
        // The hole is exactly the hex string: only hex digits between < and >.
        boolean hexOnly = true;
        for (int k = br[1] + 1; k < br[2] - 1; k++) hexOnly &= Character.digit(file[k], 16) >= 0;
        String tail = new String(file, Math.max(0, end - 8), Math.min(8, end), "ISO-8859-1");
        boolean revEnd = end == file.length || tail.trim().endsWith("%%EOF");
        check(atContents && hexOnly && revEnd, p + ".byte-range",
            Arrays.toString(br) + " hole=/Contents, end " + (end == file.length ? "= file length" : "= a revision end"));
        byte[] contents = s.getContents(file);
        byte[] signed = s.getSignedContent(file);
        if ("ETSI.RFC3161".equals(s.getSubFilter())) {
          docTs++;
          docTsEnds.add(end);
          lastDocTsEnd = Math.max(lastDocTsEnd, end);
          // The newest document time-stamp's TSA cannot have status in a DSS it covers: not required.
          pool.addAll(tsp(contents, signed, p + ".doc-timestamp"));
        } else {
          boolean pades = "ETSI.CAdES.detached".equals(s.getSubFilter());
          List<X509CertificateHolder> certs = cms(contents, signed, p, pades);
          CMSSignedData sd = new CMSSignedData(new CMSProcessableByteArray(signed), contents);
          SignerInformation si = sd.getSignerInfos().getSigners().iterator().next();
          boolean hasTs = si.getUnsignedAttributes() != null
              && si.getUnsignedAttributes().get(PKCSObjectIdentifiers.id_aa_signatureTimeStampToken) != null;
          sigTs |= hasTs;
          if (t) pendingTs.add(new Object[] {p, end, hasTs});
          pool.addAll(certs);
          needStatus.add(certs.get(0));
          // The signature time-stamp's TSA certificate needs status too.
          if (hasTs) {
            byte[] tok = si.getUnsignedAttributes().get(PKCSObjectIdentifiers.id_aa_signatureTimeStampToken)
                .getAttrValues().getObjectAt(0).toASN1Primitive().getEncoded();
            TimeStampToken tt = new TimeStampToken(new CMSSignedData(tok));
            @SuppressWarnings("unchecked")
            Collection<X509CertificateHolder> m = tt.getCertificates().getMatches(tt.getSID());
            needStatus.addAll(m);
            @SuppressWarnings("unchecked")
            Collection<X509CertificateHolder> all = tt.getCertificates().getMatches(null);
            pool.addAll(all);
          }
        }
      }
    }
    // B-T (EN 319 142-1 §6.3): a signature time-stamp, or a document time-stamp over the signature.
    for (Object[] pt : pendingTs) {
      boolean own = (Boolean) pt[2];
      boolean covered = false;
      for (int e : docTsEnds) covered |= e > (Integer) pt[1];
      check(own || covered, pt[0] + ".signature-timestamp.present",
          own ? "B-T: signature time-stamp" : covered ? "B-T: a document time-stamp covers it" : "none");
    }
    if (!lt) return;
    COSDictionary dss = dssOf(file);
    check(dss != null, "dss.present", "catalog /DSS");
    if (dss == null) return;
    List<byte[]> certs = dssArray(dss, "Certs");
    List<byte[]> ocsps = dssArray(dss, "OCSPs");
    List<byte[]> crls = dssArray(dss, "CRLs");
    for (byte[] c : certs) pool.add(new X509CertificateHolder(c));
    check(!certs.isEmpty() && (!ocsps.isEmpty() || !crls.isEmpty()), "dss.contents",
        certs.size() + " certs, " + ocsps.size() + " OCSP, " + crls.size() + " CRL");
    // Every certificate of each path (signer's, TSA's) up to the root has status in the DSS.
    List<X509CertificateHolder> done = new ArrayList<>();
    List<X509CertificateHolder> todo = new ArrayList<>(needStatus);
    while (!todo.isEmpty()) {
      X509CertificateHolder c = todo.remove(0);
      if (done.contains(c)) continue;
      done.add(c);
      if (selfSigned(c)) continue;
      X509CertificateHolder iss = issuerOf(c, pool);
      String who = c.getSubject().toString();
      check(iss != null, "dss.issuer", "issuer of " + who + " in the CMS/DSS certificates");
      if (iss == null) continue;
      todo.add(iss);
      boolean proven = false;
      String how = "";
      for (byte[] o : ocsps) {
        if (quietOcspGood(o, c, iss)) {
          proven = true;
          how = "OCSP good";
        }
      }
      if (!proven)
        for (byte[] crl : crls)
          if (crlProves(crl, c, iss)) {
            proven = true;
            how = "CRL, not listed";
          }
      check(proven, "dss.status", who + ": " + (proven ? how : "no OCSP good / CRL for it"));
    }
    if (!lta) return;
    check(docTs > 0, "lta.doc-timestamp", docTs + " document time-stamp(s)");
    if (lastDocTsEnd > 0) {
      // The newest document time-stamp covers a revision that already holds the DSS.
      byte[] covered = Arrays.copyOf(file, lastDocTsEnd);
      COSDictionary before = dssOf(covered);
      check(before != null && !dssArray(before, "Certs").isEmpty(), "lta.covers-dss",
          "the DSS is inside the last document time-stamp's ByteRange");
    }
  }

  static boolean quietOcspGood(byte[] der, X509CertificateHolder cert, X509CertificateHolder issuer) {
    int saved = failures;
    java.io.PrintStream out = System.out;
    try {
      System.setOut(new java.io.PrintStream(new java.io.ByteArrayOutputStream()));
      return ocsp(der, cert, issuer, new ArrayList<>(), "q");
    } catch (Exception e) {
      return false;
    } finally {
      System.setOut(out);
      failures = saved;
    }
  }
}
