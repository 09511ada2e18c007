package io.sidestep.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard of a client inside the lab, after the lab's censor taught it something: a user on
 * the censored network opens a site whose TLS the ISP resets, the client routes around it and
 * learns it, and each view of the dashboard (in headless Chromium through WebDriver) shows exactly
 * that: the relays, the relayed traffic, the live connection, the learned entry with its technique
 * and evidence. Forgetting it with a click empties {@code learned.rules}; an "always relay" click
 * in the check view writes a user rule, {@code explain} changes, and the next visit goes through a
 * relay with nothing learned.
 *
 * <p>The browser runs outside the lab and reaches the client's door through {@link UnixBridge}, as
 * {@code localhost:PORT}, so the dashboard's own Host check applies as for any user.
 */
@Order(3)
@ExtendWith(LabExtension.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class LabDashboardTest {
  private static final int HTTP_PORT = 18089;
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final List<AutoCloseable> OPEN = new ArrayList<>();

  @AfterAll
  static void close() throws Exception {
    for (int i = OPEN.size() - 1; i >= 0; i--) {
      OPEN.get(i).close();
    }
    OPEN.clear();
  }

  @Test
  void eachViewShowsWhatTheLabCensorTaughtTheClient(Lab lab) throws Exception {
    lab.assumeJars();
    Assumptions.assumeTrue(
        Files.isExecutable(CHROMEDRIVER) && Files.isExecutable(CHROMIUM),
        "needs Debian's chromium and chromium-driver (.ci/run installs them)");
    Site site = lab.plan.site("t07");
    SidestepClient client =
        lab.client(
            new SidestepClient.Spec("dash", HTTP_PORT, 11089, LabPlan.ISP_RESOLVER, List.of()));
    Visit first = lab.visits.viaClient(client, Visits.Door.HTTP, site.url("dash-1"));
    assertThat(first.shows(site.marker()))
        .as("the first visit arrives through a relay: %s", first)
        .isTrue();
    SidestepClient.Learned learned =
        client
            .awaitLearnedRelayEntry(site.name(), Duration.ofSeconds(15))
            .orElseThrow(() -> new AssertionError("nothing learned for " + site.name()));

    ChromeDriver driver = browser(lab, client);
    WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
    String base = "http://localhost:" + HTTP_PORT;
    Path shots = lab.runDir.resolve("dashboard");
    Files.createDirectories(shots);

    // Status: both relays the client was given, up, and the relayed visit in today's traffic.
    driver.get(base + "/?lang=en#status");
    List<RelayHost> relays = lab.relays();
    wait.until(d -> d.findElements(By.cssSelector("#relays tbody tr")).size() == relays.size());
    List<String> rows =
        driver.findElements(By.cssSelector("#relays tbody tr")).stream()
            .map(WebElement::getText)
            .toList();
    for (RelayHost r : relays) {
      assertThat(rows)
          .as("relay %s at %s", r.label, r.address)
          .anyMatch(t -> t.contains(r.address) && t.contains("up"));
    }
    wait.until(
        d ->
            Integer.parseInt(d.findElement(By.cssSelector("#traffic-relayed .n")).getText().strip())
                >= 1);
    shot(driver, shots, "status");

    // Live: the visit's connection, through a relay, with the learned technique as its reason.
    driver.get(base + "/?lang=en#live");
    WebElement live =
        wait.until(
            ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("#connections tr[data-destination='" + site.name() + ":443']")));
    assertThat(live.getText()).contains("through a relay");
    shot(driver, shots, "live");

    // Learned: the entry of learned.rules, with its technique and evidence.
    driver.get(base + "/?lang=en#learned");
    By learnedRow = By.cssSelector("#learned-table tr[data-host='" + site.name() + "']");
    WebElement row = wait.until(ExpectedConditions.visibilityOfElementLocated(learnedRow));
    List<WebElement> cells = row.findElements(By.tagName("td"));
    String technique = cells.get(1).getText().strip();
    String evidence = cells.get(2).getText().strip();
    assertThat(technique).isNotEmpty();
    assertThat(learned.line()).contains(technique).contains(evidence);
    shot(driver, shots, "learned");

    // Forget, with a click: gone from the page and from learned.rules.
    row.findElement(By.cssSelector("button.forget")).click();
    wait.until(ExpectedConditions.invisibilityOfElementLocated(learnedRow));
    assertThat(client.learnedLinesMentioning(site.name())).isEmpty();

    // Check a site: explain, then "always relay"; explain changes and a rule is written.
    driver.get(base + "/?lang=en#check");
    WebElement host =
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("explain-host")));
    host.sendKeys(site.name());
    driver.findElement(By.cssSelector("#explain-form button[type=submit]")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("explain-result")));
    assertThat(driver.findElement(By.id("explain-action")).getText()).isNotEqualTo("RELAY");
    driver.findElement(By.id("explain-relay")).click();
    wait.until(ExpectedConditions.textToBe(By.id("explain-action"), "RELAY"));
    assertThat(driver.findElement(By.id("explain-reason")).getText().toLowerCase(Locale.ROOT))
        .contains(site.name());
    shot(driver, shots, "check");

    // The rule routes the next visit through a relay at once: the origin sees a relay, and the
    // client learns nothing new.
    Visit second = lab.visits.viaClient(client, Visits.Door.HTTP, site.url("dash-2"));
    assertThat(second.shows(site.marker())).as("the visit after the rule: %s", second).isTrue();
    assertThat(lab.origins.paths("dash-2")).isNotEmpty().isSubsetOf("relay1", "relay2");
    assertThat(client.learnedLinesMentioning(site.name())).isEmpty();

    // Rules: the file now has the rule the click wrote.
    driver.get(base + "/?lang=en#rules");
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("rules-text"), "DOMAIN," + site.name() + ",RELAY"));
    shot(driver, shots, "rules");
    System.out.println("Sidestep lab: dashboard screenshots in " + shots);
  }

  /** Headless Chromium outside the lab, reaching the client's door through a Unix socket. */
  private static ChromeDriver browser(Lab lab, SidestepClient client) throws Exception {
    Path socketDir = Files.createTempDirectory("sidestep-dash");
    OPEN.add(() -> Lab.deleteTree(socketDir));
    Path socket = socketDir.resolve("door.sock");
    String classes =
        Path.of(UnixBridge.class.getProtectionDomain().getCodeSource().getLocation().toURI())
            .toString();
    Daemon bridge =
        Daemon.start(
            "dashboard bridge",
            LabPlan.NS_USER,
            List.of(
                RelayHost.java(),
                "-cp",
                classes,
                UnixBridge.class.getName(),
                socket.toString(),
                "127.0.0.1",
                Integer.toString(client.spec.httpPort())),
            lab.runDir.resolve("dashboard-bridge.log"));
    OPEN.add(bridge);
    bridge.awaitReady("its socket", Duration.ofSeconds(30), () -> Files.exists(socket));
    OPEN.add(UnixBridge.tcpToUnix(HTTP_PORT, socket));
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,860",
        "--no-proxy-server",
        "--lang=en-US");
    options.setExperimentalOption("prefs", Map.of("intl.accept_languages", "en-US,en"));
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .build();
    ChromeDriver driver = new ChromeDriver(service, options);
    OPEN.add(driver::quit);
    return driver;
  }

  private static void shot(ChromeDriver driver, Path dir, String name) throws Exception {
    File png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
    Files.copy(png.toPath(), dir.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }
}
