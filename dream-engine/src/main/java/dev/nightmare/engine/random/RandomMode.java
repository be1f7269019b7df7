package dev.nightmare.engine.random;

/** Where a run's random choices (layer, octave, jitter, flip) come from. */
public enum RandomMode {
    /** glibc {@code rand()} after {@code srand(seed)}, skipping the draws darknet's cfg parsing consumes. */
    DARKNET,
    /** A modern splittable generator; each round's draws derive from (seed, round). */
    SEEDED;

    public String cliName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static RandomMode fromName(String name) {
        for (RandomMode mode : values()) {
            if (mode.cliName().equals(name)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("rng mode '" + name + "' is unknown; expected darknet or seeded");
    }
}
