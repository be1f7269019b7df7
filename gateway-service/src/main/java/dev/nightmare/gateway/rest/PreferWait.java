package dev.nightmare.gateway.rest;

import dev.nightmare.gateway.service.ApiException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The {@code wait} preference of a {@code Prefer} header (RFC 7240): {@code wait} alone asks for as
 * long as the operator allows, {@code wait=N} for N seconds. Other preferences are ignored, as the
 * RFC says; a {@code wait} whose value is not a number of seconds is an error, not a silent 202.
 */
final class PreferWait {
    /** The requested wait: absent without a wait preference; a null duration for "as long as allowed". */
    record Requested(Duration seconds) {}

    private PreferWait() {}

    static Optional<Requested> parse(String header) {
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        for (String preference : header.split(",")) {
            String token = preference.split(";", 2)[0].strip();
            String name = token.split("=", 2)[0].strip().toLowerCase(Locale.ROOT);
            if (!name.equals("wait")) {
                continue;
            }
            if (!token.contains("=")) {
                return Optional.of(new Requested(null));
            }
            String value = token.substring(token.indexOf('=') + 1).strip().replace("\"", "");
            try {
                long seconds = Long.parseLong(value);
                if (seconds >= 0) {
                    return Optional.of(new Requested(Duration.ofSeconds(seconds)));
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw ApiException.field(
                    400,
                    "Prefer",
                    "Prefer: " + token + " is not a wait; send Prefer: wait (as long as the server allows)"
                            + " or Prefer: wait=N with N whole seconds");
        }
        return Optional.empty();
    }
}
