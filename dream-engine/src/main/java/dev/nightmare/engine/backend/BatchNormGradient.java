package dev.nightmare.engine.backend;

/** Which gradient batch-normalised convolutions pass back (shared/spec/NIGHTMARE.md, Layers). */
public enum BatchNormGradient {
    /**
     * darknet's training-mode formula run with the rolling statistics (what darknet computes; the
     * {@code tiny_*} goldens depend on it): g·s, then with e = 1e-5 and N = positions per channel,
     * g/√(v+e) + σΔ·2(z−m)/N + μΔ/N where μΔ = −Σg/√(v+e), σΔ = Σg(z−m)·(−½)(v+e)^−3/2.
     */
    DARKNET,
    /** The exact gradient of the inference function: g·s/(√v + 1e-6). */
    EXACT
}
