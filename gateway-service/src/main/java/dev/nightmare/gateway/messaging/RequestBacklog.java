package dev.nightmare.gateway.messaging;

import dev.nightmare.contracts.Topics;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.SharePartitionOffsetInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

/**
 * How many requests on {@code nightmare-requests} the workers' share group has not yet finished:
 * per partition, log end − the group's share-partition start offset (records acquired but not yet
 * acknowledged count as backlog). Before the group exists every retained record counts, because
 * workers start with {@code share.auto.offset.reset=earliest}. KEDA scales workers on this number
 * (k8s/base/scaling.yaml): its own Kafka scaler reads consumer-group lag only.
 */
public final class RequestBacklog {
    private static final long TIMEOUT_MILLIS = 5000;

    private final Admin admin;
    private final String group;

    public RequestBacklog(Admin admin, String group) {
        this.admin = admin;
        this.group = group;
    }

    public long measure() throws Exception {
        TopicDescription topic = admin.describeTopics(List.of(Topics.REQUESTS))
                .allTopicNames()
                .get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                .get(Topics.REQUESTS);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        topic.partitions().forEach(p -> {
            TopicPartition tp = new TopicPartition(Topics.REQUESTS, p.partition());
            latest.put(tp, OffsetSpec.latest());
            earliest.put(tp, OffsetSpec.earliest());
        });
        Map<TopicPartition, Long> start = new HashMap<>();
        admin.listOffsets(earliest)
                .all()
                .get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                .forEach((tp, info) -> start.put(tp, info.offset()));
        Map<TopicPartition, SharePartitionOffsetInfo> group = groupOffsets(latest.keySet());
        long backlog = 0;
        var ends = admin.listOffsets(latest).all().get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        for (var e : ends.entrySet()) {
            SharePartitionOffsetInfo info = group.get(e.getKey());
            if (info != null && info.lag().isPresent()) {
                // The broker's own count: it knows which records past the start are acknowledged.
                backlog += Math.max(0, info.lag().get());
                continue;
            }
            long from = start.getOrDefault(e.getKey(), 0L);
            if (info != null && info.startOffset() >= 0) {
                from = Math.max(from, info.startOffset());
            }
            backlog += Math.max(0, e.getValue().offset() - from);
        }
        return backlog;
    }

    private Map<TopicPartition, SharePartitionOffsetInfo> groupOffsets(java.util.Set<TopicPartition> partitions)
            throws Exception {
        Map<TopicPartition, SharePartitionOffsetInfo> offsets = new HashMap<>();
        try {
            admin.listShareGroupOffsets(Map.of(group, new ListShareGroupOffsetsSpec().topicPartitions(partitions)))
                    .partitionsToOffsetInfo(group)
                    .get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                    .forEach((tp, info) -> {
                        if (info != null) {
                            offsets.put(tp, info);
                        }
                    });
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                throw e;
            }
            // No worker has joined yet: the whole retained topic is waiting.
        }
        return offsets;
    }
}
