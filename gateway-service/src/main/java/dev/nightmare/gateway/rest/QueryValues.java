package dev.nightmare.gateway.rest;

import dev.nightmare.contracts.JobState;
import dev.nightmare.gateway.service.ApiException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

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

    /** A comma-separated list of job states; empty (every state) when absent or blank. */
    static Set<JobState> states(String name, String value) {
        Set<JobState> states = EnumSet.noneOf(JobState.class);
        if (value == null || value.isBlank()) {
            return states;
        }
        for (String part : value.split(",", -1)) {
            String wanted = part.strip();
            JobState state = Arrays.stream(JobState.values())
                    .filter(s -> s.wireName().equals(wanted))
                    .findFirst()
                    .orElseThrow(() -> ApiException.field(
                            400,
                            name,
                            name + " '" + wanted + "' is not a job state; expected any of "
                                    + Arrays.stream(JobState.values())
                                            .map(JobState::wireName)
                                            .collect(Collectors.joining(", "))
                                    + ", comma-separated"));
            states.add(state);
        }
        return states;
    }
}
