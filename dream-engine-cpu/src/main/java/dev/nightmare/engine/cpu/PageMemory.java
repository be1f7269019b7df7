package dev.nightmare.engine.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Large blocks straight from the kernel ({@code mmap}, {@code munmap}) for a session's {@link Pool}:
 * zero pages that cost nothing until first touched (an arena's allocation writes every byte before
 * the first use: ~0.15 s per run for a vgg-conv scream working size), asked to be backed by
 * transparent huge pages ({@code madvise}; 512× fewer page faults where the kernel allows it), and
 * given back to the system the moment they are freed, whatever the C allocator's thresholds. Where
 * the calls cannot be found (not Linux), an arena does it.
 */
final class PageMemory {
    private PageMemory() {}

    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
    private static final int MADV_HUGEPAGE = 14;

    private record Calls(MethodHandle mmap, MethodHandle munmap, MethodHandle madvise) {}

    private static final Optional<Calls> CALLS = find();

    private static Optional<Calls> find() {
        try {
            if (!System.getProperty("os.name", "")
                    .toLowerCase(java.util.Locale.ROOT)
                    .contains("linux")) {
                return Optional.empty();
            }
            Linker linker = Linker.nativeLinker();
            var libc = linker.defaultLookup();
            MethodHandle mmap = linker.downcallHandle(
                    libc.find("mmap").orElseThrow(),
                    FunctionDescriptor.of(
                            ValueLayout.ADDRESS,
                            ValueLayout.ADDRESS,
                            ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_LONG));
            MethodHandle munmap = linker.downcallHandle(
                    libc.find("munmap").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
            MethodHandle madvise = linker.downcallHandle(
                    libc.find("madvise").orElseThrow(),
                    FunctionDescriptor.of(
                            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
            return Optional.of(new Calls(mmap, munmap, madvise));
        } catch (RuntimeException | LinkageError e) {
            return Optional.empty();
        }
    }

    /** A block of {@code bytes} zero bytes, freed by closing it. */
    interface Block extends AutoCloseable {
        MemorySegment memory();

        @Override
        void close();
    }

    static Block allocate(long bytes) {
        if (CALLS.isPresent()) {
            Calls c = CALLS.get();
            try {
                MemorySegment at = (MemorySegment)
                        c.mmap().invokeExact(MemorySegment.NULL, bytes, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
                if (at.address() != -1L && at.address() != 0L) {
                    int ignored = (int) c.madvise().invokeExact(at, bytes, MADV_HUGEPAGE); // a hint: may be refused
                    // Tied to an arena: closing it unmaps, and a view used afterwards fails instead of crashing.
                    Arena arena = Arena.ofShared();
                    MemorySegment memory = at.reinterpret(bytes, arena, unmapped -> unmap(c, at, bytes));
                    return block(arena, memory);
                }
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
            throw new OutOfMemoryError("mmap of " + bytes + " bytes failed");
        }
        Arena arena = Arena.ofShared();
        return block(arena, arena.allocate(bytes, Buffers.ALIGN));
    }

    private static Block block(Arena arena, MemorySegment memory) {
        return new Block() {
            @Override
            public MemorySegment memory() {
                return memory;
            }

            @Override
            public void close() {
                if (arena.scope().isAlive()) {
                    arena.close();
                }
            }
        };
    }

    private static void unmap(Calls c, MemorySegment at, long bytes) {
        try {
            int status = (int) c.munmap().invokeExact(at, bytes);
            if (status != 0) {
                throw new IllegalStateException("munmap of " + bytes + " bytes failed");
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }
}
