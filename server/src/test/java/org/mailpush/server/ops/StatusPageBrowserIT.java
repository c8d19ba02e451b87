package org.mailpush.server.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.notifyd.cyrus.NotifyDatagramSender;
import org.mailpush.pusher.mock.LoopbackApnsServer;
import org.mailpush.server.config.ConfigLoader;
import org.mailpush.server.config.ExampleConfig;
import org.mailpush.server.service.MailpushService;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The status page in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, driven by
 * Selenium): it loads with no console error and no request anywhere but mailpush itself, shows the numbers
 * {@code /metrics} shows, and leaves a screenshot in {@code server/target/status-page.png} for the docs.
 */
class StatusPageBrowserIT {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final String PHONE = "2918390218931890821908309283098109381029309829018310983092892829";
    static final String OLD = "cd".repeat(32);

    @TempDir
    Path dir;
    LoopbackApnsServer apns;
    MailpushService service;
    ChromeDriver browser;

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (service != null) {
            service.close();
        }
        if (apns != null) {
            apns.close();
        }
    }

    @Test
    void showsWhatTheMetricsSayWithNothingFromOutside() throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new AssertionError("the status page test needs Debian's chromium and chromium-driver ("
                    + CHROMIUM + ", " + CHROMEDRIVER + "): apt-get install chromium chromium-driver, as .ci/run does");
        }
        final ExamplePki pki = ExamplePki.create(dir.resolve("pki"));
        apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(), pki.caCertificateFile(), 0);
        apns.allow(pki.client().topic(), PHONE);
        apns.allow(pki.client().topic(), OLD);
        service = MailpushService.start(ConfigLoader.load(ExampleConfig.write(dir.resolve("mailpush.yaml"),
                dir.resolve("data/tokens"), dir.resolve("notify"), null, apns.port(), pki.caCertificateFile(),
                pki.client().p12File(), pki.client().p12PasswordFile())));
        try (NotifyDatagramSender cyrus = new NotifyDatagramSender(dir.resolve("notify"))) {
            for (final String[] device : new String[][]{{"ACC-1", PHONE}, {"ACC-2", OLD}}) {
                cyrus.send(NotifyDatagramSender.eventDatagram("pusher", "{\"event\":\"ApplePushService\","
                        + "\"user\":\"bob\",\"apsVersion\":2,\"apsAccountId\":\"" + device[0]
                                + "\",\"apsDeviceToken\":\""
                        + device[1] + "\",\"apsSubtopic\":\"com.apple.mobilemail\",\"mailboxes\":[\"INBOX\"]}"));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> service.registrations().count() == 2);
            // The old phone's app was deleted after it registered: APNs now answers 410 for it.
            apns.unregister(OLD, Instant.now());
            cyrus.send(NotifyDatagramSender.eventDatagram("pusher",
                    "{\"event\":\"MessageNew\",\"uri\":\"imap://h/user/bob;UIDVALIDITY=1/;UID=1\"}"));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> apns.received().size() == 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> service.registrations().count() == 1);
        final String base = "http://127.0.0.1:" + service.opsAddress().getPort() + "/";

        browser = startBrowser();
        browser.get(base);
        new WebDriverWait(browser, Duration.ofSeconds(15)).until(d -> "true".equals(
                d.findElement(By.tagName("body")).getDomAttribute("data-loaded")));

        final JsonNode status = new ObjectMapper().readTree(get(base + "status.json"));
        final String metrics = get(base + "metrics");
        assertThat(metrics).contains("mailpush_pushes_accepted_total{kind=\"mail\"} 1.0",
                "mailpush_pushes_rejected_total{kind=\"mail\",reason=\"Unregistered\"} 1.0",
                "mailpush_registrations 1.0");
        assertThat(text("accepted")).isEqualTo("1").isEqualTo(status.at("/pushes/accepted").asText());
        assertThat(text("rejected")).isEqualTo("1");
        assertThat(text("registrations")).isEqualTo("1");
        assertThat(text("events")).isEqualTo("3");
        assertThat(text("state")).isEqualTo("ready");
        assertThat(text("reasons")).contains("Unregistered");
        assertThat(text("credentials")).contains(pki.client().topic(), "usable", "CLOSED");
        assertThat(text("failures")).contains("cdcdcdcd…", "410", "Unregistered").doesNotContain(OLD);
        assertThat(text("listeners")).contains("store", "reachable", "Cyrus notify socket", "listening");
        assertThat(browser.findElements(By.cssSelector("#chart rect"))).isNotEmpty();
        assertThat(browser.getPageSource()).doesNotContain("ACC-1").doesNotContain("ACC-2").doesNotContain("bob");

        final List<String> errors = new ArrayList<>();
        for (final LogEntry entry : browser.manage().logs().get(LogType.BROWSER)) {
            if (entry.getLevel().intValue() >= Level.WARNING.intValue()) {
                errors.add(entry.getMessage());
            }
        }
        assertThat(errors).as("console errors and warnings").isEmpty();
        final List<String> requests = new ArrayList<>();
        final ObjectMapper json = new ObjectMapper();
        for (final LogEntry entry : browser.manage().logs().get(LogType.PERFORMANCE)) {
            final JsonNode message = json.readTree(entry.getMessage()).path("message");
            if (message.path("method").asText().equals("Network.requestWillBeSent")) {
                requests.add(message.at("/params/request/url").asText());
            }
        }
        assertThat(requests).as("requests the page made").isNotEmpty().allMatch(url -> url.startsWith(base));
        assertThat(requests).contains(base, base + "status.json");

        final Path screenshot = Path.of("target", "status-page.png");
        Files.write(screenshot, browser.getScreenshotAs(OutputType.BYTES));
        assertThat(Files.size(screenshot)).isGreaterThan(10_000);
    }

    private String text(final String id) {
        return browser.findElement(By.id(id)).getText();
    }

    private static String get(final String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static ChromeDriver startBrowser() {
        final ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1100,1500", "--no-first-run", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update",
                // Nothing but loopback resolves: a page that reached out would fail loudly, not silently.
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1");
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL", LogType.PERFORMANCE, "ALL"));
        final ChromeDriverService driver = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(driver, options);
    }
}
