package io.bambus.grid.duty;

import io.bambus.core.activity.DefinitionFile;
import io.bambus.core.schema.ActivityDeployer;
import java.nio.file.Path;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Deploys the activity definitions the bus file names into the destination: at start, after each
 * edit of the file, and again every {@value #RETRY_MILLIS} ms while the destination refuses them
 * or cannot be reached; sessions meanwhile run with the definitions the destination has. The
 * error shows in the member's status.
 */
public final class DefinitionsDeployer {

    private static final Logger LOG = LogManager.getLogger(DefinitionsDeployer.class);
    /** How a member's status reports a definitions file the destination refused (CLI and UI show it). */
    public static final String DEPLOY_ERROR = "activity definitions not deployed";
    static final long RETRY_MILLIS = 2_000;

    private final DataSource destination;
    private final Supplier<Path> definitions;
    private boolean deployed;
    private long nextMillis;
    private volatile String error;

    public DefinitionsDeployer(DataSource destination, Supplier<Path> definitions) {
        this.destination = destination;
        this.definitions = definitions;
    }

    /** Deploys when not deployed since the last edit, unless the last try is less than the retry interval old. */
    public void deployIfNeeded(long now) {
        if (deployed || now < nextMillis) {
            return;
        }
        try {
            new ActivityDeployer(destination).deploy(DefinitionFile.read(definitions.get()));
            deployed = true;
            if (error != null) {
                LOG.info("Activity definitions deployed");
            }
            error = null;
        } catch (Exception e) {
            nextMillis = now + RETRY_MILLIS;
            String refused = DEPLOY_ERROR + " (sessions run with the definitions the destination has; retrying every "
                    + RETRY_MILLIS / 1000 + " s): " + e.getMessage();
            if (!refused.equals(error)) {
                LOG.warn("{}", refused);
            }
            error = refused;
        }
    }

    /** The bus file changed: deploy again at the next chance. */
    public void redeploy() {
        deployed = false;
        nextMillis = 0;
    }

    /** Why the definitions are not deployed, or null. */
    public String error() {
        return error;
    }
}
