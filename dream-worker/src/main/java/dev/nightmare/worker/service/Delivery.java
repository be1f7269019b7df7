package dev.nightmare.worker.service;

/**
 * One delivery of a request message, as the share group handed it over.
 *
 * @param key the record key (the job id, unless the producer got it wrong)
 * @param value the message bytes (a {@code JobRequest}, if well-formed)
 * @param deliveryCount how often the broker has delivered this record (1 on first delivery)
 */
public record Delivery(String key, byte[] value, int deliveryCount) {}
