package dev.nightmare.contracts;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Job ids and owner ids. A job id is 128 bits as 32 lower-case hex digits: random (unguessable)
 * for a plain submission, or a keyed hash of (owner, Idempotency-Key) so that every gateway
 * replica holding the same secret derives the same id for a repeated request, with no shared
 * memory. Ids are safe to embed in S3 keys and URLs; {@link #isValid} is checked at every boundary.
 */
public final class JobIds {
    private static final Pattern JOB_ID = Pattern.compile("[0-9a-f]{32}");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private JobIds() {}

    /** A fresh unguessable job id. */
    public static String random() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return HEX.formatHex(bytes);
    }

    /**
     * A fresh attempt token for one worker's take-over of a job ({@link JobStatus#attempt}): as
     * unguessable as a job id, so no two take-overs share one.
     */
    public static String newAttempt() {
        return random();
    }

    /**
     * The job id for an idempotent request: HMAC-SHA256 over (owner, idempotency key) with the
     * operator's secret, truncated to 128 bits. Without the secret nobody can predict another
     * owner's ids.
     */
    public static String derive(byte[] secret, String owner, String idempotencyKey) {
        if (secret.length < 16) {
            throw new IllegalArgumentException("the job-id secret has " + secret.length + " bytes; use at least 16");
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(owner.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            byte[] digest = mac.doFinal(idempotencyKey.getBytes(StandardCharsets.UTF_8));
            return HEX.formatHex(digest, 0, 16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    public static boolean isValid(String jobId) {
        return jobId != null && JOB_ID.matcher(jobId).matches();
    }

    /**
     * The owner id recorded with a job for an API-key id: a hash, so neither S3 nor Kafka holds
     * anything that names or reveals a key. 96 bits as 24 hex digits.
     */
    public static String owner(String apiKeyId) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("nightmare-owner".getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            byte[] digest = sha.digest(apiKeyId.getBytes(StandardCharsets.UTF_8));
            return HEX.formatHex(digest, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
