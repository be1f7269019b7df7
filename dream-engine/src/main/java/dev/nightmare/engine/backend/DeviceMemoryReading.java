package dev.nightmare.engine.backend;

/**
 * A backend's device memory at one moment, for metrics and admission: bytes free and in all.
 *
 * @param freeBytes what the device could still allocate
 * @param totalBytes the device's memory
 */
public record DeviceMemoryReading(long freeBytes, long totalBytes) {
    public DeviceMemoryReading {
        if (freeBytes < 0 || totalBytes < 0 || freeBytes > totalBytes) {
            throw new IllegalArgumentException("device memory " + freeBytes + " free of " + totalBytes);
        }
    }
}
