package dev.nightmare.gateway.service;

import dev.nightmare.gateway.config.GatewayConfig;
import dev.nightmare.gateway.config.ShareConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and checks share links of round images: {@code {public base}/shared/{id}/rounds/{n}?expires=
 * {unix seconds}&sig={HMAC}}. Any replica verifies them (the key derives from the shared job-id
 * secret), none stores them. Expiry is rounded up to the hour, so status reads within an hour give
 * the same URL (chat clients cache by URL) and a link lives between ttl and ttl + 1 h.
 */
@ApplicationScoped
public class ShareLinks {
    private static final String PATH = "/shared/";
    private static final long HOUR = 3600;

    private final Optional<String> base;
    private final Duration ttl;
    private final byte[] key;
    private final Clock clock;

    public ShareLinks(ShareConfig share, GatewayConfig config, Clock clock) {
        this.base = share.publicBaseUrl()
                .map(String::strip)
                .filter(url -> !url.isEmpty())
                .map(ShareLinks::trimSlash);
        this.ttl = share.ttl();
        // A key of its own, so a share signature never doubles as anything signed with the id secret.
        this.key = hmac(config.jobs().idSecret().getBytes(StandardCharsets.UTF_8), "nightmare share links");
        this.clock = clock;
    }

    /** The view with a share link on each round, when a public base URL is configured. */
    public JobView decorate(JobView view) {
        if (base.isEmpty() || view.rounds() == null || view.rounds().isEmpty()) {
            return view;
        }
        Instant expires = expiry();
        List<JobView.Round> rounds = new ArrayList<>(view.rounds().size());
        for (JobView.Round r : view.rounds()) {
            rounds.add(new JobView.Round(r.round(), r.url(), url(view.id(), r.round(), expires), expires));
        }
        return view.withRounds(rounds);
    }

    /** A share link of round {@code round} of job {@code id}; empty when no public base URL is configured. */
    public Optional<String> roundUrl(String id, int round) {
        return base.map(b -> url(id, round, expiry()));
    }

    /** Whether {@code signature} signs round {@code round} of job {@code id} until {@code expires}, not yet past. */
    public boolean valid(String id, int round, long expires, String signature) {
        if (signature == null || clock.instant().getEpochSecond() >= expires) {
            return false;
        }
        byte[] expected = sign(id, round, expires).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII));
    }

    String url(String id, int round, Instant expires) {
        long at = expires.getEpochSecond();
        return base.orElseThrow() + PATH + id + "/rounds/" + round + "?expires=" + at + "&sig=" + sign(id, round, at);
    }

    private Instant expiry() {
        long at = clock.instant().plus(ttl).getEpochSecond();
        return Instant.ofEpochSecond((at + HOUR - 1) / HOUR * HOUR);
    }

    private String sign(String id, int round, long expires) {
        byte[] mac = hmac(key, "round\n" + id + "\n" + round + "\n" + expires);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(mac);
    }

    private static byte[] hmac(byte[] key, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has HmacSHA256", e);
        }
    }

    private static String trimSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
