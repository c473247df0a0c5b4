package dev.promptq.gateway.api;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The gateway's TLS identity from PEM files, as certbot and most CAs give them: a certificate
 * (its chain after it) and an unencrypted PKCS#8 private key ({@code BEGIN PRIVATE KEY}; RSA, EC or
 * Ed25519). Errors name the file and what to do; they never hold key material.
 */
public final class TlsFiles {
  private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");

  private TlsFiles() {}

  /**
   * An SSL context serving {@code cert} with {@code key}.
   *
   * @throws IllegalArgumentException naming the setting whose file cannot be used, and why
   */
  public static SSLContext load(Path cert, Path key) {
    List<Certificate> chain = certificates(cert);
    PrivateKey privateKey = privateKey(key);
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      char[] none = new char[0];
      store.setKeyEntry("gateway", privateKey, none, chain.toArray(Certificate[]::new));
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(store, none);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf.getKeyManagers(), null, null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("gateway.tls.key: does not go with the certificate in " + cert + " ("
          + e.getClass().getSimpleName() + ")");
    }
  }

  private static List<Certificate> certificates(Path file) {
    try {
      Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(file)));
      if (certs.isEmpty()) {
        throw new IllegalArgumentException("gateway.tls.cert: no certificate in " + file);
      }
      return List.copyOf(certs);
    } catch (IOException e) {
      throw new IllegalArgumentException("gateway.tls.cert: cannot read " + file + " (" + e.getMessage() + ")");
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("gateway.tls.cert: " + file + " is not a PEM certificate ("
          + e.getMessage() + ")");
    }
  }

  private static PrivateKey privateKey(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalArgumentException("gateway.tls.key: cannot read " + file + " (" + e.getMessage() + ")");
    }
    Matcher m = PEM.matcher(text);
    if (!m.find()) {
      throw new IllegalArgumentException("gateway.tls.key: " + file + " is not a PEM file");
    }
    if (!m.group(1).equals("PRIVATE KEY")) {
      throw new IllegalArgumentException("gateway.tls.key: " + file + " holds a " + m.group(1) + "; give an "
          + "unencrypted PKCS#8 key (openssl pkcs8 -topk8 -nocrypt -in " + file.getFileName() + " -out key.pem)");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(m.group(2).trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("gateway.tls.key: " + file + " is not valid base64 inside its PEM lines");
    }
    for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
        // try the next algorithm
      }
    }
    throw new IllegalArgumentException("gateway.tls.key: " + file + " is not an RSA, EC or Ed25519 private key");
  }
}
