package dev.nightmare.gateway.service;

import dev.nightmare.contracts.AnimateOptions;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.JobRequest;
import dev.nightmare.contracts.JobState;
import dev.nightmare.s3.S3Config;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * A job's video ({@code options.animate}, stored by the worker at {@link JobKeys#video} before the
 * job succeeds): streamed from S3 or as a presigned URL, with the same ownership rule as everything
 * else (another key's job is 404). A job that makes no video, or whose video is not stored (yet),
 * is 404 with a message that says which.
 */
@ApplicationScoped
public class VideoService {
    private final JobService jobs;
    private final ObjectStore store;
    private final S3Config s3;

    public VideoService(JobService jobs, ObjectStore store, S3Config s3) {
        this.jobs = jobs;
        this.store = store;
        this.s3 = s3;
    }

    /** The video as stored, with the name and media type it is served under. */
    public record Video(ObjectStore.StoredObject object, String fileName, String mediaType) {}

    public Video video(Caller caller, String id) {
        JobRequest request = jobs.owned(caller, id);
        String format = format(request);
        ObjectStore.StoredObject object = store.open(JobKeys.video(id, format)).orElseThrow(() -> notStored(request));
        return new Video(object, "nightmare-" + id + "." + format, mediaType(format));
    }

    public JobService.PresignedUrl presign(Caller caller, String id) {
        JobRequest request = jobs.owned(caller, id);
        String key = JobKeys.video(id, format(request));
        if (!store.exists(key)) {
            throw notStored(request);
        }
        int seconds = s3.presignSeconds();
        return new JobService.PresignedUrl(store.presignGet(key, seconds), seconds);
    }

    /** {@code video/mp4} or {@code image/gif}. */
    public static String mediaType(String format) {
        return "gif".equals(format) ? "image/gif" : "video/mp4";
    }

    private static String format(JobRequest request) {
        AnimateOptions animate = request.options().animate();
        if (animate == null) {
            throw ApiException.of(
                    404,
                    "job " + request.jobId()
                            + " makes no video; submit the image with options.animate, e.g. {\"format\":\"mp4\"}");
        }
        return animate.format();
    }

    private ApiException notStored(JobRequest request) {
        JobState state = JobState.derive(jobs.readStatus(request.jobId()));
        String why = switch (state) {
            case SUCCEEDED -> "is not stored (it may have been deleted)";
            case FAILED, CANCELED -> "was not made: the job ended " + state.wireName() + " first";
            default -> "is not made yet: the worker makes it after the last round (state " + state.wireName() + ")";
        };
        return ApiException.of(404, "the video of job " + request.jobId() + " " + why);
    }
}
