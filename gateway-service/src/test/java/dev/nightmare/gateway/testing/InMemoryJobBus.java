package dev.nightmare.gateway.testing;

import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.JobEvent;
import dev.nightmare.contracts.JobRequest;
import dev.nightmare.gateway.service.BusUnavailableException;
import dev.nightmare.gateway.service.EventHub;
import dev.nightmare.gateway.service.EventId;
import dev.nightmare.gateway.service.JobBus;
import io.quarkus.test.Mock;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Unit-test stand-in for Kafka (the in-memory channel): records what is published, serialised
 * through the contract as the real bus does, and feeds events to the {@link EventHub} as the
 * events reader would, as one partition read from offset 0.
 */
@Mock
@ApplicationScoped
public class InMemoryJobBus implements JobBus {
    private final EventHub hub;
    private final List<JobRequest> requests = new CopyOnWriteArrayList<>();
    private final List<JobEvent> events = new CopyOnWriteArrayList<>();
    private final AtomicLong offsets = new AtomicLong();
    private volatile boolean down;

    public InMemoryJobBus(EventHub hub) {
        this.hub = hub;
        hub.readingFrom(0, 0);
    }

    public List<JobRequest> requests() {
        return requests;
    }

    public List<JobEvent> events() {
        return events;
    }

    public void down(boolean down) {
        this.down = down;
    }

    public void clear() {
        requests.clear();
        events.clear();
        down = false;
    }

    @Override
    public void publishRequest(JobRequest request) {
        if (down) {
            throw new BusUnavailableException("test: Kafka is down", null);
        }
        requests.add(ContractJson.readRequest(ContractJson.write(request)));
    }

    @Override
    public void publishEvent(JobEvent event) {
        if (down) {
            throw new BusUnavailableException("test: Kafka is down", null);
        }
        JobEvent copy = ContractJson.readEvent(ContractJson.write(event));
        events.add(copy);
        hub.dispatch(copy, new EventId(0, offsets.getAndIncrement()));
    }

    @Override
    public boolean ready() {
        return !down;
    }
}
