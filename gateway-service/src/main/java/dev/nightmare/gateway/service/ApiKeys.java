package dev.nightmare.gateway.service;

import dev.nightmare.gateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The configured API keys ({@code nightmare.auth.keys.<id>=<key>}). A presented key is hashed and
 * compared with every configured key's hash in constant time (no early exit, equal lengths), so
 * neither the comparison nor the loop reveals how much of a key was right.
 */
@ApplicationScoped
public class ApiKeys {
    private record Entry(String id, byte[] digest) {}

    private final List<Entry> keys = new ArrayList<>();

    public ApiKeys(GatewayConfig config) {
        for (Map.Entry<String, String> e : config.auth().keys().entrySet()) {
            if (e.getValue().length() < 16) {
                throw new IllegalStateException("API key '" + e.getKey() + "' is shorter than 16 characters");
            }
            keys.add(new Entry(e.getKey(), sha256(e.getValue())));
        }
    }

    /** The caller for an {@code Authorization} header value, if it carries a valid Bearer key. */
    public Optional<Caller> authenticate(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        byte[] presented = sha256(authorization.substring(7).trim());
        String match = null;
        for (Entry key : keys) {
            if (MessageDigest.isEqual(key.digest, presented)) {
                match = key.id;
            }
        }
        return Optional.ofNullable(match).map(Caller::of);
    }

    private static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
