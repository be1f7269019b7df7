package dev.nightmare.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nightmare.gateway.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page in a real headless Chromium, against a real gateway (Kafka, S3 and the model-store
 * as processes) and a test worker. Screenshots are left in {@code target/screenshots}.
 */
class WebPageIT {
    static final String KEY = "page-key-0123456789";
    static final Path SCREENSHOTS = Path.of(System.getProperty("nightmare.screenshots", "target/screenshots"));

    static GatewayStack stack;
    static TestWorker worker;
    static HeadlessChromium chromium;
    static ChromeDriver browser;

    @BeforeAll
    static void start() throws Exception {
        HeadlessChromium.assumeInstalled();
        GatewayStack.assumePackaged();
        stack = GatewayStack.start("web-page-it", Map.of("visitor", KEY), Map.of());
        worker = new TestWorker(stack.minio, GatewayStack.BUCKET, stack.kafka.bootstrapServers());
        chromium = HeadlessChromium.start(stack.work, SCREENSHOTS);
        browser = chromium.driver;
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {chromium, worker, stack}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // Best effort; the processes are also stopped by their shutdown hooks.
            }
        }
    }

    @Test
    void webPageRunsAJobAndShowsEveryRoundInARealBrowser() throws Exception {
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        browser.get(stack.url() + "/");
        browser.findElement(By.id("apiKey")).sendKeys(KEY);
        browser.findElement(By.id("loadModels")).click();
        wait.until(d -> !d.findElements(By.cssSelector("#layer option")).isEmpty());
        new Select(browser.findElement(By.id("model"))).selectByValue("tiny");
        new Select(browser.findElement(By.id("layer"))).selectByValue("5");
        Path image = stack.work.resolve("page-input.png");
        Files.write(image, TestImages.png(80, 60));
        browser.findElement(By.id("image")).sendKeys(image.toAbsolutePath().toString());
        for (String[] field : new String[][] {{"rounds", "2"}, {"iters", "1"}, {"octaves", "1"}}) {
            var input = browser.findElement(By.id(field[0]));
            input.clear();
            input.sendKeys(field[1]);
        }
        browser.findElement(By.id("start")).click();
        wait.until(d -> !d.findElement(By.id("jobId")).getText().isBlank());
        String id = browser.findElement(By.id("jobId")).getText();
        assertThat(id).matches("[0-9a-f]{32}");
        worker.run(id);
        wait.until(d -> d.findElements(By.cssSelector("#gallery img")).size() == 2
                && d.findElement(By.id("state")).getText().equals("succeeded"));
        for (var img : browser.findElements(By.cssSelector("#gallery img"))) {
            // Each round image was fetched and decoded by the browser.
            Object width = browser.executeScript("return arguments[0].naturalWidth", img);
            assertThat(((Number) width).intValue()).isEqualTo(80);
        }
        assertThat(browser.findElements(By.cssSelector("#gallery a[download]"))).hasSize(2);
        assertThat(browser.findElement(By.id("errors")).getText()).isBlank();
        chromium.screenshot("web-page");
    }
}
