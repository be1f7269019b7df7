package dev.nightmare.gateway.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightmare.contracts.EventType;
import dev.nightmare.contracts.JobEvent;
import dev.nightmare.gateway.service.EventView;
import dev.nightmare.gateway.service.JobView;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One SSE stream: subscribed to the job's live events before the current state is read, it
 * buffers them until the client is attached, sends the current state first (event {@code state}),
 * then the buffered and live events, throttling {@code progress}, and completes after a final
 * event. A comment line every keep-alive interval keeps proxies from closing a stream that waits
 * minutes for its next round.
 */
final class EventRelay {
    private final Sse sse;
    private final ObjectMapper json;
    private final long progressIntervalNanos;
    private final List<JobEvent> buffer = new ArrayList<>();
    private MultiEmitter<? super OutboundSseEvent> emitter;
    private long lastProgressNanos;
    private boolean done;
    private ScheduledFuture<?> keepAlive;

    EventRelay(Sse sse, ObjectMapper json, long progressIntervalMillis) {
        this.sse = sse;
        this.json = json;
        this.progressIntervalNanos = progressIntervalMillis * 1_000_000;
    }

    synchronized void offer(JobEvent event) {
        if (emitter == null) {
            buffer.add(event);
        } else {
            send(event);
        }
    }

    synchronized void attach(
            MultiEmitter<? super OutboundSseEvent> emitter,
            JobView snapshot,
            ScheduledExecutorService timer,
            long keepAliveMillis) {
        this.emitter = emitter;
        emitter.emit(event("state", snapshot));
        if (snapshot.state().isFinal()) {
            finish();
            return;
        }
        for (JobEvent event : buffer) {
            send(event);
        }
        buffer.clear();
        if (!done) {
            keepAlive = timer.scheduleAtFixedRate(this::ping, keepAliveMillis, keepAliveMillis, TimeUnit.MILLISECONDS);
        }
    }

    private synchronized void ping() {
        if (!done) {
            emitter.emit(sse.newEventBuilder().comment("keep-alive").build());
        }
    }

    /** Stops the keep-alive; called when the stream ends either way. */
    synchronized void close() {
        done = true;
        if (keepAlive != null) {
            keepAlive.cancel(false);
        }
    }

    private void send(JobEvent event) {
        if (done) {
            return;
        }
        if (event.type() == EventType.PROGRESS) {
            long now = System.nanoTime();
            if (lastProgressNanos != 0 && now - lastProgressNanos < progressIntervalNanos) {
                return;
            }
            lastProgressNanos = now;
        }
        emitter.emit(event(event.type().wireName(), EventView.of(event)));
        if (event.type().isFinal()) {
            finish();
        }
    }

    private void finish() {
        close();
        emitter.complete();
    }

    private OutboundSseEvent event(String name, Object data) {
        try {
            return sse.newEventBuilder()
                    .name(name)
                    .mediaType(MediaType.TEXT_PLAIN_TYPE)
                    .data(String.class, json.writeValueAsString(data))
                    .build();
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
