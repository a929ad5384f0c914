package io.raftkv.node.security;

import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * One loaded set of TLS material, never changed once built; a reload builds a new one.
 *
 * @param generation counts loads from 1, so a key alias chosen from one set is never resolved
 *                   against another (see {@link ReloadingTls})
 * @param keyManager this node's certificate chain and private key
 * @param caTrust    PKIX trust in the CA bundle: chain, validity dates, key usage, and (when the
 *                   engine asks for it) host name
 * @param digest     SHA-256 of the files it was built from
 */
record TlsMaterial(
        long generation, X509ExtendedKeyManager keyManager, X509ExtendedTrustManager caTrust, String digest) {}
