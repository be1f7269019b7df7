package dev.nightmare.contracts;

import java.time.Instant;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The S3 object keys of a job (one bucket, {@code nightmare.s3.bucket}). Rounds are numbered from
 * 0, as darknet numbers its output files. See docs/architecture.md for who writes which object.
 *
 * <pre>
 * jobs/{id}/request.json                 gateway, once
 * jobs/{id}/input.png                    gateway, once
 * jobs/{id}/status.json                  the owning worker
 * jobs/{id}/cancel                       gateway (empty marker)
 * jobs/{id}/rounds/round-000000.jpg      worker: the round's image (jpg or png)
 * jobs/{id}/rounds/round-000000.f32      worker: the round's float checkpoint
 * jobs/{id}/video.mp4                    worker: the rounds as a video (mp4 or gif), when asked for
 * owners/{owner}/{13-digit inverted ms}-{id}   gateway: per-owner index, newest first
 * </pre>
 */
public final class JobKeys {
    public static final String JOBS = "jobs/";
    public static final String OWNERS = "owners/";

    /** Inverted timestamps count down from this, so a plain ascending listing is newest first. */
    private static final long INVERT_FROM = 9_999_999_999_999L;

    private static final Pattern ROUND_FILE = Pattern.compile("round-(\\d{6})\\.(jpg|png|f32)");
    private static final Pattern INDEX_ENTRY = Pattern.compile("(\\d{13})-([0-9a-f]{32})");

    private JobKeys() {}

    /** Everything of one job lies under this prefix. */
    public static String prefix(String jobId) {
        return JOBS + checked(jobId) + "/";
    }

    public static String request(String jobId) {
        return prefix(jobId) + "request.json";
    }

    public static String input(String jobId) {
        return prefix(jobId) + "input.png";
    }

    public static String status(String jobId) {
        return prefix(jobId) + "status.json";
    }

    public static String cancel(String jobId) {
        return prefix(jobId) + "cancel";
    }

    public static String rounds(String jobId) {
        return prefix(jobId) + "rounds/";
    }

    /** The round's image; {@code format} is {@code jpg} or {@code png}. */
    public static String roundImage(String jobId, int round, String format) {
        String extension = format.toLowerCase(Locale.ROOT);
        if (!extension.equals("jpg") && !extension.equals("png")) {
            throw new IllegalArgumentException("format '" + format + "' is not jpg or png");
        }
        return rounds(jobId) + roundName(round) + "." + extension;
    }

    /** The round's float checkpoint (the engine's {@code FloatImageFile} of {@code Checkpoint.toFloatImage()}). */
    public static String roundCheckpoint(String jobId, int round) {
        return rounds(jobId) + roundName(round) + ".f32";
    }

    /** The job's video ({@code options.animate}); {@code format} is {@code mp4} or {@code gif}. */
    public static String video(String jobId, String format) {
        String extension = format.toLowerCase(Locale.ROOT);
        if (!extension.equals("mp4") && !extension.equals("gif")) {
            throw new IllegalArgumentException("video format '" + format + "' is not mp4 or gif");
        }
        return prefix(jobId) + "video." + extension;
    }

    /** The round number of a round object key (image or checkpoint), if it is one. */
    public static OptionalInt roundOf(String key) {
        int slash = key.lastIndexOf('/');
        Matcher m = ROUND_FILE.matcher(key.substring(slash + 1));
        return m.matches() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
    }

    /** The prefix of an owner's index; its keys list newest job first. */
    public static String ownerIndex(String owner) {
        if (owner == null || !owner.matches("[0-9a-f]{8,64}")) {
            throw new IllegalArgumentException("owner '" + owner + "' is not an owner id (hex)");
        }
        return OWNERS + owner + "/";
    }

    /** The owner-index entry of a job created at {@code createdAt} (an empty object). */
    public static String ownerIndexEntry(String owner, Instant createdAt, String jobId) {
        long inverted = INVERT_FROM - createdAt.toEpochMilli();
        return ownerIndex(owner) + String.format(Locale.ROOT, "%013d", inverted) + "-" + checked(jobId);
    }

    /** The job id an owner-index key points at, or null if the key is not an index entry. */
    public static String jobIdOfIndexEntry(String key) {
        int slash = key.lastIndexOf('/');
        Matcher m = INDEX_ENTRY.matcher(key.substring(slash + 1));
        return m.matches() ? m.group(2) : null;
    }

    /** When the job of an owner-index key was created, or null if the key is not an index entry. */
    public static Instant createdAtOfIndexEntry(String key) {
        int slash = key.lastIndexOf('/');
        Matcher m = INDEX_ENTRY.matcher(key.substring(slash + 1));
        return m.matches() ? Instant.ofEpochMilli(INVERT_FROM - Long.parseLong(m.group(1))) : null;
    }

    private static String roundName(int round) {
        if (round < 0 || round > 999_999) {
            throw new IllegalArgumentException("round " + round + " is outside 0..999999");
        }
        return String.format(Locale.ROOT, "round-%06d", round);
    }

    private static String checked(String jobId) {
        if (!JobIds.isValid(jobId)) {
            throw new IllegalArgumentException("'" + jobId + "' is not a job id (32 lower-case hex digits)");
        }
        return jobId;
    }
}
