// Independent PDF signer for kyso's tests: PDFBox 2 + BouncyCastle, as PDFBox's external-signing
// example does it (CMSSignedData.getEncoded(), i.e. BER with indefinite lengths, in a zero-padded
// /Contents). Debian packages only (libpdfbox2-java, libbcprov-java, libbcpkix-java).
//
//   java PdfBoxSign sign IN.pdf OUT.pdf KEY.pem CHAIN.pem adbe|cades visible|invisible
//   java PdfBoxSign annotate IN.pdf OUT.pdf        (an incremental text annotation on page 1)
//
// KEY.pem: unencrypted PKCS#8; CHAIN.pem: signer certificate first, then its issuers.
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.FileReader;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Security;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.List;

import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.PDResources;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAnnotation;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAnnotationText;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAnnotationWidget;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAppearanceDictionary;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAppearanceStream;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.ExternalSigningSupport;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSignature;
import org.apache.pdfbox.pdmodel.interactive.form.PDAcroForm;
import org.apache.pdfbox.pdmodel.interactive.form.PDField;
import org.apache.pdfbox.pdmodel.interactive.form.PDSignatureField;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.ess.ESSCertIDv2;
import org.bouncycastle.asn1.ess.SigningCertificateV2;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.CMSAttributeTableGenerator;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.CMSTypedData;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.DefaultSignedAttributeTableGenerator;
import org.bouncycastle.cms.SignerInfoGenerator;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;

public class PdfBoxSign {
  public static void main(String[] args) throws Exception {
    Security.addProvider(new BouncyCastleProvider());
    if (args[0].equals("sign")) sign(args[1], args[2], args[3], args[4], args[5], args[6]);
    else if (args[0].equals("annotate")) annotate(args[1], args[2]);
    else throw new IllegalArgumentException("unknown command " + args[0]);
  }

  static PrivateKey readKey(String file) throws Exception {
    try (PEMParser p = new PEMParser(new FileReader(file))) {
      Object o = p.readObject();
      return new JcaPEMKeyConverter().setProvider("BC").getPrivateKey((PrivateKeyInfo) o);
    }
  }

  static List<X509Certificate> readChain(String file) throws Exception {
    List<X509Certificate> out = new ArrayList<>();
    try (PEMParser p = new PEMParser(new FileReader(file))) {
      Object o;
      while ((o = p.readObject()) != null) {
        out.add(new JcaX509CertificateConverter().setProvider("BC").getCertificate((X509CertificateHolder) o));
      }
    }
    return out;
  }

  static void sign(String in, String out, String keyFile, String chainFile, String kind, String vis)
      throws Exception {
    PrivateKey key = readKey(keyFile);
    List<X509Certificate> chain = readChain(chainFile);
    boolean cades = kind.equals("cades");
    try (PDDocument doc = PDDocument.load(new File(in)); OutputStream os = new FileOutputStream(out)) {
      PDSignature sig = new PDSignature();
      sig.setFilter(PDSignature.FILTER_ADOBE_PPKLITE);
      sig.setSubFilter(cades ? COSName.getPDFName("ETSI.CAdES.detached") : PDSignature.SUBFILTER_ADBE_PKCS7_DETACHED);
      sig.setName("PDFBox signer");
      sig.setReason("interop test");
      sig.setSignDate(Calendar.getInstance());
      doc.addSignature(sig);
      if (vis.equals("visible")) makeVisible(doc, sig);
      ExternalSigningSupport ext = doc.saveIncrementalForExternalSigning(os);
      byte[] content = readAll(ext.getContent());
      ext.setSignature(cms(content, key, chain, cades));
    }
  }

  /** Gives the new signature field's widget a rectangle on page 1 and a simple appearance. */
  static void makeVisible(PDDocument doc, PDSignature sig) throws Exception {
    PDAcroForm form = doc.getDocumentCatalog().getAcroForm();
    for (PDField f : form.getFieldTree()) {
      if (!(f instanceof PDSignatureField)) continue;
      PDSignatureField sf = (PDSignatureField) f;
      if (sf.getCOSObject().getDictionaryObject(COSName.V) != sig.getCOSObject()) continue;
      PDAnnotationWidget w = sf.getWidgets().get(0);
      PDRectangle rect = new PDRectangle(60, 60, 220, 60);
      w.setRectangle(rect);
      PDPage page = doc.getPage(0);
      w.setPage(page);
      boolean listed = false;
      for (PDAnnotation a : page.getAnnotations()) if (a.getCOSObject() == w.getCOSObject()) listed = true;
      if (!listed) {
        List<PDAnnotation> annots = page.getAnnotations();
        annots.add(w);
        page.setAnnotations(annots);
      }
      PDAppearanceStream ap = new PDAppearanceStream(doc);
      ap.setBBox(new PDRectangle(220, 60));
      ap.setResources(new PDResources());
      try (PDPageContentStream cs = new PDPageContentStream(doc, ap)) {
        cs.setNonStrokingColor(0.9f, 0.9f, 1f);
        cs.addRect(0, 0, 220, 60);
        cs.fill();
        cs.beginText();
        cs.setNonStrokingColor(0f, 0f, 0f);
        cs.setFont(PDType1Font.HELVETICA, 12);
        cs.newLineAtOffset(8, 25);
        cs.showText("Signed with PDFBox");
        cs.endText();
      }
      PDAppearanceDictionary d = new PDAppearanceDictionary();
      d.setNormalAppearance(ap);
      w.setAppearance(d);
      page.getCOSObject().setNeedToBeUpdated(true);
      return;
    }
    throw new IllegalStateException("signature field not found");
  }

  static byte[] readAll(InputStream in) throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    byte[] buf = new byte[65536];
    int n;
    while ((n = in.read(buf)) > 0) b.write(buf, 0, n);
    return b.toByteArray();
  }

  static byte[] cms(byte[] content, PrivateKey key, List<X509Certificate> chain, boolean cades) throws Exception {
    X509Certificate cert = chain.get(0);
    String alg = key.getAlgorithm().startsWith("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    ContentSigner signer = new JcaContentSignerBuilder(alg).setProvider("BC").build(key);
    JcaSignerInfoGeneratorBuilder b =
        new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().setProvider("BC").build());
    if (cades) {
      // PAdES: signing-certificate-v2, no signing-time.
      byte[] h = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
      ESSCertIDv2 id = new ESSCertIDv2(new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha256), h);
      SigningCertificateV2 scv2 = new SigningCertificateV2(new ESSCertIDv2[] {id});
      ASN1EncodableVector v = new ASN1EncodableVector();
      v.add(new Attribute(PKCSObjectIdentifiers.id_aa_signingCertificateV2, new DERSet(scv2)));
      AttributeTable extra = new AttributeTable(v);
      CMSAttributeTableGenerator gen = new DefaultSignedAttributeTableGenerator(extra) {
        @Override
        protected java.util.Hashtable createStandardAttributeTable(java.util.Map params) {
          java.util.Hashtable t = super.createStandardAttributeTable(params);
          t.remove(CMSAttributes.signingTime);
          return t;
        }
      };
      b.setSignedAttributeGenerator(gen);
    }
    SignerInfoGenerator sig = b.build(signer, cert);
    CMSSignedDataGenerator g = new CMSSignedDataGenerator();
    g.addSignerInfoGenerator(sig);
    g.addCertificates(new JcaCertStore(chain));
    CMSTypedData msg = new CMSProcessableByteArray(content);
    CMSSignedData sd = g.generate(msg, false);
    return sd.getEncoded(); // BER, as PDFBox's example writes it
  }

  static void annotate(String in, String out) throws Exception {
    try (PDDocument doc = PDDocument.load(new File(in)); OutputStream os = new FileOutputStream(out)) {
      PDPage page = doc.getPage(0);
      PDAnnotationText note = new PDAnnotationText();
      note.setRectangle(new PDRectangle(300, 700, 20, 20));
      note.setContents("reviewed (PDFBox incremental annotation)");
      note.setPage(page);
      List<PDAnnotation> annots = page.getAnnotations();
      annots.add(note);
      page.setAnnotations(annots);
      page.getCOSObject().setNeedToBeUpdated(true);
      COSArray arr = page.getCOSObject().getCOSArray(COSName.ANNOTS);
      if (arr != null) arr.setNeedToBeUpdated(true);
      note.getCOSObject().setNeedToBeUpdated(true);
      // PDFBox 2 writes an object incrementally only when a chain of updated objects leads to it.
      doc.getDocumentCatalog().getCOSObject().setNeedToBeUpdated(true);
      doc.getPages().getCOSObject().setNeedToBeUpdated(true);
      doc.saveIncremental(os);
    }
  }
}
