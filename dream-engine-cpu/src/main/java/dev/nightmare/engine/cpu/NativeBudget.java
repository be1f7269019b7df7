package dev.nightmare.engine.cpu;

import dev.nightmare.engine.backend.OutOfDeviceMemoryException;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The native memory a CPU backend's sessions hold together, against a limit ({@code
 * cpu.memoryBudget}). Every lasting off-heap allocation of a session is reserved here first: the
 * weights in the backend's layouts, each working size's preparations, the buffers of the working
 * size in use. A reservation that would pass the limit first asks its session to drop what it can
 * (its least recently used sizes), then fails with {@link OutOfDeviceMemoryException} before
 * anything is allocated, so the session stays usable for smaller work.
 */
public final class NativeBudget {
    /** The backend property that sets the limit: bytes, or with a k/m/g suffix (powers of 1024). */
    public static final String PROPERTY = "cpu.memoryBudget";

    private final long limit;
    private long held;
    private long peak;

    public NativeBudget(long limit) {
        if (limit < 1) {
            throw new IllegalArgumentException(PROPERTY + " must be at least 1 byte, got " + limit);
        }
        this.limit = limit;
    }

    public static NativeBudget unlimited() {
        return new NativeBudget(Long.MAX_VALUE);
    }

    /** The limit {@code value} names ({@code 1500m}, {@code 2g}, {@code 1073741824}); empty or {@code none}: no limit. */
    public static NativeBudget parse(String value) {
        return new NativeBudget(bytes(value, PROPERTY, 1));
    }

    /**
     * The bytes a size setting names: a whole number, or with a k/m/g suffix (powers of 1024);
     * empty or {@code none}: {@link Long#MAX_VALUE}.
     *
     * @param least the smallest value accepted
     */
    public static long bytes(String value, String property, long least) {
        String v = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        if (v.isEmpty() || v.equals("none")) {
            return Long.MAX_VALUE;
        }
        long unit = switch (v.charAt(v.length() - 1)) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            default -> 1;
        };
        String digits = unit == 1 ? v : v.substring(0, v.length() - 1);
        try {
            double amount = Double.parseDouble(digits);
            if (!(amount * unit >= least) || amount * unit > Long.MAX_VALUE) {
                throw new NumberFormatException();
            }
            return (long) (amount * unit);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    property + " must be a size such as 1500m or 2g (or none), got '" + value + "'");
        }
    }

    public long limit() {
        return limit;
    }

    public synchronized long held() {
        return held;
    }

    /** The most held at once since the backend was made (for tests and reports). */
    public synchronized long peak() {
        return peak;
    }

    /**
     * Reserves {@code bytes}; while that would pass the limit, {@code dropOne} is asked to free
     * something (it returns false when it has nothing left to drop).
     *
     * @param what names the allocation, for the refusal's message
     * @throws OutOfDeviceMemoryException if it still does not fit
     */
    public synchronized void reserve(long bytes, Supplier<String> what, BooleanSupplier dropOne) {
        if (bytes <= 0) {
            return;
        }
        while (held + bytes > limit) {
            if (!dropOne.getAsBoolean()) {
                throw new OutOfDeviceMemoryException("not enough native memory for " + what.get() + ": "
                        + mib(bytes) + " needed, " + mib(held) + " of this backend's " + mib(limit)
                        + " budget (" + PROPERTY + ") already held");
            }
        }
        held += bytes;
        peak = Math.max(peak, held);
    }

    public synchronized void release(long bytes) {
        if (bytes > held) {
            throw new IllegalStateException("releasing " + bytes + " bytes, only " + held + " held");
        }
        held -= bytes;
    }

    /** A new account: one session's share, reserved in this budget. */
    public Account open() {
        return new Account();
    }

    /**
     * What one session holds, within the backend's budget. The session says how to drop something
     * when a reservation would pass the limit ({@link #dropWith}); reservations of the session's
     * parts (its convolutions' weights, its pool) go through its account.
     */
    public final class Account implements AutoCloseable {
        private long held;
        private BooleanSupplier dropper = () -> false;

        private Account() {}

        /** How the session frees something when short; false when it has nothing left to drop. */
        public void dropWith(BooleanSupplier dropper) {
            this.dropper = dropper;
        }

        /** Reserves {@code bytes}, dropping what the session can while the budget is short. */
        public void reserve(long bytes, Supplier<String> what) {
            reserve(bytes, what, dropper);
        }

        /** The same, dropping with {@code dropOne} (a step that must not drop some of the session's state). */
        public void reserve(long bytes, Supplier<String> what, BooleanSupplier dropOne) {
            NativeBudget.this.reserve(bytes, what, dropOne);
            synchronized (NativeBudget.this) {
                held += bytes;
            }
        }

        /** Reserves {@code bytes} when they fit without dropping anything; false, reserving nothing, when not. */
        public boolean tryReserve(long bytes) {
            synchronized (NativeBudget.this) {
                if (bytes > limit - NativeBudget.this.held) {
                    return false;
                }
                NativeBudget.this.reserve(bytes, () -> "", () -> false);
                held += Math.max(0, bytes);
                return true;
            }
        }

        public void release(long bytes) {
            synchronized (NativeBudget.this) {
                if (bytes > held) {
                    throw new IllegalStateException("releasing " + bytes + " bytes, the session holds " + held);
                }
                held -= bytes;
                NativeBudget.this.release(bytes);
            }
        }

        /** Bytes the session holds now. */
        public long held() {
            synchronized (NativeBudget.this) {
                return held;
            }
        }

        /** Gives back whatever is still reserved (the session has freed it). */
        @Override
        public void close() {
            synchronized (NativeBudget.this) {
                NativeBudget.this.release(held);
                held = 0;
            }
        }
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.0f MiB", bytes / (double) (1 << 20));
    }
}
