package dev.nightmare.gateway.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * A real headless Chromium driven through chromedriver, with a fresh profile, nothing fetched
 * from the network but the page under test, downloads into a folder of the test, and the page's
 * console kept so tests can require that it stays free of errors. The viewport is set exactly
 * (a desktop or an emulated phone) through the DevTools protocol, so screenshots have known sizes.
 */
final class HeadlessChromium implements AutoCloseable {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    final ChromeDriver driver;
    final Path downloads;
    private final Path screenshots;

    private HeadlessChromium(ChromeDriver driver, Path downloads, Path screenshots) {
        this.driver = driver;
        this.downloads = downloads;
        this.screenshots = screenshots;
    }

    /** Skips the calling test class, with the reason, where Chromium or chromedriver is missing. */
    static void assumeInstalled() {
        Assumptions.assumeTrue(
                Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)");
    }

    /**
     * @param work where the profile, the downloads and chromedriver's log go
     * @param screenshots where {@link #screenshot} writes (kept as a build artefact)
     */
    static HeadlessChromium start(Path work, Path screenshots) throws IOException {
        Path profile = Files.createDirectories(work.resolve("chromium-profile"));
        Path downloads = Files.createDirectories(work.resolve("downloads"));
        Files.createDirectories(screenshots);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--user-data-dir=" + profile,
                "--window-size=1280,1000");
        options.setExperimentalOption(
                "prefs",
                Map.of("download.default_directory", downloads.toString(), "download.prompt_for_download", false));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(work.resolve("chromedriver.log").toFile())
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.executeCdpCommand(
                "Browser.setDownloadBehavior", Map.of("behavior", "allow", "downloadPath", downloads.toString()));
        HeadlessChromium chromium = new HeadlessChromium(driver, downloads, screenshots);
        chromium.desktop();
        return chromium;
    }

    /** A 1280×1000 desktop viewport. */
    void desktop() {
        viewport(1280, 1000, false);
    }

    /** An exact viewport; {@code phone} also emulates a touch phone (mobile viewport rules). */
    void viewport(int width, int height, boolean phone) {
        driver.executeCdpCommand(
                "Emulation.setDeviceMetricsOverride",
                Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", phone));
        driver.executeCdpCommand("Emulation.setTouchEmulationEnabled", Map.of("enabled", phone));
    }

    /** Emulates the system's colour preference ({@code light} or {@code dark}). */
    void colorScheme(String scheme) {
        driver.executeCdpCommand(
                "Emulation.setEmulatedMedia",
                Map.of("features", List.of(Map.of("name", "prefers-color-scheme", "value", scheme))));
    }

    /**
     * Runs {@code script} in every page loaded from now on, before the page's own scripts (and
     * outside its Content-Security-Policy); returns the handle {@link #forget} takes.
     */
    String onEveryPage(String script) {
        return (String) driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", script))
                .get("identifier");
    }

    void forget(String handle) {
        driver.executeCdpCommand("Page.removeScriptToEvaluateOnNewDocument", Map.of("identifier", handle));
    }

    /** Makes requests whose URL matches one of the patterns ({@code *} wildcards) fail, as a broken network would. */
    void block(String... patterns) {
        driver.executeCdpCommand("Network.enable", Map.of());
        driver.executeCdpCommand("Network.setBlockedURLs", Map.of("urls", List.of(patterns)));
    }

    void unblock() {
        driver.executeCdpCommand("Network.setBlockedURLs", Map.of("urls", List.of()));
    }

    /** The viewport as a PNG in the screenshots folder. */
    Path screenshot(String name) throws IOException {
        return capture(name, false);
    }

    /** The whole page, below the fold included. */
    Path fullPageScreenshot(String name) throws IOException {
        return capture(name, true);
    }

    private Path capture(String name, boolean fullPage) throws IOException {
        Map<String, Object> shot = driver.executeCdpCommand(
                "Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", fullPage));
        Path file = screenshots.resolve(name + ".png");
        Files.write(file, Base64.getDecoder().decode((String) shot.get("data")));
        return file;
    }

    /** The console's errors since the last call (failed loads, script errors, CSP violations). */
    List<String> consoleErrors() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage)
                .toList();
    }

    @Override
    public void close() {
        driver.quit();
    }
}
