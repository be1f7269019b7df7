package dev.nightmare.engine.dream;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The engine's version, stamped into every run report. */
public final class EngineVersion {
    private static final String VERSION = load();

    private EngineVersion() {}

    public static String get() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = EngineVersion.class.getResourceAsStream("/dev/nightmare/engine/engine.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
