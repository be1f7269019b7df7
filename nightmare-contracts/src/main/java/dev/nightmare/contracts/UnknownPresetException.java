package dev.nightmare.contracts;

import java.util.List;

/** A preset name the catalogue does not have for the model; the message names the ones it has. */
public final class UnknownPresetException extends IllegalArgumentException {
    private final String model;
    private final String preset;
    private final List<String> known;

    UnknownPresetException(String model, String preset, List<String> known, boolean described) {
        super("preset '" + preset + "' is unknown for "
                + (described ? "model " + model : "model " + model + " (no presets of its own: the general ones apply)")
                + "; known presets: " + String.join(", ", known));
        this.model = model;
        this.preset = preset;
        this.known = List.copyOf(known);
    }

    public String model() {
        return model;
    }

    public String preset() {
        return preset;
    }

    /** The presets the model has, in the catalogue's order. */
    public List<String> known() {
        return known;
    }
}
