package dev.nightmare.gateway.service;

/** The API's URLs of a job (relative to the gateway's origin). */
public final class Links {
    public static final String BASE = "/v1/nightmares";

    private Links() {}

    public static String job(String id) {
        return BASE + "/" + id;
    }

    public static String events(String id) {
        return job(id) + "/events";
    }

    public static String cancel(String id) {
        return job(id) + "/cancel";
    }

    public static String round(String id, int round) {
        return job(id) + "/rounds/" + round;
    }

    /** The job's video ({@code options.animate}). */
    public static String video(String id) {
        return job(id) + "/video";
    }

    /** @param video whether the job makes a video ({@code options.animate}): then {@code links.video} is set */
    public static JobView.Links of(String id, boolean video) {
        return new JobView.Links(job(id), events(id), cancel(id), job(id) + "/rounds/{n}", video ? video(id) : null);
    }
}
