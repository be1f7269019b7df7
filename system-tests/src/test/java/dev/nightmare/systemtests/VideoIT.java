package dev.nightmare.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.engine.image.ImageOps;
import dev.nightmare.engine.testing.Shared;
import dev.nightmare.video.testing.FfProbe;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code options.animate} through the real system ({@link SharedSystem}): the gateway takes the
 * option, a worker dreams and encodes, and the video downloads through the gateway. The file is
 * judged by FFmpeg's ffprobe, not by our own reader: codec, size, frame count, rate and duration.
 */
@ExtendWith(SharedSystem.class)
class VideoIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration JOB_TIMEOUT = Duration.ofSeconds(120);

    /** 3 rounds with 2 frames between each two: 3 + 2·2 = 7 frames at 12 fps. */
    private static final String ANIMATED = "{\"model\":\"tiny\",\"layer\":4,\"rounds\":3,\"iters\":2,\"octaves\":1,"
            + "\"zoom\":0.98,\"seed\":7,\"animate\":{\"format\":\"mp4\",\"fps\":12,\"interpolate\":2}}";

    private static GatewayClient api;
    private static byte[] png;

    @BeforeAll
    static void clients() throws Exception {
        api = SharedSystem.get().api("video");
        Image dog = ImageCodec.read(Shared.images().resolve("dog_200x150.png"), 1_000_000);
        png = ImageCodec.encode(ImageOps.resize(dog, 96, 72), ImageCodec.Format.PNG);
    }

    @Test
    void anAnimatedJobsVideoDownloadsThroughTheGatewayAndFfprobeReadsIt() throws Exception {
        FfProbe.assumePresent();
        String id = api.submit(png, ANIMATED);
        String videoLink = api.job(id).path("links").path("video").asText();
        assertThat(videoLink).isEqualTo("/v1/nightmares/" + id + "/video");

        HttpResponse<byte[]> early = api.video(id);
        if (early.statusCode() != 200) {
            // Before the last round there is no video: the API's error format says why.
            assertThat(early.statusCode()).isEqualTo(404);
            assertThat(early.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
            assertThat(JSON.readTree(early.body()).path("title").asText()).contains("not made yet");
        }

        List<SseStream.Event> events;
        try (SseStream sse = api.events(id)) {
            events = sse.untilFinal(JOB_TIMEOUT);
        }
        SseStream.Event last = events.getLast();
        assertThat(last.name()).as("%s", last.data()).isEqualTo("succeeded");
        assertThat(last.data().path("videoUrl").asText()).isEqualTo(videoLink);

        HttpResponse<byte[]> video = api.video(id);
        assertThat(video.statusCode()).as(new String(video.body())).isEqualTo(200);
        assertThat(video.headers().firstValue("Content-Type")).hasValue("video/mp4");
        assertThat(video.headers().firstValue("Content-Disposition"))
                .hasValue("attachment; filename=\"nightmare-" + id + ".mp4\"");

        Path file = Files.createTempFile("video-it-", ".mp4");
        try {
            Files.write(file, video.body());
            FfProbe.Stream stream = FfProbe.probe(file);
            assertThat(stream.codec()).isEqualTo("h264");
            assertThat(stream.width()).isEqualTo(96);
            assertThat(stream.height()).isEqualTo(72);
            assertThat(stream.frameRate()).isEqualTo("12/1");
            assertThat(stream.frames()).isEqualTo(7);
            assertThat(stream.seconds()).isCloseTo(7 / 12.0, within(0.05));
        } finally {
            Files.deleteIfExists(file);
        }
        JsonNode job = api.job(id);
        assertThat(job.path("options").path("animate").path("interpolate").asInt())
                .isEqualTo(2);
    }
}
