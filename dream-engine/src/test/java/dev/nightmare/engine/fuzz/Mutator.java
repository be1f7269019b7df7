package dev.nightmare.engine.fuzz;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Seeded structure-blind mutations of valid inputs: bit flips, byte overwrites with boundary values,
 * insertions, deletions, truncation, splicing and 32-bit integer lies. The same seed gives the same
 * inputs, so any failure reproduces.
 */
final class Mutator {
    private static final int[] INTERESTING = {
        0, 1, -1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0x80000000, 50_000, 65_536
    };

    private final SplittableRandom random;

    Mutator(long seed) {
        this.random = new SplittableRandom(seed);
    }

    int nextInt(int bound) {
        return random.nextInt(bound);
    }

    byte[] mutate(byte[] seed) {
        byte[] data = seed.clone();
        int rounds = 1 + random.nextInt(4);
        for (int r = 0; r < rounds && data.length > 0; r++) {
            data = switch (random.nextInt(7)) {
                case 0 -> flipBit(data);
                case 1 -> overwrite(data);
                case 2 -> insert(data);
                case 3 -> delete(data);
                case 4 -> Arrays.copyOf(data, random.nextInt(data.length));
                case 5 -> splice(data);
                default -> lie(data);
            };
        }
        return data;
    }

    private byte[] flipBit(byte[] d) {
        int i = random.nextInt(d.length);
        d[i] ^= (byte) (1 << random.nextInt(8));
        return d;
    }

    private byte[] overwrite(byte[] d) {
        d[random.nextInt(d.length)] = (byte) INTERESTING[random.nextInt(INTERESTING.length)];
        return d;
    }

    private byte[] insert(byte[] d) {
        int at = random.nextInt(d.length + 1);
        int n = 1 + random.nextInt(16);
        byte[] out = new byte[d.length + n];
        System.arraycopy(d, 0, out, 0, at);
        for (int i = 0; i < n; i++) {
            out[at + i] = (byte) random.nextInt(256);
        }
        System.arraycopy(d, at, out, at + n, d.length - at);
        return out;
    }

    private byte[] delete(byte[] d) {
        int at = random.nextInt(d.length);
        int n = Math.min(d.length - at, 1 + random.nextInt(64));
        byte[] out = new byte[d.length - n];
        System.arraycopy(d, 0, out, 0, at);
        System.arraycopy(d, at + n, out, at, d.length - at - n);
        return out;
    }

    private byte[] splice(byte[] d) {
        int from = random.nextInt(d.length);
        int to = random.nextInt(d.length);
        int n = Math.min(Math.min(d.length - from, d.length - to), 1 + random.nextInt(256));
        System.arraycopy(d.clone(), from, d, to, n);
        return d;
    }

    /** Overwrites an aligned 32-bit word (big- or little-endian) with a boundary value: size fields lie. */
    private byte[] lie(byte[] d) {
        if (d.length < 4) {
            return d;
        }
        int at = random.nextInt(Math.min(d.length - 3, 64));
        int v = INTERESTING[random.nextInt(INTERESTING.length)];
        boolean big = random.nextBoolean();
        for (int i = 0; i < 4; i++) {
            d[at + i] = (byte) (v >>> (big ? 24 - 8 * i : 8 * i));
        }
        return d;
    }
}
