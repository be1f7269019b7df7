package dev.nightmare.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command-line words split into positionals and options. Like darknet's {@code find_int_arg}, an
 * option may appear anywhere and takes the next word as its value (so {@code -rotate -0.1}
 * works); each option is accepted as {@code -name} (darknet's spelling) or {@code --name}. Unlike
 * darknet, an unknown option or a malformed value is an error instead of a silent default.
 */
final class Arguments {
    private final List<String> positionals = new ArrayList<>();
    private final Map<String, String> values = new LinkedHashMap<>();

    private Arguments() {}

    /**
     * @param valued options that take a value (names without dashes)
     * @param flags options that take none
     */
    static Arguments parse(String[] words, Set<String> valued, Set<String> flags) {
        Arguments a = new Arguments();
        for (int i = 0; i < words.length; i++) {
            String word = words[i];
            if (word.startsWith("-") && word.length() > 1 && !isNumber(word)) {
                String name = word.startsWith("--") ? word.substring(2) : word.substring(1);
                String inline = null;
                int eq = name.indexOf('=');
                if (eq > 0) {
                    inline = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                if (flags.contains(name)) {
                    a.put(name, "true");
                } else if (valued.contains(name)) {
                    if (inline == null && i + 1 >= words.length) {
                        throw new UsageException("option " + word + " needs a value");
                    }
                    a.put(name, inline != null ? inline : words[++i]);
                } else {
                    throw new UsageException("unknown option " + word + "; see nightmare --help");
                }
            } else {
                a.positionals.add(word);
            }
        }
        return a;
    }

    private static boolean isNumber(String word) {
        try {
            Double.parseDouble(word);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private void put(String name, String value) {
        if (values.put(name, value) != null) {
            throw new UsageException("option -" + name + " is given twice; give it once");
        }
    }

    List<String> positionals() {
        return positionals;
    }

    boolean flag(String name) {
        return values.containsKey(name);
    }

    String string(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    int integer(String name, int fallback) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException(
                    "-" + name + " " + v + " is not an integer; expected e.g. -" + name + " " + fallback);
        }
    }

    long longValue(String name, long fallback) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new UsageException("-" + name + " " + v + " is not an integer");
        }
    }

    /** A size in bytes: a number with an optional K, M or G (binary: 1G = 2^30 bytes), e.g. 1.5G or 768M. */
    long bytes(String name, long fallback) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)(\\d+(?:\\.\\d+)?)\\s*([kmg]?)(?:i?b)?")
                .matcher(v.trim());
        if (!m.matches()) {
            throw new UsageException("--" + name + " " + v + " is not a size; expected bytes or e.g. 768M, 1.5G");
        }
        int shift = switch (m.group(2).toLowerCase(java.util.Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 0;
        };
        double bytes = Double.parseDouble(m.group(1)) * (1L << shift);
        if (bytes < 1 || bytes > Long.MAX_VALUE / 2) {
            throw new UsageException("--" + name + " " + v + " is out of range; expected e.g. 768M, 1.5G");
        }
        return (long) bytes;
    }

    float number(String name, float fallback) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Float.parseFloat(v);
        } catch (NumberFormatException e) {
            throw new UsageException(
                    "-" + name + " " + v + " is not a number; expected e.g. -" + name + " " + fallback);
        }
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    /** {@code --name K=V,K2=V2} as a map (empty when absent), e.g. backend properties. */
    java.util.Map<String, String> keyValues(String name) {
        java.util.Map<String, String> map = new java.util.LinkedHashMap<>();
        String v = values.get(name);
        if (v == null || v.isBlank()) {
            return map;
        }
        for (String pair : v.split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0 || eq == pair.length() - 1) {
                throw new UsageException("--" + name + " takes KEY=VALUE pairs separated by commas, e.g. --" + name
                        + " cuda.tf32=true,cuda.device=1; got '" + pair + "'");
            }
            if (map.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip()) != null) {
                throw new UsageException("--" + name + " names " + pair.substring(0, eq) + " twice; give it once");
            }
        }
        return map;
    }
}
