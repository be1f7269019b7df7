package dev.nightmare.modelstore;

import static io.restassured.RestAssured.given;

import java.time.Duration;

/** Waits for the start-up scan (readiness) before a test talks to the API. */
final class StoreReady {
    private StoreReady() {}

    static void await() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (given().get("/q/health/ready").statusCode() != 200) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the model-store did not become ready in 120 s");
            }
            Thread.sleep(100);
        }
    }
}
