package dev.nightmare.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nightmare.contracts.testing.SampleJobs;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code options.animate}, the video's key and link, and the schema versions they come with. */
class AnimateContractsTest {
    private static JobRequest animated(String format, Integer fps, Integer interpolate) {
        return SampleJobs.request(
                Samples.JOB_ID,
                JobIds.owner("bot-1"),
                SampleJobs.options("tiny", 12)
                        .rounds(300)
                        .iters(3)
                        .animate(format, fps, interpolate)
                        .resolved(1024),
                Samples.SHA,
                448,
                352,
                Samples.T0,
                null,
                null);
    }

    @Test
    void aRequestWithoutAVideoIsStillVersionOne() {
        JobRequest plain = Samples.request();
        assertThat(plain.schemaVersion()).isEqualTo(1);
        assertThat(new String(ContractJson.write(plain), StandardCharsets.UTF_8))
                .startsWith("{\"schemaVersion\":1,")
                .doesNotContain("animate");
        assertThat(ContractJson.readRequest(ContractJson.write(plain))).isEqualTo(plain);
    }

    @Test
    void aRequestWithAVideoIsVersionTwoAndRoundTrips() {
        JobRequest request = animated("MP4", null, 2);
        assertThat(request.schemaVersion()).isEqualTo(2);
        assertThat(request.options().animate()).isEqualTo(new AnimateOptions("mp4", 24, 2));
        String json = new String(ContractJson.write(request), StandardCharsets.UTF_8);
        assertThat(json).contains("\"animate\":{\"format\":\"mp4\",\"fps\":24,\"interpolate\":2}");
        assertThat(ContractJson.readRequest(ContractJson.write(request))).isEqualTo(request);
    }

    @Test
    void aVersionOneRequestMayNotCarryAVideo() {
        String json = new String(ContractJson.write(animated("gif", 12, 0)), StandardCharsets.UTF_8)
                .replace("\"schemaVersion\":2", "\"schemaVersion\":1");
        assertThatThrownBy(() -> ContractJson.readRequest(json.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(
                        ContractException.class,
                        e -> assertThat(e.reason()).isEqualTo(ContractException.Reason.INVALID))
                .hasMessageContaining("options.animate needs schemaVersion 2");
    }

    @Test
    void animateProblemsNameTheirField() {
        assertThat(new AnimateOptions(null, null, null).problems(4))
                .extracting(FieldProblem::field)
                .containsExactly("animate.format");
        assertThat(new AnimateOptions("webp", null, null).problems(4))
                .singleElement()
                .satisfies(p -> assertThat(p.message()).contains("WebP is not supported"));
        assertThat(new AnimateOptions("gif", 60, null).problems(4))
                .singleElement()
                .satisfies(p -> {
                    assertThat(p.field()).isEqualTo("animate.fps");
                    assertThat(p.message()).contains("1 to 50");
                });
        assertThat(new AnimateOptions("mp4", 0, 61).problems(4))
                .extracting(FieldProblem::field)
                .containsExactly("animate.fps", "animate.interpolate");
        assertThat(new AnimateOptions("mp4", 24, 60).problems(1000))
                .singleElement()
                .satisfies(p -> assertThat(p.message()).contains("60940 frames").contains("at most 20000"));
        assertThat(new AnimateOptions("mp4", 60, 60).problems(300)).isEmpty();
        JobOptions options = SampleJobs.options("tiny", 12).resolved(null).withAnimate(new AnimateOptions("avi", 1, 0));
        assertThat(options.problems()).extracting(FieldProblem::field).containsExactly("animate.format");
    }

    @Test
    void theVideoHasAKeyBesideTheRounds() {
        assertThat(JobKeys.video(Samples.JOB_ID, "MP4")).isEqualTo("jobs/" + Samples.JOB_ID + "/video.mp4");
        assertThat(JobKeys.video(Samples.JOB_ID, "gif")).isEqualTo("jobs/" + Samples.JOB_ID + "/video.gif");
        assertThatThrownBy(() -> JobKeys.video(Samples.JOB_ID, "webp")).isInstanceOf(IllegalArgumentException.class);
        assertThat(JobKeys.roundOf(JobKeys.video(Samples.JOB_ID, "mp4"))).isEmpty();
    }

    @Test
    void theSucceededEventCarriesTheVideoAsVersionTwo() {
        JobEvent plain =
                JobEvent.finished(EventType.SUCCEEDED, Samples.JOB_ID, Samples.T0, "w", "a", 300, null, Samples.run());
        assertThat(plain.schemaVersion()).isEqualTo(1);
        JobEvent withVideo = plain.withVideo(JobKeys.video(Samples.JOB_ID, "mp4"));
        assertThat(withVideo.schemaVersion()).isEqualTo(2);
        assertThat(ContractJson.readEvent(ContractJson.write(withVideo))).isEqualTo(withVideo);
        assertThat(ContractJson.readEvent(ContractJson.write(plain))).isEqualTo(plain);
        String v1 = new String(ContractJson.write(withVideo), StandardCharsets.UTF_8)
                .replace("\"schemaVersion\":2", "\"schemaVersion\":1");
        assertThatThrownBy(() -> ContractJson.readEvent(v1.getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("videoKey belongs on a succeeded event of schemaVersion 2");
    }
}
