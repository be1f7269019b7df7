package dev.nightmare.worker.service;

import dev.nightmare.engine.dream.AdmissionRule;
import java.time.Duration;

/**
 * What the {@link JobRunner} needs to know about this worker.
 *
 * @param workerId recorded in status.json and events
 * @param maxPixels largest input (width × height) this worker decodes
 * @param admission the one admission rule: work and memory a job may take here
 * @param maxJobDuration longest one delivery of a job may dream
 * @param progressInterval at most one progress event per this interval
 * @param cancelCheckInterval the cancel marker is read before an iteration when the last read is older
 * @param deliveryLimit the share group's delivery limit: on the last delivery an unexpected error
 *     fails the job instead of releasing it
 * @param gpuOutOfMemoryToCpu rerun on the CPU backend after a GPU out-of-memory (else fail)
 */
public record RunnerSettings(
        String workerId,
        long maxPixels,
        AdmissionRule admission,
        Duration maxJobDuration,
        Duration progressInterval,
        Duration cancelCheckInterval,
        int deliveryLimit,
        boolean gpuOutOfMemoryToCpu) {}
