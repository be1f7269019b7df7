package dev.nightmare.worker.service;

/** A conditional S3 write was refused (412): the object is not the version this worker last saw. */
public final class PreconditionFailedException extends RuntimeException {
    public PreconditionFailedException(String key) {
        super("conditional write of " + key + " refused: another writer changed it");
    }
}
