package dev.nightmare.gateway.rest;

import dev.nightmare.gateway.service.ApiException;

/**
 * Path and query values read by the resources themselves, so a malformed one is a 400 naming the
 * parameter and its range (the framework would answer 404 with no body).
 */
final class QueryValues {
    private QueryValues() {}

    static int integer(String name, String value, int min, int max) {
        String range =
                max == Integer.MAX_VALUE ? "a whole number from " + min : "a whole number from " + min + " to " + max;
        try {
            int parsed = Integer.parseInt(value.strip());
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException | NullPointerException e) {
            // Refused below, with the range.
        }
        throw ApiException.field(400, name, name + " is '" + value + "'; expected " + range);
    }
}
