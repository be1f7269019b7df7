package dev.nightmare.gateway.testing;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The gateway's clock in its {@code @QuarkusTest}s: the system time, but every reading at least a
 * millisecond after the one before, so jobs submitted back to back get distinct creation times
 * (their owner-index order) without the test sleeping.
 */
public final class TickingClock extends Clock {
    private Instant last = Instant.EPOCH;

    /** Replaces the gateway's default clock in the tests' application. */
    @ApplicationScoped
    static final class Producer {
        @Produces
        @ApplicationScoped
        Clock clock() {
            return new TickingClock();
        }
    }

    @Override
    public synchronized Instant instant() {
        Instant now = Instant.now();
        last = now.isAfter(last.plusMillis(1)) ? now : last.plusMillis(1);
        return last;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("the gateway reads UTC instants only");
    }
}
