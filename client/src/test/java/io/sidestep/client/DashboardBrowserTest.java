package io.sidestep.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser: headless Chromium through WebDriver (Debian's {@code chromium}
 * and {@code chromium-driver}; Selenium is pointed at both, so Selenium Manager downloads nothing),
 * against a client with learned entries, a rules file and a real relay on loopback. Each view is
 * checked against the client's state and photographed into {@code target/dashboard-screenshots}
 * (the README's pictures in {@code docs/} are copies).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserTest {

  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path SHOTS = Path.of("target", "dashboard-screenshots");

  @TempDir static Path dir;
  static DashboardFixture f;
  static ChromeDriver driver;
  static WebDriverWait wait;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(CHROMEDRIVER) && Files.isExecutable(CHROMIUM),
        "needs Debian's chromium and chromium-driver (.ci/run installs them)");
    f = new DashboardFixture(dir);
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
    driver = new ChromeDriver(service, options);
    wait = new WebDriverWait(driver, Duration.ofSeconds(30));
    Files.createDirectories(SHOTS);
  }

  @AfterAll
  static void stop() {
    if (driver != null) {
      driver.quit();
    }
    if (f != null) {
      f.close();
    }
  }

  private static void open(String view) {
    driver.get(f.base() + "/#" + view);
    wait.until(d -> d.findElement(By.id(view)).isDisplayed());
  }

  private static void shot(String name) throws Exception {
    File png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
    Files.copy(png.toPath(), SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }

  private static String text(String id) {
    return driver.findElement(By.id(id)).getText();
  }

  @Test
  @Order(1)
  void statusShowsTheRelayUp() throws Exception {
    open("status");
    WebElement row =
        wait.until(
            ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#relays tr[data-relay='" + f.key.label() + "']")));
    assertThat(row.getText()).contains(f.key.relay().authority()).contains("up");
    assertThat(driver.findElement(By.id("no-relays")).isDisplayed()).isFalse();
    assertThat(text("network"))
        .isEqualTo(DashboardFixture.HOME.label() + " (" + DashboardFixture.HOME.id() + ")");
    // Loaded a second time (a new address, so a real navigation), so the browser's own start-up
    // is not counted.
    driver.get(f.base() + "/?lang=en#status");
    wait.until(d -> d.findElement(By.id("status")).isDisplayed());
    Object paint =
        ((JavascriptExecutor) driver)
            .executeScript(
                "const p = performance.getEntriesByName('first-contentful-paint')[0];"
                    + " const n = performance.getEntriesByType('navigation')[0];"
                    + " return 'first contentful paint ' + (p ? p.startTime : -1)"
                    + " + ' ms, DOM content loaded ' + n.domContentLoadedEventEnd"
                    + " + ' ms, server answered in ' + (n.responseStart - n.requestStart) + ' ms';");
    System.out.println("dashboard on loopback: " + paint);
    shot("dashboard-status");
  }

  @Test
  @Order(2)
  void liveShowsAConnectionAsItHappens() throws Exception {
    open("live");
    String destination = "localhost:" + f.origin.port();
    By row = By.cssSelector("#connections tr[data-destination='" + destination + "']");
    assertThat(driver.findElements(row)).isEmpty();
    f.connectThroughSocks();
    WebElement r = wait.until(ExpectedConditions.visibilityOfElementLocated(row));
    assertThat(r.getText()).contains("socks").contains("direct").contains("DOMAIN,localhost");
    WebElement filter = driver.findElement(By.id("live-filter"));
    filter.sendKeys("nothing-like-this");
    wait.until(ExpectedConditions.invisibilityOfElementLocated(row));
    filter.clear();
    filter.sendKeys("localhost");
    wait.until(ExpectedConditions.visibilityOfElementLocated(row));
    shot("dashboard-live");
  }

  @Test
  @Order(3)
  void learnedForgetsWithAClick() throws Exception {
    open("learned");
    By rutracker = By.cssSelector("#learned-table tr[data-host='rutracker.org']");
    WebElement row = wait.until(ExpectedConditions.presenceOfElementLocated(rutracker));
    assertThat(row.getText()).contains("8 tls-silence").contains("no byte 3000 ms");
    assertThat(
            driver
                .findElement(By.cssSelector("#learned-table tr[data-host='linkedin.com']"))
                .getText())
        .contains("7 tls-reset");
    assertThat(
            driver
                .findElement(
                    By.cssSelector("#learned-table tr[data-host='home.example'] td.network"))
                .getText())
        .isEqualTo(DashboardFixture.HOME.label() + " (this network)");
    assertThat(
            driver
                .findElement(
                    By.cssSelector("#learned-table tr[data-host='office.example'] td.network"))
                .getText())
        .isEqualTo("gateway 198.51.100.1 (office)");
    assertThat(
            driver
                .findElement(
                    By.cssSelector("#learned-table tr[data-host='linkedin.com'] td.network"))
                .getText())
        .isEqualTo("any network");
    shot("dashboard-learned");
    row.findElement(By.cssSelector("button.forget")).click();
    wait.until(ExpectedConditions.numberOfElementsToBe(rutracker, 0));
    assertThat(text("learned-message")).contains("rutracker.org");
    assertThat(Files.readString(f.state.resolve("learned.rules")))
        .doesNotContain("rutracker.org")
        .contains("linkedin.com");
  }

  @Test
  @Order(4)
  void rulesShowTheFile() throws Exception {
    open("rules");
    wait.until(d -> !d.findElement(By.id("rules-file")).getText().isEmpty());
    assertThat(text("rules-file")).isEqualTo(f.rulesFile.toString());
    List<String> lines = Files.readAllLines(f.rulesFile);
    wait.until(d -> d.findElements(By.cssSelector("#rules-text li")).size() == lines.size());
    assertThat(driver.findElements(By.cssSelector("#rules-text li")).get(1).getText())
        .isEqualTo(lines.get(1));
    assertThat(driver.findElement(By.id("rules-error")).isDisplayed()).isFalse();
    assertThat(text("rules-files")).contains(f.rulesFile.toString());
    shot("dashboard-rules");
  }

  @Test
  @Order(5)
  void checkExplainsAndAnAlwaysRelayClickChangesIt() throws Exception {
    open("check");
    driver.findElement(By.id("explain-host")).sendKeys("example.org");
    driver.findElement(By.cssSelector("#explain-form button")).click();
    wait.until(ExpectedConditions.textToBe(By.id("explain-action"), "AUTO"));
    assertThat(text("explain-reason")).isEqualTo("no rule: detection decides");
    driver.findElement(By.id("explain-relay")).click();
    wait.until(ExpectedConditions.textToBe(By.id("explain-action"), "RELAY"));
    assertThat(text("explain-reason")).startsWith(f.rulesFile + ":1: DOMAIN,example.org,RELAY");
    assertThat(Files.readAllLines(f.rulesFile).get(0)).startsWith("DOMAIN,example.org,RELAY #");
    // A probe of a list; the table shows what the report says.
    driver.findElement(By.id("probe-list")).sendKeys("127.0.0.1");
    driver.findElement(By.cssSelector("#probe-form button")).click();
    new WebDriverWait(driver, Duration.ofSeconds(60))
        .until(
            d ->
                d.findElement(By.id("probe-report")).isDisplayed()
                    || !d.findElement(By.id("check-message")).getText().isEmpty());
    assertThat(text("check-message")).as("probe error").isEmpty();
    assertThat(
            driver
                .findElement(By.cssSelector("#probe-results tr[data-host='127.0.0.1']"))
                .getText())
        .contains("down");
    assertThat(text("probe-count")).isEqualTo("1 / 1");
    shot("dashboard-check");
  }

  @Test
  @Order(6)
  void switchesTheLanguage() throws Exception {
    open("learned");
    driver.findElement(By.cssSelector("#languages a[data-lang='ru']")).click();
    wait.until(d -> "ru".equals(d.findElement(By.tagName("html")).getAttribute("lang")));
    wait.until(d -> d.findElement(By.id("learned")).isDisplayed());
    assertThat(driver.findElement(By.cssSelector("nav a[data-view='learned']")).getText())
        .isEqualTo("Выученное");
    wait.until(
        ExpectedConditions.presenceOfElementLocated(
            By.cssSelector("#learned-table tr[data-host='linkedin.com'] button.forget")));
    assertThat(
            driver
                .findElement(
                    By.cssSelector("#learned-table tr[data-host='linkedin.com'] button.forget"))
                .getText())
        .isEqualTo("Забыть");
    shot("dashboard-learned-ru");
    driver.findElement(By.cssSelector("#languages a[data-lang='kk']")).click();
    wait.until(d -> "kk".equals(d.findElement(By.tagName("html")).getAttribute("lang")));
    assertThat(driver.findElement(By.cssSelector("nav a[data-view='status']")).getText())
        .isEqualTo("Күйі");
    open("status");
    assertThat(driver.findElement(By.tagName("html")).getAttribute("lang"))
        .as("the switch is remembered")
        .isEqualTo("kk");
    shot("dashboard-status-kk");
    driver.findElement(By.cssSelector("#languages a[data-lang='en']")).click();
    wait.until(d -> "en".equals(d.findElement(By.tagName("html")).getAttribute("lang")));
  }
}
