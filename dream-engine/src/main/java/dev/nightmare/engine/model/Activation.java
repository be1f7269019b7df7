package dev.nightmare.engine.model;

/**
 * Activations of the cfgs nightmare supports (darknet {@code activations.c}). Derivatives are
 * evaluated on the activated output, as darknet's {@code gradient_array} does.
 */
public enum Activation {
    LINEAR("linear"),
    RELU("relu"),
    LEAKY("leaky");

    private final String cfgName;

    Activation(String cfgName) {
        this.cfgName = cfgName;
    }

    public String cfgName() {
        return cfgName;
    }

    public float apply(float x) {
        return switch (this) {
            case LINEAR -> x;
            case RELU -> x > 0 ? x : 0;
            // darknet leaky_activate: .1*x is evaluated in double, then stored to float.
            case LEAKY -> x > 0 ? x : (float) (0.1 * x);
        };
    }

    /** d activation / d input, from the activated output {@code y}. */
    public float derivativeFromOutput(float y) {
        return switch (this) {
            case LINEAR -> 1;
            case RELU -> y > 0 ? 1 : 0;
            case LEAKY -> y > 0 ? 1 : 0.1f;
        };
    }

    public static Activation fromCfg(String name) {
        for (Activation a : values()) {
            if (a.cfgName.equals(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException(name);
    }
}
