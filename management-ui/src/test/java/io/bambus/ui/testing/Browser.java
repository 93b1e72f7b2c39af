package io.bambus.ui.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}; .ci/run
 * installs them when missing) driven by Selenium. Waits poll the page with a deadline.
 */
public final class Browser implements AutoCloseable {

    public static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("BAMBUS_CHROMIUM", "/usr/bin/chromium"));
    public static final Path DRIVER = Path.of(System.getenv().getOrDefault("BAMBUS_CHROMEDRIVER", "/usr/bin/chromedriver"));
    private static final Duration WAIT = Duration.ofSeconds(30);

    public final ChromeDriver driver;
    private final String base;

    public Browser(String base) {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(DRIVER)) {
            throw new IllegalStateException("browser tests need " + CHROMIUM + " and " + DRIVER
                    + "; install them with: apt-get install chromium chromium-driver (.ci/run does)");
        }
        this.base = base;
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1500,1000", "--disable-extensions", "--no-first-run");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(WAIT);
    }

    public void open(String path) {
        driver.get(base + path);
    }

    public void logIn(String user, String password) {
        open("/login");
        driver.findElement(By.id("username")).sendKeys(user);
        driver.findElement(By.id("password")).sendKeys(password);
        driver.findElement(By.id("submit")).click();
        until("the app page after login", d -> d.getCurrentUrl().equals(base + "/") || d.getCurrentUrl().startsWith(base + "/#"));
        until("the user name in the header", d -> !d.findElement(By.id("who")).getText().isEmpty());
    }

    public <T> T until(String what, Function<WebDriver, T> condition) {
        return until(what, WAIT, condition);
    }

    public <T> T until(String what, Duration timeout, Function<WebDriver, T> condition) {
        WebDriverWait wait = new WebDriverWait(driver, timeout, Duration.ofMillis(20));
        wait.withMessage("waited for " + what);
        wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
        try {
            return wait.until(condition);
        } catch (org.openqa.selenium.TimeoutException e) {
            try {
                Path shot = screenshot("failed-" + what.replaceAll("[^A-Za-z0-9]+", "-"));
                Files.writeString(shot.resolveSibling(shot.getFileName() + ".html"), driver.getPageSource());
            } catch (IOException | RuntimeException ignored) {
                // the wait's failure is what matters
            }
            throw e;
        }
    }

    public List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    /** The text of the first element matching {@code css}, or null. */
    public String text(String css) {
        List<WebElement> found = all(css);
        return found.isEmpty() ? null : found.get(0).getText();
    }

    /** Clicks and accepts the confirmation dialog the click opens. */
    public void clickAndConfirm(String css) {
        until("a clickable " + css, d -> {
            List<WebElement> found = d.findElements(By.cssSelector(css));
            if (found.isEmpty()) {
                return false;
            }
            found.get(0).click();
            return true;
        });
        until("the confirmation dialog", d -> {
            try {
                d.switchTo().alert().accept();
                return true;
            } catch (org.openqa.selenium.NoAlertPresentException e) {
                return false;
            }
        });
    }

    public Path screenshot(String name) throws IOException {
        Path target = Path.of("target", "screenshots", name + ".png");
        Files.createDirectories(target.getParent());
        Files.write(target, driver.getScreenshotAs(OutputType.BYTES));
        return target;
    }

    @Override
    public void close() {
        driver.quit();
    }
}
