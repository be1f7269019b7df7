package dev.nightmare.gateway.service;

import dev.nightmare.contracts.JobIds;

/**
 * The authenticated client of a request: the configured key id and the owner hash its jobs are
 * recorded under.
 */
public record Caller(String keyId, String owner) {
    public static Caller of(String keyId) {
        return new Caller(keyId, JobIds.owner(keyId));
    }
}
