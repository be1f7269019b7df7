package dev.nightmare.engine.cfg;

/** A darknet cfg that cannot be used: the message names the file, the line and what was expected. */
public final class CfgException extends IllegalArgumentException {
    public CfgException(String source, int line, String message) {
        super(source + ":" + line + ": " + message);
    }

    public CfgException(String source, String message) {
        super(source + ": " + message);
    }
}
