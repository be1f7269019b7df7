package dev.nightmare.gateway.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nightmare.contracts.EventType;
import dev.nightmare.contracts.JobEvent;
import dev.nightmare.gateway.service.EventView;
import dev.nightmare.gateway.service.JobView;
import dev.nightmare.gateway.service.StreamedEvent;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One SSE stream. Subscribed to the job's live events before the current state is read, it
 * buffers them until the client is attached. A new stream gets the current state first (event
 * {@code state}); a resumed one gets the events it missed instead. Then the buffered and live
 * events follow, {@code progress} throttled, each with its {@code id:}, and the stream completes
 * after a final event. A comment line every keep-alive interval keeps proxies from closing a
 * stream that waits minutes for its next round.
 */
final class EventRelay {
    private final Sse sse;
    private final ObjectMapper json;
    private final long progressIntervalNanos;
    /** How an event is shown (with its share link, where issued). */
    private final Function<JobEvent, EventView> views;

    private final List<StreamedEvent> buffer = new ArrayList<>();
    private MultiEmitter<? super OutboundSseEvent> emitter;
    private long lastProgressNanos;
    private boolean done;
    private ScheduledFuture<?> keepAlive;

    EventRelay(Sse sse, ObjectMapper json, long progressIntervalMillis, Function<JobEvent, EventView> views) {
        this.sse = sse;
        this.json = json;
        this.progressIntervalNanos = progressIntervalMillis * 1_000_000;
        this.views = views;
    }

    synchronized void offer(StreamedEvent event) {
        if (emitter == null) {
            buffer.add(event);
        } else {
            send(event);
        }
    }

    /**
     * Starts the stream: with {@code missed} (a resume) those events, else {@code snapshot} as the
     * {@code state} event; a final job whose end the client has not been sent gets its state and
     * the stream ends.
     */
    synchronized void attach(
            MultiEmitter<? super OutboundSseEvent> emitter,
            JobView snapshot,
            Optional<List<StreamedEvent>> missed,
            ScheduledExecutorService timer,
            long keepAliveMillis) {
        this.emitter = emitter;
        if (missed.isEmpty()) {
            emitter.emit(stateEvent(snapshot));
            if (snapshot.state().isFinal()) {
                finish();
                return;
            }
        }
        missed.ifPresent(events -> events.forEach(this::send));
        buffer.forEach(this::send);
        buffer.clear();
        if (!done && snapshot.state().isFinal()) {
            emitter.emit(stateEvent(snapshot));
            finish();
        }
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

    private void send(StreamedEvent streamed) {
        if (done) {
            return;
        }
        EventType type = streamed.event().type();
        if (type == EventType.PROGRESS) {
            long now = System.nanoTime();
            if (lastProgressNanos != 0 && now - lastProgressNanos < progressIntervalNanos) {
                return;
            }
            lastProgressNanos = now;
        }
        OutboundSseEvent.Builder event =
                sse.newEventBuilder().name(type.wireName()).data(String.class, write(views.apply(streamed.event())));
        if (streamed.id() != null) {
            event.id(streamed.id().toString());
        }
        emitter.emit(event.build());
        if (type.isFinal()) {
            finish();
        }
    }

    private void finish() {
        close();
        emitter.complete();
    }

    /** The job's state with {@code "type":"state"} first, like every other event's type. */
    private OutboundSseEvent stateEvent(JobView snapshot) {
        ObjectNode body = json.createObjectNode().put("type", "state");
        body.setAll((ObjectNode) json.valueToTree(snapshot));
        return sse.newEventBuilder()
                .name("state")
                .data(String.class, write(body))
                .build();
    }

    private String write(Object data) {
        try {
            return json.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
