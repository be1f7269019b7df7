package dev.nightmare.contracts;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The one rule for model names, checked by the gateway, the model-store and the model-client
 * before a name goes anywhere: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter
 * or digit. Such a name is safe as a file name, an S3 key part and a URL path segment.
 */
public final class ModelNames {
    public static final Pattern PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /** The rule in words, for error messages. */
    public static final String RULE = "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit";

    private ModelNames() {}

    public static boolean isValid(String name) {
        return name != null && PATTERN.matcher(name).matches();
    }

    /** What is wrong with {@code name}, naming the rule; empty when it is a model name. */
    public static Optional<String> problem(String name) {
        if (isValid(name)) {
            return Optional.empty();
        }
        String shown = name == null ? "null" : printable(name);
        return Optional.of("'" + shown + "' is not a model name: expected " + RULE);
    }

    /** The name as it can be shown: control characters escaped, at most 80 characters. */
    private static String printable(String name) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < name.length() && b.length() < 80; i++) {
            char c = name.charAt(i);
            b.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return name.length() > 80 ? b + "…" : b.toString();
    }
}
