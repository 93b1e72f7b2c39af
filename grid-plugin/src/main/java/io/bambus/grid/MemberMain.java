package io.bambus.grid;

import com.hazelcast.core.server.HazelcastMemberStarter;
import io.bambus.core.config.ConfigException;
import io.bambus.core.config.Secrets;
import java.time.Duration;
import java.util.Map;
import org.apache.logging.log4j.LogManager;

/**
 * How {@code scripts/start-member.sh} starts a member: the secrets it pipes in (with
 * {@code -Dbambus.secrets=stdin}) are read first, before Hazelcast starts, so the pipe is full for
 * as short a time as the JVM takes to start; then Hazelcast's own member starter runs. The
 * official distribution's {@code bin/hz start} reaches the same through {@link BusPlugin}.
 */
public final class MemberMain {

    private MemberMain() {
    }

    public static void main(String[] args) throws Exception {
        if ("stdin".equals(System.getProperty(Secrets.PROPERTY))) {
            try {
                Map<String, String> secrets = Secrets.read(System.in, Duration.ofSeconds(10));
                Secrets.handOver(secrets);
                LogManager.getLogger(MemberMain.class).info("{} secrets read from standard input; the bus file names them"
                        + " with passwordSecret", secrets.size());
            } catch (ConfigException e) {
                System.err.println(e.getMessage()); // names lines, never values
                System.exit(1);
            }
        }
        HazelcastMemberStarter.main(args);
    }
}
