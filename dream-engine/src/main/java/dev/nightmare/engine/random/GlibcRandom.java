package dev.nightmare.engine.random;

/**
 * glibc's {@code rand()} (= {@code random()}, the default TYPE_3 additive feedback generator),
 * re-implemented so that darknet's random choices can be reproduced exactly (shared/spec/RNG.md).
 * Not thread-safe.
 */
public final class GlibcRandom {
    private static final int DEGREE = 31;
    private static final int SEPARATION = 3;

    private final int[] table = new int[DEGREE];
    private int front;
    private int rear;

    /** {@code srand(seed)}; glibc treats 0 as 1. */
    public GlibcRandom(int seed) {
        int s = seed == 0 ? 1 : seed;
        table[0] = s;
        for (int i = 1; i < DEGREE; i++) {
            // Schrage's method for 16807·t mod (2^31 − 1) in signed 32-bit, as glibc does.
            int hi = table[i - 1] / 127773;
            int lo = table[i - 1] % 127773;
            int word = 16807 * lo - 2836 * hi;
            if (word < 0) {
                word += 2147483647;
            }
            table[i] = word;
        }
        front = SEPARATION;
        rear = 0;
        skip(10L * DEGREE);
    }

    /** {@code rand()}: a value in [0, 2^31 − 1]. */
    public int next() {
        table[front] += table[rear];
        int result = table[front] >>> 1;
        front = front + 1 == DEGREE ? 0 : front + 1;
        rear = rear + 1 == DEGREE ? 0 : rear + 1;
        return result;
    }

    /** {@code rand() % bound} as C computes it for a non-negative rand(). */
    public int nextMod(int bound) {
        return next() % bound;
    }

    /** Discards {@code count} outputs (about 1 ns each: 15 million in ~20 ms). */
    public void skip(long count) {
        int[] t = table;
        int f = front;
        int r = rear;
        for (long i = 0; i < count; i++) {
            t[f] += t[r];
            f = f + 1 == DEGREE ? 0 : f + 1;
            r = r + 1 == DEGREE ? 0 : r + 1;
        }
        front = f;
        rear = r;
    }
}
