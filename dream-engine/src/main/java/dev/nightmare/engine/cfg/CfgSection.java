package dev.nightmare.engine.cfg;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One {@code [section]} of a darknet cfg with its {@code key=value} options, remembering the line
 * of each so that errors and warnings can point at it. Typed getters validate values; keys that
 * are never read are reported by {@link #reportUnused}.
 */
public final class CfgSection {
    private record Option(String value, int line) {}

    private final String source;
    private final String type;
    private final int line;
    private final Map<String, Option> options = new LinkedHashMap<>();
    private final Set<String> read = new java.util.HashSet<>();

    CfgSection(String source, String type, int line) {
        this.source = source;
        this.type = type;
        this.line = line;
    }

    /** Section name without brackets, e.g. {@code convolutional}. */
    public String type() {
        return type;
    }

    /** 1-based line of the section header. */
    public int line() {
        return line;
    }

    public String source() {
        return source;
    }

    void put(String key, String value, int line) {
        Option previous = options.put(key, new Option(value, line));
        if (previous != null) {
            throw new CfgException(
                    source,
                    line,
                    "key '" + key + "' repeats line " + previous.line + "; expected each key once per section");
        }
    }

    public boolean has(String key) {
        read.add(key);
        return options.containsKey(key);
    }

    /** Integer option within [min, max]; {@code fallback} when absent. */
    public int intValue(String key, int fallback, int min, int max) {
        read.add(key);
        Option option = options.get(key);
        if (option == null) {
            return fallback;
        }
        int value;
        try {
            value = Integer.parseInt(option.value);
        } catch (NumberFormatException e) {
            throw error(option, key, "an integer between " + min + " and " + max);
        }
        if (value < min || value > max) {
            throw error(option, key, "an integer between " + min + " and " + max);
        }
        return value;
    }

    /** Finite float option; {@code fallback} when absent. */
    public float floatValue(String key, float fallback) {
        read.add(key);
        Option option = options.get(key);
        if (option == null) {
            return fallback;
        }
        try {
            float value = Float.parseFloat(option.value);
            if (Float.isFinite(value)) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw error(option, key, "a finite number");
    }

    /** String option that must be one of {@code allowed}; {@code fallback} when absent. */
    public String choice(String key, String fallback, List<String> allowed) {
        read.add(key);
        Option option = options.get(key);
        if (option == null) {
            return fallback;
        }
        if (!allowed.contains(option.value)) {
            throw error(option, key, "one of " + String.join(", ", allowed));
        }
        return option.value;
    }

    /** Throws for the option {@code key} with what would have been right. */
    public CfgException invalid(String key, String expected) {
        Option option = options.get(key);
        return option == null
                ? new CfgException(source, line, "[" + type + "] needs " + key + ": expected " + expected)
                : error(option, key, expected);
    }

    private CfgException error(Option option, String key, String expected) {
        return new CfgException(
                source,
                option.line,
                key + "=" + option.value + " in [" + type + "] is not valid; expected " + expected);
    }

    /** Reports every option no getter asked for, as darknet's "Unused field" does. */
    public void reportUnused(Consumer<String> warnings) {
        List<String> unused = new ArrayList<>();
        options.forEach((key, option) -> {
            if (!read.contains(key)) {
                unused.add(source + ":" + option.line + ": [" + type + "] " + key + "=" + option.value
                        + " is not used by nightmare (ignored)");
            }
        });
        unused.forEach(warnings);
    }
}
