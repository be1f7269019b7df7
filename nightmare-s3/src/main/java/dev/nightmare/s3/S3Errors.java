package dev.nightmare.s3;

import io.minio.errors.ErrorResponseException;

/** Reading S3's error answers the same way everywhere (MinIO, AWS and s3proxy word them alike). */
public final class S3Errors {
    private S3Errors() {}

    /** The S3 error code ({@code NoSuchKey}, {@code PreconditionFailed}, …), or null when there is none. */
    public static String code(ErrorResponseException e) {
        return e.errorResponse() == null ? null : e.errorResponse().code();
    }

    /** Whether the object (or its bucket's key) does not exist: {@code NoSuchKey}/{@code NoSuchObject} or a bare 404. */
    public static boolean isMissing(ErrorResponseException e) {
        String code = code(e);
        return "NoSuchKey".equals(code)
                || "NoSuchObject".equals(code)
                || (code == null && e.response() != null && e.response().code() == 404);
    }

    /** Whether creating a bucket failed only because it is already there (another service made it first). */
    public static boolean isBucketAlreadyThere(ErrorResponseException e) {
        String code = code(e);
        return "BucketAlreadyOwnedByYou".equals(code) || "BucketAlreadyExists".equals(code);
    }
}
