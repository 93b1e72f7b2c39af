package io.bambus.grid.duty;

import io.bambus.core.activity.DefinitionException;
import io.bambus.core.activity.DefinitionFile;
import io.bambus.core.alert.AlertRules;
import io.bambus.core.config.BusConfig;
import io.bambus.core.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Picks up an edited bus file: checks it whole (configuration and alert rules against the
 * definitions) and hands a valid one on; an invalid one is refused, logged and kept as the error
 * the member's status shows, and the running configuration stays. Checked every
 * {@value #CHECK_MILLIS} ms by the placement loop, at once when it asks.
 */
public final class ConfigWatcher {

    private static final Logger LOG = LogManager.getLogger(ConfigWatcher.class);
    static final long CHECK_MILLIS = 2_000;

    /** Told of each valid edit, after the member runs by it. */
    @FunctionalInterface
    public interface Listener {
        void changed(BusConfig old, BusConfig reloaded);
    }

    private final Path path;
    private final Supplier<BusConfig> current;
    private final Consumer<BusConfig> install;
    private final Listener listener;
    private FileTime modified;
    private long nextCheckMillis;
    private volatile String error;

    /** {@code install} makes the member run by a reloaded configuration; then {@code listener} is told. */
    public ConfigWatcher(Path path, Supplier<BusConfig> current, Consumer<BusConfig> install, Listener listener) {
        this.path = path;
        this.current = current;
        this.install = install;
        this.listener = listener;
        this.modified = modified();
    }

    /** Checks the file when the last check is {@value #CHECK_MILLIS} ms old. */
    public void checkIfDue(long now) {
        if (now >= nextCheckMillis) {
            nextCheckMillis = now + CHECK_MILLIS;
            check();
        }
    }

    /** Checks the file now (a source another member has just removed must not come back from an older copy). */
    public void check() {
        FileTime now = modified();
        if (now == null || now.equals(modified)) {
            return;
        }
        modified = now;
        BusConfig reloaded;
        try {
            reloaded = BusConfig.load(path);
            AlertRules.check(path.toString(), reloaded.alerts(), DefinitionFile.read(reloaded.definitions()),
                    reloaded.definitions().toString());
        } catch (ConfigException | DefinitionException e) {
            error = e.getMessage();
            LOG.error("Configuration {} changed but is invalid; keeping the running configuration:\n{}", path, e.getMessage());
            return;
        }
        error = null;
        BusConfig old = current.get();
        install.accept(reloaded);
        listener.changed(old, reloaded);
        LOG.info("Configuration {} reloaded: {} sources, {} alert rule(s)", path, reloaded.sources().size(),
                reloaded.alerts().rules().size());
    }

    /** Why the last edit was refused (the running configuration stays), or null. */
    public String error() {
        return error;
    }

    private FileTime modified() {
        try {
            return Files.getLastModifiedTime(path);
        } catch (IOException e) {
            return null;
        }
    }
}
