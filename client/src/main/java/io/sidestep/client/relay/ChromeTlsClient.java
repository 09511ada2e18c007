package io.sidestep.client.relay;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Vector;
import java.util.function.Consumer;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.jcajce.util.DefaultJcaJceHelper;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.ClientHello;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.KeyExchangeAlgorithm;
import org.bouncycastle.tls.NameType;
import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.ServerName;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsExtensionsUtils;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.TlsKemConfig;
import org.bouncycastle.tls.crypto.TlsKemDomain;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

/**
 * Bouncy Castle's TLS client speaking with {@link ChromeHello}'s hello: it puts Chrome's extension
 * bytes in the extension table, and {@link Protocol} writes them in the connection's order with the
 * GREASE values in place. The server's certificate is handed to a trust manager (the pin).
 */
final class ChromeTlsClient extends DefaultTlsClient {

  /**
   * The JDK's ciphers (AES-GCM with CPU instructions) and X25519; Bouncy Castle's own ML-KEM, which
   * Java 17 lacks (and which Bouncy Castle's JCA glue reaches only through Java 21's KEM API).
   */
  static final TlsCrypto CRYPTO = new JdkWithBcKem(new SecureRandom());

  private final String sniHost;
  private final X509TrustManager trust;
  private final Consumer<ChromeTlsClient> onHandshake;
  private final ChromeHello.Shape shape = ChromeHello.draw();

  /**
   * @param sniHost the server_name to send, or null for none (an IP literal)
   * @param onHandshake told when the handshake is done, on the thread feeding the protocol
   */
  ChromeTlsClient(String sniHost, X509TrustManager trust, Consumer<ChromeTlsClient> onHandshake) {
    super(CRYPTO);
    this.sniHost = sniHost;
    this.trust = trust;
    this.onHandshake = onHandshake;
  }

  /** The protocol chosen by ALPN, or null if none was. */
  String applicationProtocol() {
    var name = context.getSecurityParametersConnection().getApplicationProtocol();
    return name == null ? null : name.getUtf8Decoding();
  }

  @Override
  protected ProtocolVersion[] getSupportedVersions() {
    return ProtocolVersion.TLSv13.downTo(ProtocolVersion.TLSv12);
  }

  @Override
  public int[] getCipherSuites() {
    int[] suites = new int[ChromeHello.CIPHER_SUITES.length + 1];
    suites[0] = shape.cipherGrease();
    System.arraycopy(ChromeHello.CIPHER_SUITES, 0, suites, 1, ChromeHello.CIPHER_SUITES.length);
    return suites;
  }

  /**
   * Chrome's extensions with Chrome's bytes; key_share and supported_versions are added by the
   * protocol and get their GREASE entries when written.
   */
  @Override
  public Hashtable<Integer, byte[]> getClientExtensions() throws IOException {
    Hashtable<Integer, byte[]> e = new Hashtable<>();
    if (sniHost != null) {
      Vector<ServerName> names = new Vector<>();
      names.add(new ServerName(NameType.host_name, sniHost.getBytes(StandardCharsets.US_ASCII)));
      TlsExtensionsUtils.addServerNameExtensionClient(e, names);
    }
    e.put(ChromeHello.EXTENDED_MASTER_SECRET, new byte[0]);
    e.put(ChromeHello.RENEGOTIATION_INFO, ChromeHello.renegotiationInfo());
    e.put(ChromeHello.SUPPORTED_GROUPS, ChromeHello.supportedGroups(shape.groupGrease()));
    e.put(ChromeHello.EC_POINT_FORMATS, ChromeHello.ecPointFormats());
    e.put(ChromeHello.SESSION_TICKET, new byte[0]);
    e.put(ChromeHello.ALPN_EXT, ChromeHello.alpn());
    e.put(ChromeHello.STATUS_REQUEST, ChromeHello.statusRequest());
    e.put(ChromeHello.SIGNATURE_ALGORITHMS_EXT, ChromeHello.signatureAlgorithms());
    e.put(ChromeHello.SIGNED_CERTIFICATE_TIMESTAMP, new byte[0]);
    e.put(ChromeHello.PSK_KEY_EXCHANGE_MODES, ChromeHello.pskKeyExchangeModes());
    e.put(ChromeHello.COMPRESS_CERTIFICATE, ChromeHello.compressCertificate());
    e.put(ChromeHello.APPLICATION_SETTINGS, ChromeHello.applicationSettings());
    e.put(ChromeHello.ENCRYPTED_CLIENT_HELLO, shape.ech());
    return e;
  }

  @Override
  public Vector<Integer> getEarlyKeyShareGroups() {
    Vector<Integer> groups = new Vector<>();
    for (int g : ChromeHello.KEY_SHARES) {
      groups.add(g);
    }
    return groups;
  }

  @Override
  public TlsAuthentication getAuthentication() {
    return new TlsAuthentication() {
      @Override
      public void notifyServerCertificate(TlsServerCertificate server) throws IOException {
        X509Certificate[] chain = toX509(server.getCertificate().getCertificateList());
        try {
          trust.checkServerTrusted(chain, authType());
        } catch (CertificateException e) {
          throw new TlsFatalAlert(AlertDescription.bad_certificate, e);
        }
      }

      @Override
      public TlsCredentials getClientCredentials(CertificateRequest request) {
        return null; // a relay asks for none
      }
    };
  }

  @Override
  public void notifyHandshakeComplete() throws IOException {
    super.notifyHandshakeComplete();
    onHandshake.accept(this);
  }

  /**
   * The key exchange in the names the JDK's trust managers use to check the leaf's key usage:
   * {@code UNKNOWN} (a signature) for TLS 1.3, as the JDK's own client says.
   */
  private String authType() {
    SecurityParameters p = context.getSecurityParametersHandshake();
    if (TlsUtils.isTLSv13(p.getNegotiatedVersion())) {
      return "UNKNOWN";
    }
    return switch (TlsUtils.getKeyExchangeAlgorithm(p.getCipherSuite())) {
      case KeyExchangeAlgorithm.ECDHE_ECDSA -> "ECDHE_ECDSA";
      case KeyExchangeAlgorithm.ECDHE_RSA -> "ECDHE_RSA";
      case KeyExchangeAlgorithm.RSA -> "RSA";
      default -> "UNKNOWN";
    };
  }

  private static X509Certificate[] toX509(TlsCertificate[] list) throws IOException {
    try {
      CertificateFactory f = CertificateFactory.getInstance("X.509");
      X509Certificate[] out = new X509Certificate[list.length];
      for (int i = 0; i < list.length; i++) {
        out[i] =
            (X509Certificate) f.generateCertificate(new ByteArrayInputStream(list[i].getEncoded()));
      }
      return out;
    } catch (CertificateException e) {
      throw new TlsFatalAlert(AlertDescription.bad_certificate, e);
    }
  }

  /** The client side of the protocol, writing the hello in the connection's {@link #shape}. */
  final class Protocol extends TlsClientProtocol {
    @Override
    protected void sendClientHelloMessage() throws IOException {
      if (!(clientHello instanceof ShapedHello)) {
        clientHello = new ShapedHello(clientHello, shape);
      }
      super.sendClientHelloMessage();
    }
  }

  /**
   * A ClientHello written with its extensions in the shape's order: the first GREASE extension, the
   * table's extensions shuffled, anything else the protocol added (an HRR cookie), the last GREASE
   * extension. Bouncy Castle's own writer would put empty extensions first.
   */
  private static final class ShapedHello extends ClientHello {
    private final ChromeHello.Shape shape;

    ShapedHello(ClientHello h, ChromeHello.Shape shape) {
      super(
          h.getVersion(),
          h.getRandom(),
          h.getSessionID(),
          h.getCookie(),
          h.getCipherSuites(),
          h.getExtensions(),
          h.getBindersSize());
      this.shape = shape;
    }

    @Override
    public void encode(TlsContext context, OutputStream output) throws IOException {
      if (getBindersSize() != 0 || getCookie() != null) {
        throw new TlsFatalAlert(AlertDescription.internal_error, "no PSK or DTLS in this hello");
      }
      TlsUtils.writeVersion(getVersion(), output);
      output.write(getRandom());
      TlsUtils.writeOpaque8(getSessionID(), output);
      TlsUtils.writeUint16ArrayWithUint16Length(getCipherSuites(), output);
      TlsUtils.writeUint8ArrayWithUint8Length(new short[] {0}, output); // null compression

      @SuppressWarnings("unchecked")
      Hashtable<Integer, byte[]> table = getExtensions();
      List<Integer> types = new ArrayList<>();
      for (int t : shape.order()) {
        if (table.containsKey(t)) {
          types.add(t);
        }
      }
      for (Integer t : table.keySet()) {
        if (!types.contains(t)) {
          types.add(t);
        }
      }
      ByteArrayOutputStream ext = new ByteArrayOutputStream();
      write(ext, shape.firstExtensionGrease(), new byte[0]);
      for (int t : types) {
        write(ext, t, withGrease(t, table.get(t)));
      }
      write(ext, shape.lastExtensionGrease(), new byte[] {0});
      TlsUtils.writeOpaque16(ext.toByteArray(), output);
    }

    private byte[] withGrease(int type, byte[] data) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      if (type == ChromeHello.KEY_SHARE) {
        // client_shares<u16>: a one-byte share of the GREASE group first
        ChromeHello.u16(out, ((data[0] & 0xff) << 8 | (data[1] & 0xff)) + 5);
        ChromeHello.u16(out, shape.groupGrease());
        ChromeHello.u16(out, 1);
        out.write(0);
        out.write(data, 2, data.length - 2);
        return out.toByteArray();
      }
      if (type == ChromeHello.SUPPORTED_VERSIONS) {
        out.write((data[0] & 0xff) + 2); // versions<u8>: the GREASE version first
        ChromeHello.u16(out, shape.versionGrease());
        out.write(data, 1, data.length - 1);
        return out.toByteArray();
      }
      return data;
    }

    private static void write(ByteArrayOutputStream out, int type, byte[] data) throws IOException {
      TlsUtils.writeUint16(type, out);
      TlsUtils.writeOpaque16(data, out);
    }
  }

  /** The JDK's crypto, with key encapsulation (ML-KEM) from Bouncy Castle's own code. */
  private static final class JdkWithBcKem extends JcaTlsCrypto {
    private final BcTlsCrypto kem;

    JdkWithBcKem(SecureRandom random) {
      super(new DefaultJcaJceHelper(), random, new SecureRandom());
      this.kem = new BcTlsCrypto(random);
    }

    @Override
    public TlsKemDomain createKemDomain(TlsKemConfig config) {
      return kem.createKemDomain(config);
    }

    @Override
    protected Boolean isSupportedNamedGroup(int group) {
      return NamedGroup.refersToASpecificKem(group)
          ? Boolean.valueOf(kem.hasNamedGroup(group))
          : super.isSupportedNamedGroup(group);
    }
  }
}
