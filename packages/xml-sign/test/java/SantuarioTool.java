// Test helper (compiled by packages/xml-sign/test/santuario.test.ts with javac): Apache Santuario
// (Debian libxml-security-java) verifies or signs XML-DSig. Not shipped; test-only.
//   verify FILE [I]      -> prints "VALID n" (n = references) or "INVALID reason", exit 0/1; I = which
//                           ds:Signature in document order (default 0: a counter-signature is 1)
//   sign IN OUT P12 PASS -> enveloped RSA-SHA256 signature over URI="" with the certificate in KeyInfo
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Enumeration;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.apache.xml.security.Init;
import org.apache.xml.security.c14n.Canonicalizer;
import org.apache.xml.security.signature.XMLSignature;
import org.apache.xml.security.transforms.Transforms;
import org.apache.xml.security.utils.Constants;
import org.apache.xml.security.utils.resolver.implementations.ResolverLocalFilesystem;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

public class SantuarioTool {
  static Document parse(File f) throws Exception {
    DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
    dbf.setNamespaceAware(true);
    dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    dbf.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
    DocumentBuilder db = dbf.newDocumentBuilder();
    Document doc = db.parse(f);
    registerIds(doc.getDocumentElement());
    return doc;
  }

  static void registerIds(Element e) {
    NamedNodeMap attrs = e.getAttributes();
    for (int i = 0; i < attrs.getLength(); i++) {
      Node a = attrs.item(i);
      String n = a.getLocalName() == null ? a.getNodeName() : a.getLocalName();
      if (a.getNamespaceURI() == null && (n.equals("Id") || n.equals("ID") || n.equals("id"))) e.setIdAttributeNode((org.w3c.dom.Attr) a, true);
    }
    for (Node c = e.getFirstChild(); c != null; c = c.getNextSibling()) if (c instanceof Element) registerIds((Element) c);
  }

  public static void main(String[] args) throws Exception {
    Init.init();
    if (args[0].equals("verify")) {
      File f = new File(args[1]);
      Document doc = parse(f);
      NodeList sigs = doc.getElementsByTagNameNS(Constants.SignatureSpecNS, "Signature");
      if (sigs.getLength() == 0) { System.out.println("INVALID no signature"); System.exit(1); }
      int which = args.length > 2 ? Integer.parseInt(args[2]) : 0;
      if (which >= sigs.getLength()) { System.out.println("INVALID no signature " + which); System.exit(1); }
      XMLSignature sig = new XMLSignature((Element) sigs.item(which), f.toURI().toString(), true);
      sig.addResourceResolver(new ResolverLocalFilesystem());
      X509Certificate cert = sig.getKeyInfo().getX509Certificate();
      boolean ok = cert != null ? sig.checkSignatureValue(cert) : sig.checkSignatureValue(sig.getKeyInfo().getPublicKey());
      int n = sig.getSignedInfo().getLength();
      System.out.println(ok ? "VALID " + n : "INVALID signature or reference");
      System.exit(ok ? 0 : 1);
    } else if (args[0].equals("sign")) {
      Document doc = parse(new File(args[1]));
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(new FileInputStream(args[3]), args[4].toCharArray());
      String alias = null;
      for (Enumeration<String> en = ks.aliases(); en.hasMoreElements();) { String a = en.nextElement(); if (ks.isKeyEntry(a)) alias = a; }
      PrivateKey key = (PrivateKey) ks.getKey(alias, args[4].toCharArray());
      X509Certificate cert = (X509Certificate) ks.getCertificate(alias);
      String alg = key.getAlgorithm().equals("EC") ? XMLSignature.ALGO_ID_SIGNATURE_ECDSA_SHA256 : XMLSignature.ALGO_ID_SIGNATURE_RSA_SHA256;
      XMLSignature sig = new XMLSignature(doc, "", alg, Canonicalizer.ALGO_ID_C14N_EXCL_OMIT_COMMENTS);
      doc.getDocumentElement().appendChild(sig.getElement());
      Transforms t = new Transforms(doc);
      t.addTransform(Transforms.TRANSFORM_ENVELOPED_SIGNATURE);
      t.addTransform(Transforms.TRANSFORM_C14N_EXCL_OMIT_COMMENTS);
      sig.addDocument("", t, "http://www.w3.org/2001/04/xmlenc#sha256");
      sig.addKeyInfo(cert);
      sig.sign(key);
      try (FileOutputStream out = new FileOutputStream(args[2])) {
        TransformerFactory.newInstance().newTransformer().transform(new DOMSource(doc), new StreamResult(out));
      }
    }
  }
}
