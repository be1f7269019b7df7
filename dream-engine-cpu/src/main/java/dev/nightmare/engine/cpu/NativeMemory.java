package dev.nightmare.engine.cpu;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Zero-filled off-heap memory for activations and gradients. Large blocks come from anonymous
 * {@code mmap} with {@code madvise(MADV_HUGEPAGE)} on Linux: the kernel supplies zeroed pages as
 * they are first written (no zeroing pass at allocation, which took most of a new working size's
 * set-up), and backs them with 2 MiB pages where transparent huge pages are enabled for advised
 * memory (the common {@code madvise} setting), so the first touch faults 512× less often (64 MiB
 * allocated and first written: 33–52 ms from an arena, 32–36 ms mapped, 8–20 ms mapped with huge
 * pages, here) and the convolutions walk fewer TLB entries. Elsewhere, or for small blocks, {@link
 * Arena#allocate}.
 */
final class NativeMemory {
    private NativeMemory() {}

    private static final long HUGE_PAGE = 2L << 20;
    /** Below this an ordinary allocation is as cheap and wastes no huge-page alignment. */
    private static final long MAPPED_FROM = 4L << 20;

    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_PRIVATE = 2;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MADV_HUGEPAGE = 14;

    private record Calls(MethodHandle mmap, MethodHandle munmap, MethodHandle madvise) {}

    private static final Optional<Calls> CALLS = link();

    private static Optional<Calls> link() {
        if (!System.getProperty("os.name", "").equals("Linux")) {
            return Optional.empty();
        }
        try {
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            MethodHandle mmap = linker.downcallHandle(
                    libc.find("mmap").orElseThrow(),
                    FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
            MethodHandle munmap = linker.downcallHandle(
                    libc.find("munmap").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
            MethodHandle madvise = linker.downcallHandle(
                    libc.find("madvise").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
            return Optional.of(new Calls(mmap, munmap, madvise));
        } catch (RuntimeException | LinkageError e) {
            // No native access or no libc symbols: ordinary allocations work everywhere.
            return Optional.empty();
        }
    }

    /**
     * {@code bytes} of zeroed memory aligned to at least 64 bytes, freed when {@code arena} closes.
     */
    static MemorySegment allocate(Arena arena, long bytes) {
        if (bytes >= MAPPED_FROM && CALLS.isPresent()) {
            MemorySegment mapped = map(CALLS.get(), arena, bytes);
            if (mapped != null) {
                return mapped;
            }
        }
        return arena.allocate(bytes, 64);
    }

    /** Start offsets after a 2 MiB boundary, in turn (see {@link #map}). */
    private static final AtomicInteger COLOUR = new AtomicInteger();

    /**
     * A mapping of bytes + one huge page, sliced a little past its first 2 MiB boundary: buffers
     * that all started on a boundary would put the same positions of a layer's input and output in
     * the same cache sets, so successive buffers start 0, 4160, 8320, … bytes past it (a page and a
     * cache line apart). Null if mmap failed.
     */
    private static MemorySegment map(Calls calls, Arena arena, long bytes) {
        long colour = (COLOUR.getAndIncrement() % 31) * (4096L + 64);
        long length = bytes + HUGE_PAGE + colour;
        try {
            MemorySegment base = (MemorySegment) calls.mmap()
                    .invokeExact(
                            MemorySegment.NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
            if (base.address() == -1L || base.address() == 0L) {
                return null;
            }
            // Freed with the arena: the whole mapping, whatever part of it was used.
            MemorySegment whole = base.reinterpret(length, arena, s -> unmap(calls, s));
            long skip = (HUGE_PAGE - base.address() % HUGE_PAGE) % HUGE_PAGE + colour;
            MemorySegment aligned = whole.asSlice(skip, bytes);
            // Advice only (from the boundary: madvise wants a page-aligned start); without transparent
            // huge pages the memory is still ordinary zeroed pages.
            int ignored =
                    (int) calls.madvise().invokeExact(whole.asSlice(skip - colour), bytes + colour, MADV_HUGEPAGE);
            return aligned;
        } catch (Throwable e) {
            return null;
        }
    }

    private static void unmap(Calls calls, MemorySegment mapping) {
        try {
            int ignored = (int) calls.munmap().invokeExact(mapping, mapping.byteSize());
        } catch (Throwable e) {
            throw new IllegalStateException("munmap failed", e);
        }
    }
}
