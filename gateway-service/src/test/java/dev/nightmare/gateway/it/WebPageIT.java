package dev.nightmare.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightmare.contracts.JobKeys;
import dev.nightmare.contracts.RunDetails;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import io.minio.StatObjectArgs;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page in a real headless Chromium, against a real gateway (Kafka, S3 and the model-store
 * as processes) and a scripted worker, used as a visitor would: submit and watch the rounds arrive
 * live, cancel, come back through the history after a reload, make mistakes and find each error next
 * to its field, use a 390 px phone, and do it all with the keyboard alone. Screenshots are left in
 * {@code target/screenshots} (two of them are in the README).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebPageIT {
    static final String KEY = "page-key-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final Path SCREENSHOTS = Path.of(System.getProperty("nightmare.screenshots", "target/screenshots"));
    static final int WIDTH = 240;
    static final int HEIGHT = 180;

    static GatewayStack stack;
    static ScriptedWorker worker;
    static HeadlessChromium chromium;
    static ChromeDriver browser;
    static Path picture;
    static Path notAPicture;

    @BeforeAll
    static void start() throws Exception {
        HeadlessChromium.assumeInstalled();
        GatewayStack.assumePackaged();
        // Every progress event reaches the page (the gateway's own throttle would drop some at test speed).
        stack = GatewayStack.start(
                "web-page-it", Map.of("visitor", KEY), Map.of("nightmare.events.progress-interval-millis", "0"));
        worker = new ScriptedWorker(stack.minio, GatewayStack.BUCKET, stack.kafka.bootstrapServers());
        chromium = HeadlessChromium.start(stack.work, SCREENSHOTS);
        browser = chromium.driver;
        picture = stack.work.resolve("lake.png");
        Files.write(picture, landscape(WIDTH, HEIGHT));
        notAPicture = stack.work.resolve("notes.png");
        Files.writeString(notAPicture, "these are notes, not a picture");
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

    @BeforeEach
    void forgetEarlierConsoleMessages() {
        chromium.consoleErrors();
    }

    @AfterEach
    void backToDesktop() {
        chromium.unblock();
        chromium.desktop();
        chromium.colorScheme("light");
    }

    // ---- tests -----------------------------------------------------------------------------------

    @Test
    @Order(1)
    void submitShowsEveryRoundLiveWithProgressAndDownloadsThemAsAZip() throws Exception {
        freshVisitor();
        chromium.colorScheme("dark");
        // The models load as soon as the key is typed: there is nothing else to click.
        browser.findElement(By.id("apiKey")).sendKeys(KEY);
        waitForModels();
        assertThat(text("apiKey-status")).contains("Key accepted").contains("1 model");
        new Select(browser.findElement(By.id("model"))).selectByValue("tiny");
        new Select(browser.findElement(By.id("layer"))).selectByValue("5");
        browser.findElement(By.id("image")).sendKeys(picture.toString());
        wait(d -> d.findElement(By.id("preview")).isDisplayed()
                && d.findElement(By.id("beforeImg")).isDisplayed());
        fill("rounds", "3");
        fill("iters", "4");
        openMoreOptions();
        fill("octaves", "1");

        String id = startJob();
        assertThat(browser.getCurrentUrl()).endsWith("#job=" + id);
        assertThat(text("state")).isEqualTo("queued");
        assertThat(text("run")).isEmpty();

        // The stream connected while the job was queued; the worker's events bring the rest.
        RunDetails run = worker.start(id);
        wait(d -> text("state").equals("running"));
        wait(d -> text("run").contains("seed " + run.seed()) && text("run").contains(ScriptedWorker.BACKEND));
        worker.progress(id, 0, 0);
        wait(d -> text("progressText").equals("Round 1 of 3 · step 1 of 4"));
        Thread.sleep(400);
        worker.progress(id, 0, 1);
        wait(d -> text("progressText").equals("Round 1 of 3 · step 2 of 4"));
        wait(d -> text("eta").matches("about .* left|almost done"));
        assertThat(progress()).isCloseTo(2.0 / 12, org.assertj.core.data.Offset.offset(0.001));
        assertThat(browser.findElement(By.cssSelector("#strip li[data-round='0']"))
                        .getAttribute("data-status"))
                .isEqualTo("active");

        worker.round(id, 0);
        wait(d ->
                roundStatus(0).equals("ok") && d.findElement(By.id("afterImg")).isDisplayed());
        assertThat(text("afterCaption")).isEqualTo("Round 1 of 3 (latest)");
        worker.progress(id, 1, 2);
        worker.round(id, 1);
        wait(d -> roundStatus(1).equals("ok") && text("afterCaption").equals("Round 2 of 3 (latest)"));
        worker.progress(id, 2, 1);
        wait(d -> text("progressText").equals("Round 3 of 3 · step 2 of 4"));
        js("window.scrollTo(0, 0); document.querySelector('.controls').scrollTop = 0");
        chromium.screenshot("desktop-running");

        worker.round(id, 2);
        worker.succeed(id);
        wait(d -> text("state").equals("succeeded") && roundImages().size() == 3);
        assertThat(text("progressText")).startsWith("3 rounds done");
        assertThat(progress()).isEqualTo(1.0);
        for (WebElement img : roundImages()) {
            // Each round was fetched with the key and decoded by the browser.
            assertThat(((Number) js("return arguments[0].naturalWidth", img)).intValue())
                    .isEqualTo(WIDTH);
        }
        assertThat(browser.findElements(By.cssSelector("#strip a[download]"))).hasSize(3);
        assertThat(visibleErrors()).isEmpty();
        assertThat(text("start")).isEqualTo("Start dreaming");

        // The large view, round by round.
        browser.findElement(By.cssSelector("#strip li[data-round='0'] .thumb")).click();
        wait(d -> text("afterCaption").equals("Round 1 of 3"));
        browser.findElement(By.id("openViewer")).click();
        wait(d -> d.findElement(By.id("viewer")).isDisplayed());
        assertThat(text("viewer-title")).isEqualTo("Round 1 of 3");
        browser.findElement(By.id("viewerNext")).click();
        wait(d -> text("viewer-title").equals("Round 2 of 3"));
        new Actions(browser).sendKeys(Keys.ESCAPE).perform();
        wait(d -> !d.findElement(By.id("viewer")).isDisplayed());

        // Before and after under one slider.
        browser.findElement(By.id("viewCompare")).click();
        wait(d -> d.findElement(By.id("compare")).isDisplayed());
        new Actions(browser)
                .sendKeys(Keys.ARROW_LEFT, Keys.ARROW_LEFT, Keys.ARROW_LEFT)
                .perform();
        assertThat(js("return document.getElementById('compare').style.getPropertyValue('--pos')"))
                .isEqualTo("47%");
        browser.findElement(By.id("viewSide")).click();

        // Every round in one zip, named as darknet names its outputs.
        browser.findElement(By.id("downloadAll")).click();
        Path zip = awaitDownload(".zip");
        assertThat(zip.getFileName().toString()).isEqualTo("lake_tiny_5.zip");
        List<String> names = new ArrayList<>();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                names.add(entry.getName());
                byte[] bytes = in.readAllBytes();
                assertThat(ImageIO.read(new ByteArrayInputStream(bytes)).getWidth())
                        .as(entry.getName())
                        .isEqualTo(WIDTH);
            }
        }
        assertThat(names).containsExactly("lake_tiny_5_000000.jpg", "lake_tiny_5_000001.jpg", "lake_tiny_5_000002.jpg");

        assertThat(status("/favicon.ico")).isEqualTo(200);
        assertThat(status("/favicon.svg")).isEqualTo(200);
        for (String file : List.of("/", "/app.js", "/app.css", "/zip.js")) {
            // A new version of the page is seen on the next load, not a day later.
            assertThat(cacheControl(file)).as(file).isEqualTo("no-cache");
        }
        assertThat(chromium.consoleErrors()).isEmpty();
    }

    @Test
    @Order(2)
    void startIsOffWhileSubmittingAndStartingAnotherCancelsTheJobShown() throws Exception {
        openPage("");
        signIn();
        browser.findElement(By.id("image")).sendKeys(picture.toString());
        fill("rounds", "2");
        List<String> before = jobIds();

        new Actions(browser).doubleClick(browser.findElement(By.id("start"))).perform();
        wait(d -> !text("jobId").isBlank() && !before.contains(text("jobId")));
        String first = text("jobId");
        Thread.sleep(1000);
        assertThat(jobIds()).as("a double click makes one job").hasSize(before.size() + 1);

        // While it runs, Start says what it will do to it.
        wait(d -> text("start").equals("Cancel and start new"));
        browser.findElement(By.id("start")).click();
        wait(d -> !text("jobId").isBlank() && !text("jobId").equals(first));
        String second = text("jobId");
        awaitTrue(() -> getJob(first).get("cancelRequested").asBoolean(), "the first job asked to stop");
        assertThat(jobIds()).hasSize(before.size() + 2).contains(first, second);
        assertThat(getJob(second).get("cancelRequested").asBoolean()).isFalse();
        assertThat(chromium.consoleErrors()).isEmpty();
    }

    @Test
    @Order(3)
    void cancelStopsTheJobAndTheRunDetailsComeWithTheFinalEvent() throws Exception {
        openPage("");
        signIn();
        browser.findElement(By.id("image")).sendKeys(picture.toString());
        fill("rounds", "2");
        String id = startJob();
        // This started event carries no run details: the final event must bring them.
        RunDetails run = worker.start(id, false);
        wait(d -> text("state").equals("running"));
        worker.round(id, 0);
        wait(d -> roundStatus(0).equals("ok"));
        assertThat(text("run")).isEmpty();

        browser.findElement(By.id("cancel")).click();
        wait(d -> text("state").equals("canceling…") && text("cancel").equals("Canceling…"));
        awaitTrue(() -> exists(JobKeys.cancel(id)), "the cancel marker in S3");
        assertThat(worker.cancelIfAsked(id)).isTrue();
        wait(d -> text("state").equals("canceled"));
        assertThat(text("progressText")).isEqualTo("Canceled after 1 of 2 rounds");
        wait(d -> text("run").contains("seed " + run.seed())
                && text("run").contains("backend " + ScriptedWorker.BACKEND));
        assertThat(browser.findElement(By.id("cancel")).isDisplayed()).isFalse();
        assertThat(text("start")).isEqualTo("Start dreaming");
        assertThat(chromium.consoleErrors()).isEmpty();
    }

    @Test
    @Order(4)
    void historyAndJobLinksSurviveAReloadAndTheKeyStaysInTheTabUnlessRemembered() throws Exception {
        String id = submitThroughTheApi("{\"model\":\"tiny\",\"layer\":7,\"rounds\":2,\"iters\":1,\"octaves\":1}");
        worker.run(id);
        awaitTrue(() -> "succeeded".equals(getJob(id).get("state").asText()), "the job to succeed");

        openPage("");
        browser.navigate().refresh();
        waitReady();
        // The key came back from this tab's storage, not from the device's.
        assertThat(browser.findElement(By.id("apiKey")).getAttribute("value")).isEqualTo(KEY);
        assertThat(js("return localStorage.getItem('nightmare.apiKey')")).isNull();
        By card = By.cssSelector("#history a[href='#job=" + id + "']");
        wait(d -> !d.findElements(card).isEmpty()
                && !d.findElement(card).findElements(By.tagName("img")).isEmpty());
        assertThat(browser.findElement(card).getText()).contains("succeeded").contains("layer 7");
        chromium.screenshot("history");

        browser.findElement(card).click();
        wait(d -> text("jobId").equals(id) && roundImages().size() == 2);
        assertThat(browser.getCurrentUrl()).endsWith("#job=" + id);
        assertThat(browser.findElement(card).getAttribute("aria-current")).isEqualTo("page");

        browser.navigate().refresh();
        waitReady();
        wait(d -> text("jobId").equals(id)
                && roundImages().size() == 2
                && text("state").equals("succeeded"));

        // A new tab (this tab's storage gone): no key, until the user asks the device to remember it.
        js("sessionStorage.clear()");
        browser.navigate().refresh();
        waitReady();
        assertThat(browser.findElement(By.id("apiKey")).getAttribute("value")).isEmpty();
        assertThat(browser.findElements(By.cssSelector("#history li"))).isEmpty();
        browser.findElement(By.id("apiKey")).sendKeys(KEY);
        waitForModels();
        browser.findElement(By.id("rememberKey")).click();
        assertThat(js("return localStorage.getItem('nightmare.apiKey')")).isEqualTo(KEY);
        js("sessionStorage.clear()");
        browser.navigate().refresh();
        waitReady();
        waitForModels();
        assertThat(browser.findElement(By.id("rememberKey")).isSelected()).isTrue();
        wait(d -> text("jobId").equals(id) && roundImages().size() == 2);
        browser.findElement(By.id("rememberKey")).click();
        assertThat(js("return localStorage.getItem('nightmare.apiKey')")).isNull();
        assertThat(js("return sessionStorage.getItem('nightmare.apiKey')")).isEqualTo(KEY);
        assertThat(chromium.consoleErrors()).isEmpty();
    }

    @Test
    @Order(5)
    void eachKindOfErrorAppearsNextToTheFieldItConcerns() throws Exception {
        freshVisitor();
        List<String> before = jobIds();
        browser.findElement(By.id("image")).sendKeys(picture.toString());

        // No key yet: said next to the key and the model, in the page's words, not the API's.
        browser.findElement(By.id("start")).click();
        wait(d -> isShown("apiKey-error") && isShown("model-error"));
        assertThat(text("apiKey-error")).contains("Enter your API key");
        assertThat(browser.findElement(By.tagName("body")).getText()).doesNotContain("/v1/models");
        assertThat(browser.switchTo().activeElement().getAttribute("id")).isEqualTo("apiKey");
        assertThat(browser.findElement(By.id("apiKey")).getAttribute("aria-invalid"))
                .isEqualTo("true");

        // A key the gateway refuses (401).
        browser.findElement(By.id("apiKey")).sendKeys("not-a-key-0123456789");
        wait(d -> isShown("apiKey-error") && text("apiKey-error").contains("does not accept"));
        browser.findElement(By.id("apiKey")).clear();
        browser.findElement(By.id("apiKey")).sendKeys(KEY);
        waitForModels();
        wait(d -> !isShown("apiKey-error"));
        new Select(browser.findElement(By.id("layer"))).selectByValue("5");

        // Checked before sending: 2.5 rounds is refused with a word, not sent as 2.
        fill("rounds", "2.5");
        browser.findElement(By.id("start")).click();
        wait(d -> isShown("rounds-error"));
        assertThat(text("rounds-error")).contains("whole number").contains("2.5");
        assertThat(browser.switchTo().activeElement().getAttribute("id")).isEqualTo("rounds");
        fill("rounds", "2");
        assertThat(isShown("rounds-error"))
                .as("editing the field clears its error")
                .isFalse();

        // The server's rules (422): 1e9 iterations is sent as 1000000000, and refused there.
        fill("iters", "1e9");
        browser.findElement(By.id("start")).click();
        wait(d -> isShown("iters-error"));
        assertThat(text("iters-error")).contains("1000000000");
        fill("iters", "1");

        // A field inside "More options" (closed): it opens, the error is next to the field.
        new Select(browser.findElement(By.id("layer"))).selectByValue("0");
        openMoreOptions();
        fill("range", "5");
        js("document.getElementById('more').open = false");
        browser.findElement(By.id("start")).click();
        wait(d -> isShown("range-error") && d.findElement(By.id("range")).isDisplayed());
        assertThat(text("range-error")).containsIgnoringCase("range");
        fill("range", "1");
        new Select(browser.findElement(By.id("layer"))).selectByValue("5");

        // Not an image: the page warns at once, and the gateway's refusal (415) lands in the same place.
        browser.findElement(By.id("image")).sendKeys(notAPicture.toString());
        wait(d -> isShown("image-error") && text("image-error").contains("does not look like"));
        chromium.consoleErrors();
        browser.findElement(By.id("start")).click();
        wait(d -> chromium.consoleErrors().stream().anyMatch(m -> m.contains("status of 415")));
        wait(d -> isShown("image-error") && !text("image-error").contains("does not look like"));
        assertThat(text("image-error")).containsIgnoringCase("image");
        chromium.screenshot("errors");
        assertThat(jobIds()).as("nothing was queued").isEqualTo(before);

        // A round whose image cannot be fetched says so and can be fetched again.
        browser.findElement(By.id("image")).sendKeys(picture.toString());
        chromium.block("*/rounds/1");
        String id = startJob();
        worker.run(id);
        wait(d -> text("state").equals("succeeded")
                && roundStatus(0).equals("ok")
                && roundStatus(1).equals("error"));
        WebElement retry = browser.findElement(By.cssSelector("#strip li[data-round='1'] .retry"));
        assertThat(retry.getText()).contains("Could not load").contains("Retry");
        chromium.unblock();
        retry.click();
        wait(d -> roundStatus(1).equals("ok") && roundImages().size() == 2);
    }

    @Test
    @Order(6)
    void phoneLayoutFitsWithoutSidewaysScrolling() throws Exception {
        String id = submitThroughTheApi("{\"model\":\"tiny\",\"layer\":5,\"rounds\":4,\"iters\":1,\"octaves\":1}");
        worker.run(id);
        for (int width : new int[] {390, 360}) {
            chromium.viewport(width, 844, true);
            openPage("#job=" + id);
            signIn();
            wait(d -> text("jobId").equals(id) && roundImages().size() == 4);
            assertFits(width);
            openMoreOptions();
            assertFits(width);
        }
        chromium.viewport(390, 844, true);
        openPage("");
        signIn();
        browser.findElement(By.id("image")).sendKeys(picture.toString());
        fill("rounds", "2");
        js("document.getElementById('more').open = false");
        chromium.fullPageScreenshot("phone-390-form");
        // On one column the result is below the form: starting brings it into view.
        String started = startJob();
        worker.run(started);
        wait(d -> text("state").equals("succeeded") && roundImages().size() == 2);
        wait(d -> ((Number) js("return document.getElementById('result').getBoundingClientRect().top")).doubleValue()
                < 200);
        assertFits(390);
        chromium.screenshot("phone-390");
        assertThat(chromium.consoleErrors()).isEmpty();
    }

    @Test
    @Order(7)
    void keyboardAloneSubmitsAJobAndBrowsesItsRounds() throws Exception {
        freshVisitor();
        // Tab from the top of the page to the key, and type it.
        tabTo("apiKey");
        type(KEY);
        waitForModels();
        // The file input: Space would open the system's file chooser; WebDriver hands it the file.
        tabTo("image");
        assertThat(focusVisible()).as("the drop zone shows focus").isTrue();
        browser.switchTo().activeElement().sendKeys(picture.toString());
        tabTo("model");
        assertThat(focusVisible()).isTrue();
        tabTo("layer");
        type("7");
        assertThat(new Select(browser.findElement(By.id("layer")))
                        .getFirstSelectedOption()
                        .getAttribute("value"))
                .isEqualTo("7");
        tabTo("rounds");
        new Actions(browser)
                .keyDown(Keys.CONTROL)
                .sendKeys("a")
                .keyUp(Keys.CONTROL)
                .sendKeys("2")
                .perform();
        tabTo("iters");
        new Actions(browser)
                .keyDown(Keys.CONTROL)
                .sendKeys("a")
                .keyUp(Keys.CONTROL)
                .sendKeys("1")
                .perform();
        tabTo("start");
        assertThat(focusVisible()).isTrue();
        List<String> before = jobIds();
        new Actions(browser).sendKeys(Keys.ENTER).perform();
        wait(d -> !text("jobId").isBlank());
        String id = text("jobId");
        assertThat(jobIds()).hasSize(before.size() + 1).contains(id);
        worker.run(id);
        wait(d -> text("state").equals("succeeded") && roundImages().size() == 2);

        // The large view by keyboard: open, next round, close.
        tabTo("openViewer");
        new Actions(browser).sendKeys(Keys.ENTER).perform();
        wait(d -> d.findElement(By.id("viewer")).isDisplayed());
        assertThat(text("viewer-title")).isEqualTo("Round 2 of 2");
        new Actions(browser).sendKeys(Keys.ARROW_LEFT).perform();
        wait(d -> text("viewer-title").equals("Round 1 of 2"));
        new Actions(browser).sendKeys(Keys.ESCAPE).perform();
        wait(d -> !d.findElement(By.id("viewer")).isDisplayed());
        assertThat(browser.switchTo().activeElement().getAttribute("id")).isEqualTo("openViewer");
        // The strip: arrows move between rounds.
        tabTo(null, "thumb");
        new Actions(browser).sendKeys(Keys.ARROW_RIGHT).perform();
        wait(d -> text("afterCaption").startsWith("Round 2 of 2"));
        assertThat(chromium.consoleErrors()).isEmpty();
    }

    @Test
    @Order(8)
    void modelDescriptionsGoodLayersAndPresetsShowWhenTheApiGivesThem() throws Exception {
        // The model list as a newer gateway gives it: the real answer with the fields added.
        String handle = chromium.onEveryPage("""
                (() => {
                  const real = window.fetch;
                  window.sentOptions = [];
                  window.fetch = async (input, init = {}) => {
                    const url = typeof input === 'string' ? input : input.url;
                    if (init.method === 'POST' && init.body instanceof FormData) window.sentOptions.push(init.body.get('options'));
                    const response = await real(input, init);
                    if (!url.endsWith('/v1/models') || !response.ok) return response;
                    const models = await response.json();
                    for (const m of models) Object.assign(m, {
                      description: 'Tiny Darknet, an ImageNet classifier small enough for a laptop.',
                      recommendedLayers: [3, {layer: 7, why: 'eyes and fur'}],
                      presets: [{name: 'gentle', displayName: 'Gentle', description: 'soft strokes', options: {iters: 5, rate: 0.02, octaves: 2}}],
                    });
                    return new Response(JSON.stringify(models), {status: 200, headers: {'Content-Type': 'application/json'}});
                  };
                })();
                """);
        try {
            openPage("");
            signIn();
            wait(d -> isShown("model-card"));
            assertThat(text("model-desc")).contains("Tiny Darknet");
            assertThat(browser.findElements(By.cssSelector("#good-layers .chip")))
                    .extracting(WebElement::getText)
                    .containsExactly("3", "7");
            Select layer = new Select(browser.findElement(By.id("layer")));
            assertThat(layer.getOptions().get(7).getText()).contains("★");
            browser.findElement(By.cssSelector("#good-layers .chip[title='eyes and fur']"))
                    .click();
            assertThat(layer.getFirstSelectedOption().getAttribute("value")).isEqualTo("7");

            assertThat(isShown("preset-field")).isTrue();
            WebElement gentle = browser.findElement(By.cssSelector("#preset [data-preset='gentle']"));
            assertThat(gentle.getText()).isEqualTo("Gentle");
            gentle.click();
            assertThat(gentle.getAttribute("aria-pressed")).isEqualTo("true");
            assertThat(browser.findElement(By.id("iters")).getAttribute("value"))
                    .isEqualTo("5");
            assertThat(browser.findElement(By.id("rate")).getAttribute("value")).isEqualTo("0.02");

            browser.findElement(By.id("image")).sendKeys(picture.toString());
            String before = text("jobId");
            browser.findElement(By.id("start")).click();
            wait(d -> ((Number) js("return window.sentOptions.length")).intValue() == 1);
            JsonNode sent = JSON.readTree((String) js("return window.sentOptions[0]"));
            assertThat(sent.get("preset").asText()).isEqualTo("gentle");
            assertThat(sent.get("layer").asInt()).isEqualTo(7);
            assertThat(sent.get("iters").asInt()).isEqualTo(5);
            // The gateway knows tiny's gentle preset: the job is made, the values the form sent win over it.
            wait(d -> !text("jobId").equals(before) || isShown("preset-error"));
            assertThat(isShown("preset-error")).as(text("preset-error")).isFalse();
            JsonNode options = getJob(text("jobId")).get("options");
            assertThat(options.get("layer").asInt()).isEqualTo(7);
            assertThat(options.get("iters").asInt()).isEqualTo(5);
            assertThat(options.get("rate").floatValue()).isEqualTo(0.02f);
            chromium.screenshot("presets");
        } finally {
            chromium.forget(handle);
        }
    }

    @Test
    @Order(9)
    void aDroppedEventStreamIsOpenedAgainAndCatchesUp() throws Exception {
        try (CuttableProxy line = new CuttableProxy(stack.gateway.port())) {
            // The page through a line the test can cut (a new origin: a new tab's storage).
            browser.get(line.url() + "/");
            waitReady();
            signIn();
            browser.findElement(By.id("image")).sendKeys(picture.toString());
            fill("rounds", "2");
            String id = startJob();
            worker.start(id);
            wait(d -> text("state").equals("running"));
            line.cut();
            try {
                wait(d -> text("progressText").contains("reconnecting"));
                // Made while the page was cut off: it learns of it from the state a new stream opens with.
                worker.round(id, 0);
            } finally {
                line.restore();
            }
            wait(d -> roundStatus(0).equals("ok") && !text("progressText").contains("reconnecting"));
            worker.round(id, 1);
            worker.succeed(id);
            wait(d -> text("state").equals("succeeded") && roundImages().size() == 2);
        }
    }

    @Test
    @Order(10)
    void aJobWithAVideoShowsItInAPlayerOnceItSucceededAndDownloadsIt() throws Exception {
        openPage("");
        signIn();
        browser.findElement(By.id("image")).sendKeys(picture.toString());
        fill("rounds", "3");
        openMoreOptions();
        WebElement animate = browser.findElement(By.id("animate"));
        if (!animate.isSelected()) {
            // Out from under the sticky Start bar.
            js("arguments[0].scrollIntoView({block: 'center'})", animate);
            animate.click();
        }
        String id = startJob();
        assertThat(getJob(id).path("options").path("animate").path("format").asText())
                .isEqualTo("mp4");
        wait(d -> isShown("videoPane") && text("videoText").equals("The video is made after the last round."));
        assertThat(isShown("video")).as("no player before there is a video").isFalse();

        worker.start(id);
        for (int r = 0; r < 3; r++) {
            worker.progress(id, r, 0);
            worker.round(id, r);
        }
        worker.succeedWithVideo(id);
        wait(d -> text("state").equals("succeeded") && isShown("video"));
        assertThat(text("videoText")).isEqualTo("The rounds as a video");
        // Fetched with the key and played from memory: a <video> cannot send the key itself.
        assertThat((String) js("return document.getElementById('video').src")).startsWith("blob:");
        if (!((String) js("return document.createElement('video').canPlayType('video/mp4; codecs=\"avc1.42E01E\"')"))
                .isEmpty()) {
            // This Chromium plays H.264: the MP4 decodes at the rounds' size.
            wait(d -> ((Number) js("return document.getElementById('video').videoWidth")).intValue() == WIDTH);
        }

        browser.findElement(By.id("downloadVideo")).click();
        Path video = awaitDownload(".mp4");
        byte[] bytes = Files.readAllBytes(video);
        assertThat(new String(bytes, 4, 4, StandardCharsets.US_ASCII))
                .as("an MP4's first box")
                .isEqualTo("ftyp");
        assertThat(video.getFileName().toString()).startsWith("lake_");

        // A job without a video shows no player, and Reuse settings unticks the box.
        String plain = submitThroughTheApi("{\"model\":\"tiny\",\"layer\":5,\"rounds\":1}");
        openPage("#job=" + plain);
        signIn();
        wait(d -> text("jobId").equals(plain));
        assertThat(isShown("videoPane")).isFalse();
        browser.findElement(By.id("reuse")).click();
        assertThat(browser.findElement(By.id("animate")).isSelected()).isFalse();
        assertThat(chromium.consoleErrors()).isEmpty();
    }

    @Test
    @Order(11)
    void theExactBatchNormGradientIsChosenUnderMoreOptionsAndReuseRestoresDarknets() throws Exception {
        openPage("");
        signIn();
        browser.findElement(By.id("image")).sendKeys(picture.toString());
        openMoreOptions();
        WebElement choice = browser.findElement(By.id("bnGradient"));
        js("arguments[0].scrollIntoView({block: 'center'})", choice);
        new Select(choice).selectByValue("exact");
        String id = startJob();
        assertThat(getJob(id).path("options").path("bnGradient").asText()).isEqualTo("exact");

        // Reusing a job made with darknet's gradient (the field absent) sets the choice back.
        String plain = submitThroughTheApi("{\"model\":\"tiny\",\"layer\":5,\"rounds\":1}");
        openPage("#job=" + plain);
        signIn();
        wait(d -> text("jobId").equals(plain));
        browser.findElement(By.id("reuse")).click();
        assertThat(new Select(browser.findElement(By.id("bnGradient")))
                        .getFirstSelectedOption()
                        .getAttribute("value"))
                .isEqualTo("darknet");
        assertThat(getJob(plain).path("options").has("bnGradient")).isFalse();
        assertThat(chromium.consoleErrors()).isEmpty();
    }

    // ---- helpers ---------------------------------------------------------------------------------

    /** A visitor who has never been here: no key, no saved settings. */
    static void freshVisitor() {
        openPage("");
        js("sessionStorage.clear(); localStorage.clear();");
        openPage("");
        chromium.consoleErrors();
    }

    static void openPage(String hash) {
        browser.get(stack.url() + "/" + hash);
        if (!hash.isEmpty()) {
            // A new hash on the same document is only a hash change.
            browser.navigate().refresh();
        }
        waitReady();
    }

    static void waitReady() {
        wait(d -> "ready".equals(js("return document.documentElement.dataset.page")));
    }

    /** Types the key unless this tab still has it, and waits for the models. */
    static void signIn() {
        if (browser.findElement(By.id("apiKey")).getAttribute("value").isEmpty()) {
            browser.findElement(By.id("apiKey")).sendKeys(KEY);
        }
        waitForModels();
    }

    static void waitForModels() {
        wait(d -> !d.findElements(By.cssSelector("#model option[value='tiny']")).isEmpty()
                && !d.findElements(By.cssSelector("#layer option")).isEmpty());
    }

    static <T> T wait(Function<WebDriver, T> condition) {
        return new WebDriverWait(browser, Duration.ofSeconds(20))
                .ignoring(StaleElementReferenceException.class)
                .until(condition);
    }

    static Object js(String script, Object... args) {
        return browser.executeScript(script, args);
    }

    static String text(String id) {
        return browser.findElement(By.id(id)).getText().trim();
    }

    static boolean isShown(String id) {
        return browser.findElement(By.id(id)).isDisplayed();
    }

    static void fill(String id, String value) {
        WebElement input = browser.findElement(By.id(id));
        input.clear();
        input.sendKeys(value);
    }

    static void openMoreOptions() {
        if (browser.findElement(By.id("more")).getAttribute("open") == null) {
            WebElement summary = browser.findElement(By.cssSelector("#more summary"));
            // A click scrolls its target just into view, under the sticky Start bar; a user scrolls it up.
            js("arguments[0].scrollIntoView({block: 'center'})", summary);
            summary.click();
        }
    }

    /** Clicks Start and returns the new job's id once the page shows it. */
    static String startJob() {
        String before = text("jobId");
        browser.findElement(By.id("start")).click();
        wait(d -> text("jobId").matches("[0-9a-f]{32}") && !text("jobId").equals(before));
        return text("jobId");
    }

    static double progress() {
        return ((Number) js("return document.getElementById('progress').value")).doubleValue();
    }

    static String roundStatus(int round) {
        List<WebElement> li = browser.findElements(By.cssSelector("#strip li[data-round='" + round + "']"));
        return li.isEmpty() ? "" : String.valueOf(li.getFirst().getAttribute("data-status"));
    }

    static List<WebElement> roundImages() {
        return browser.findElements(By.cssSelector("#strip li[data-status='ok'] img"));
    }

    static List<String> visibleErrors() {
        return browser.findElements(By.cssSelector(".error, .banner")).stream()
                .filter(WebElement::isDisplayed)
                .map(WebElement::getText)
                .toList();
    }

    /** Presses Tab until the element with this id (or class) has the focus. */
    static void tabTo(String id) {
        tabTo(id, null);
    }

    static void tabTo(String id, String cssClass) {
        for (int i = 0; i < 60; i++) {
            WebElement active = browser.switchTo().activeElement();
            if (id != null && id.equals(active.getAttribute("id"))) {
                return;
            }
            if (cssClass != null && String.valueOf(active.getAttribute("class")).contains(cssClass)) {
                return;
            }
            new Actions(browser).sendKeys(Keys.TAB).perform();
        }
        throw new AssertionError("Tab never reached " + (id != null ? "#" + id : "." + cssClass));
    }

    static void type(String keys) {
        new Actions(browser).sendKeys(keys).perform();
    }

    /** The focused element (or the drop zone around the file input) draws a focus outline. */
    static boolean focusVisible() {
        return (Boolean) js("""
                const el = document.activeElement;
                const drawn = (e) => { const s = getComputedStyle(e); return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; };
                return drawn(el) || (el.closest('.drop') !== null && drawn(el.closest('.drop')));
                """);
    }

    /** Nothing sticks out sideways: no horizontal scroll, and every box (outside the rounds strip's own scroller) within the viewport. */
    static void assertFits(int width) {
        assertThat(((Number) js("return window.innerWidth")).intValue()).isEqualTo(width);
        assertThat(((Number) js("return document.documentElement.scrollWidth")).intValue())
                .as("page width at %d px", width)
                .isLessThanOrEqualTo(width);
        @SuppressWarnings("unchecked")
        List<String> outside = (List<String>) js("""
                const out = [];
                for (const el of document.querySelectorAll('body *')) {
                  if (el.closest('.strip, .sprites, dialog') || el.getClientRects().length === 0) continue;
                  const r = el.getBoundingClientRect();
                  if (r.width > 0 && (r.right > innerWidth + 0.5 || r.left < -0.5)) out.push(el.tagName + '#' + el.id + '.' + el.className + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
                }
                return out;
                """);
        assertThat(outside).as("boxes outside %d px", width).isEmpty();
        // The checkbox sits right beside its words.
        double gap = ((Number) js("""
                        const box = document.getElementById('norm');
                        if (!box.offsetParent) return 0;
                        return box.nextElementSibling.getBoundingClientRect().left - box.getBoundingClientRect().right;
                        """)).doubleValue();
        assertThat(gap).isBetween(0.0, 12.0);
    }

    static Path awaitDownload(String suffix) throws Exception {
        Path[] found = new Path[1];
        awaitTrue(
                () -> {
                    try (Stream<Path> files = Files.list(chromium.downloads)) {
                        List<Path> done = files.filter(
                                        p -> p.getFileName().toString().endsWith(suffix))
                                .toList();
                        found[0] = done.isEmpty() ? null : done.getFirst();
                        return found[0] != null;
                    }
                },
                "a " + suffix + " download");
        return found[0];
    }

    interface Check {
        boolean holds() throws Exception;
    }

    static void awaitTrue(Check check, String what) throws Exception {
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!check.holds()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    static boolean exists(String key) {
        try {
            stack.minio.statObject(StatObjectArgs.builder()
                    .bucket(GatewayStack.BUCKET)
                    .object(key)
                    .build());
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    static int status(String path) throws Exception {
        return HTTP.send(
                        HttpRequest.newBuilder(URI.create(stack.url() + path)).build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    static String cacheControl(String path) throws Exception {
        return HTTP.send(
                        HttpRequest.newBuilder(URI.create(stack.url() + path)).build(),
                        HttpResponse.BodyHandlers.discarding())
                .headers()
                .firstValue("Cache-Control")
                .orElse("");
    }

    static JsonNode getJob(String id) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(stack.url() + "/v1/nightmares/" + id))
                        .header("Authorization", "Bearer " + KEY)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** The key's job ids, newest first. */
    static List<String> jobIds() throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(stack.url() + "/v1/nightmares?limit=100"))
                        .header("Authorization", "Bearer " + KEY)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        JSON.readTree(r.body())
                .get("items")
                .forEach(item -> ids.add(item.get("id").asText()));
        return Collections.unmodifiableList(ids);
    }

    static String submitThroughTheApi(String options) throws Exception {
        String boundary = "----page" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        part(body, boundary, "image\"; filename=\"lake.png", "image/png", Files.readAllBytes(picture));
        part(body, boundary, "options", "application/json", options.getBytes(StandardCharsets.UTF_8));
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(stack.url() + "/v1/nightmares"))
                        .header("Authorization", "Bearer " + KEY)
                        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return JSON.readTree(r.body()).get("id").asText();
    }

    private static void part(ByteArrayOutputStream body, String boundary, String name, String type, byte[] bytes) {
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\nContent-Type: "
                        + type + "\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.writeBytes(bytes);
        body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    }

    /** A small made-up landscape (sky, sun, hills, a lake) as PNG: something to dream on that reads at a glance. */
    static byte[] landscape(int width, int height) {
        float[] data = new float[3 * width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double u = x / (double) width;
                double v = y / (double) height;
                double hill = 0.62 + 0.08 * Math.sin(u * 7) + 0.05 * Math.sin(u * 17 + 1);
                double[] rgb;
                if (v > 0.82) {
                    double ripple = 0.04 * Math.sin(x * 0.6 + y * 1.3);
                    rgb = new double[] {0.15 + ripple, 0.35 + ripple, 0.55 + ripple};
                } else if (v > hill) {
                    double shade = (v - hill) * 1.5;
                    rgb = new double[] {0.18 - shade * 0.1, 0.45 - shade * 0.3, 0.2 - shade * 0.1};
                } else {
                    double sun = Math.hypot(u - 0.72, v - 0.28);
                    double glow = Math.max(0, 1 - sun * 6);
                    rgb = new double[] {0.45 + v * 0.5 + glow, 0.6 + v * 0.25 + glow * 0.8, 0.95 - v * 0.2 + glow * 0.3
                    };
                }
                for (int c = 0; c < 3; c++) {
                    data[(c * height + y) * width + x] = (float) Math.clamp(rgb[c], 0, 1);
                }
            }
        }
        return ImageCodec.encode(new Image(width, height, 3, data), ImageCodec.Format.PNG);
    }
}
