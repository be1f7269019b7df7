package dev.nightmare.engine.dream;

import java.util.Optional;

/**
 * The one admission rule of the services, applied by the gateway at submission and by the worker
 * before it dreams: a job whose estimated arithmetic ({@link WorkEstimate#flops}) exceeds the
 * operator's per-job work budget, or whose largest iteration ({@link WorkEstimate#peakBytes})
 * exceeds the memory a worker dreams in, is refused with a message naming the limit, the estimate
 * and what to change.
 *
 * @param maxFlops the per-job work budget, multiply-adds × 2 over the whole run
 * @param maxPeakBytes the memory one iteration's buffers may take on a worker
 */
public record AdmissionRule(long maxFlops, long maxPeakBytes) {
    /**
     * The default budget: 2 PFLOP a job (about 45 minutes of vgg-conv on a 2-core CPU worker at
     * ~750 GFLOP/s; seconds on a GPU) and 1.5 GiB for one iteration's buffers (vgg-conv to layer 10
     * at 2048×2048 fits; at 4096×4096 it does not).
     */
    public static final AdmissionRule DEFAULT = new AdmissionRule(2_000_000_000_000_000L, 3L << 29);

    public AdmissionRule {
        if (maxFlops <= 0 || maxPeakBytes <= 0) {
            throw new IllegalArgumentException("admission limits must be positive");
        }
    }

    /** Why the job cannot be admitted, as one sentence; empty when it can. */
    public Optional<Refusal> refusal(WorkEstimate estimate) {
        if (estimate.peakBytes() > maxPeakBytes) {
            double fraction = Math.sqrt((double) maxPeakBytes / estimate.peakBytes());
            return Optional.of(new Refusal(
                    "image",
                    "one iteration of this job needs about " + WorkEstimate.bytesInWords(estimate.peakBytes())
                            + " at its working size of " + estimate.workingPixels()
                            + " pixels; a worker dreams in at most "
                            + WorkEstimate.bytesInWords(maxPeakBytes) + ": use a maxSide about "
                            + Math.max(1, (int) (fraction * 100))
                            + "% of the image's longer side, or a shallower layer"));
        }
        if (estimate.flops() > maxFlops) {
            double fraction = (double) maxFlops / estimate.flops();
            return Optional.of(new Refusal(
                    "iters",
                    "this job's work is about " + WorkEstimate.flopsInWords(estimate.flops()) + " ("
                            + estimate.iterations() + " iterations of "
                            + WorkEstimate.flopsInWords(estimate.flopsPerIteration())
                            + " at most); a job may take at most " + WorkEstimate.flopsInWords(maxFlops)
                            + ": use about " + Math.max(1, (int) (fraction * 100))
                            + "% of the rounds × iters, a smaller maxSide or a shallower layer"));
        }
        return Optional.empty();
    }

    /** A refused job: the option to change and the sentence that says why. */
    public record Refusal(String option, String message) {}
}
