package dev.nightmare.engine.cfg;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads darknet's cfg syntax (darknet {@code read_cfg}): {@code [section]} headers, {@code
 * key=value} lines, comments starting with {@code #} or {@code ;}. Like darknet, all whitespace
 * inside a line is removed before it is read. Unlike darknet, a line that is neither a header nor
 * {@code key=value} is an error rather than a warning.
 */
public final class CfgParser {
    private CfgParser() {}

    /** Limit on cfg text: real cfgs are a few kB; a larger one is not a cfg. */
    public static final int MAX_CFG_CHARS = 1 << 20;

    public static List<CfgSection> parse(String source, String text) {
        if (text.length() > MAX_CFG_CHARS) {
            throw new CfgException(source, "is " + text.length() + " characters; a cfg is at most " + MAX_CFG_CHARS);
        }
        List<CfgSection> sections = new ArrayList<>();
        String[] lines = text.split("\r?\n|\r", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNumber = i + 1;
            String line = stripWhitespace(lines[i]);
            if (line.isEmpty() || line.charAt(0) == '#' || line.charAt(0) == ';') {
                continue;
            }
            if (line.charAt(0) == '[') {
                if (!line.endsWith("]") || line.length() < 3) {
                    throw new CfgException(
                            source, lineNumber, "'" + lines[i].strip() + "' is not a section header; expected [name]");
                }
                sections.add(new CfgSection(source, line.substring(1, line.length() - 1), lineNumber));
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new CfgException(
                        source, lineNumber, "'" + lines[i].strip() + "' is not an option; expected key=value");
            }
            if (sections.isEmpty()) {
                throw new CfgException(source, lineNumber, "option before the first section; expected [net] first");
            }
            sections.getLast().put(line.substring(0, eq), line.substring(eq + 1), lineNumber);
        }
        if (sections.isEmpty()) {
            throw new CfgException(source, "has no sections; expected [net] followed by layers");
        }
        return sections;
    }

    private static String stripWhitespace(String line) {
        StringBuilder out = new StringBuilder(line.length());
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (!Character.isWhitespace(c)) {
                out.append(c);
            }
        }
        return out.toString();
    }
}
