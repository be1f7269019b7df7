package dev.nightmare.engine.dream;

/**
 * An option value a run cannot use. {@link #option()} names it (darknet's spelling, e.g. {@code
 * rounds}) so HTTP callers can report errors per field; the message says what would be right.
 */
public final class OptionException extends IllegalArgumentException {
    private final String option;

    public OptionException(String option, String message) {
        super(message);
        this.option = option;
    }

    public String option() {
        return option;
    }
}
