package dev.nightmare.worker.service;

/**
 * A stored document with the ETag it was read or written with, for the next conditional write.
 *
 * @param etag the S3 ETag exactly as the server sent it
 */
public record Versioned<T>(T value, String etag) {}
