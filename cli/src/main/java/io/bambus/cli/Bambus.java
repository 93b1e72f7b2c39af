package io.bambus.cli;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.HazelcastClientOfflineException;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.core.HazelcastException;
import com.hazelcast.core.HazelcastInstance;
import com.zaxxer.hikari.HikariDataSource;
import io.bambus.core.config.BusConfig;
import io.bambus.core.config.Secrets;
import io.bambus.core.config.ConfigException;
import io.bambus.core.db.Pools;
import io.bambus.grid.ops.BusOperations;
import io.bambus.grid.security.SerializationAllowlist;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code bambus} command line (scripts/bambus). Exit codes a script can trust:
 * {@value #OK} done; {@value #REFUSED} the bus refused (wrong state, unknown session or event);
 * {@value #USAGE} bad arguments or configuration; {@value #UNREACHABLE} the cluster or the
 * destination could not be reached; {@value #NOT_CONFIRMED} the change was made (a configuration
 * file written) but the bus did not confirm it in time. Errors go to standard error as one line
 * naming the fix.
 */
@Command(name = "bambus", mixinStandardHelpOptions = true, version = "bambus 0.1.0",
        description = "Operates a BAM Event Bus: its sessions, failed events and activity definitions.",
        subcommands = {StatusCommand.class, SessionsCommand.class, FailedCommand.class, DeployCommand.class,
                SourcesCommand.class, BackupCommand.class, RestoreCommand.class, ArchiveCommand.class, AlertsCommand.class,
                AggregationsCommand.class,
                DrillCommand.class, ImportBamCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:refused by the bus (wrong state, unknown session or event)",
                "2:bad arguments or configuration", "3:the cluster or the destination is unreachable",
                "4:the change was made, but the bus did not confirm it within --wait"})
public final class Bambus {

    public static final int OK = 0;
    public static final int REFUSED = 1;
    public static final int USAGE = 2;
    public static final int UNREACHABLE = 3;
    public static final int NOT_CONFIRMED = 4;

    @Option(names = "--config", description = "bus configuration file (destination, definitions) [$BAMBUS_CONFIG]",
            defaultValue = "${env:BAMBUS_CONFIG}")
    Path config;

    @Option(names = "--secrets", description = "a file of NAME=value lines: the secrets the bus file names with"
            + " passwordSecret, as given to the members with start-member.sh --secrets [$BAMBUS_SECRETS]",
            defaultValue = "${env:BAMBUS_SECRETS}")
    Path secrets;

    @Option(names = "--cluster", description = "Hazelcast cluster name [$BAMBUS_CLUSTER, else bambus]",
            defaultValue = "${env:BAMBUS_CLUSTER:-bambus}")
    String cluster;

    @Option(names = "--members", split = ",", description = "the members' client addresses host:port,… (their client"
            + " ports) [$BAMBUS_MEMBERS, else 127.0.0.1:5901]", defaultValue = "${env:BAMBUS_MEMBERS:-127.0.0.1:5901}")
    List<String> members;

    @Option(names = "--sessions-map", description = "the sessions map, as in the bus configuration [eventbus.sessions]",
            defaultValue = "eventbus.sessions")
    String sessionsMap;

    @Option(names = "--connect-timeout", description = "seconds to wait for the cluster [10]", defaultValue = "10")
    int connectTimeoutSeconds;

    @Option(names = "--json", description = "print JSON instead of text")
    boolean json;

    PrintWriter out;
    PrintWriter err;
    private HazelcastInstance client;
    private HikariDataSource destination;
    private BusConfig busConfig;

    /** A failure that ends the command with {@code exitCode} and one line for the operator. */
    static final class CliException extends RuntimeException {
        final int exitCode;

        CliException(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        System.exit(run(args, out, err));
    }

    /** Runs one command line; returns its exit code (tests call this, {@link #main} exits with it). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        Bambus bambus = new Bambus();
        bambus.out = out;
        bambus.err = err;
        CommandLine line = new CommandLine(bambus);
        line.setOut(out);
        line.setErr(err);
        line.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            if (e instanceof CliException cli) {
                err.println("error: " + cli.getMessage());
                return cli.exitCode;
            }
            if (e instanceof BusOperations.CommandRefusedException refused) {
                err.println("refused: " + refused.getMessage());
                return REFUSED;
            }
            if (e instanceof ConfigException config) {
                err.println("error: " + config.getMessage());
                return USAGE;
            }
            if (e instanceof HazelcastException || e instanceof HazelcastClientOfflineException) {
                err.println("error: lost the cluster '" + bambus.cluster + "' at " + bambus.members + " during the command ("
                        + e.getMessage() + "); check that the members run, then run 'bambus status' to see what was done");
                return UNREACHABLE;
            }
            if (e instanceof SQLException sql) {
                err.println("error: the destination database cannot be reached or refused the statement: " + sql.getMessage()
                        + "; check destination in " + bambus.config);
                return UNREACHABLE;
            }
            throw e;
        });
        try {
            return line.execute(args);
        } finally {
            bambus.close();
        }
    }

    BusOperations ops() {
        if (client == null) {
            // it reads session records and statuses: Java deserialization of the bus's and Hazelcast's classes only
            ClientConfig config = SerializationAllowlist.apply(new ClientConfig());
            config.setClusterName(cluster);
            config.setInstanceName("bambus-cli-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
            config.getNetworkConfig().setAddresses(members);
            config.getConnectionStrategyConfig().getConnectionRetryConfig()
                    .setClusterConnectTimeoutMillis(connectTimeoutSeconds * 1000L).setMaxBackoffMillis(1_000);
            config.setProperty("hazelcast.logging.type", "log4j2");
            try {
                client = HazelcastClient.newHazelcastClient(config);
            } catch (IllegalStateException e) {
                throw new CliException(UNREACHABLE, "cannot reach cluster '" + cluster + "' at " + members + " within "
                        + connectTimeoutSeconds + " s; check --members and --cluster (or BAMBUS_MEMBERS, BAMBUS_CLUSTER)"
                        + " and that the members run");
            }
        }
        return new BusOperations(client, sessionsMap);
    }

    BusConfig busConfig() {
        if (busConfig == null) {
            if (config == null) {
                throw new CliException(USAGE, "this command needs the bus configuration: give --config FILE or set BAMBUS_CONFIG");
            }
            if (secrets != null) {
                try {
                    Secrets.handOver(Secrets.parse(secrets.toString(), Files.readString(secrets)));
                } catch (IOException e) {
                    throw new CliException(USAGE, "--secrets " + secrets + " cannot be read: " + e.getMessage());
                }
            }
            busConfig = BusConfig.load(config);
        }
        return busConfig;
    }

    HikariDataSource destination() {
        if (destination == null) {
            destination = Pools.open("bambus-cli-destination", busConfig().destination());
            try (Connection connection = destination.getConnection()) {
                connection.isValid(1);
            } catch (SQLException e) {
                throw new CliException(UNREACHABLE, "cannot reach the destination database " + busConfig().destination().jdbcUrl()
                        + ": " + e.getMessage() + "; check destination in " + config);
            }
        }
        return destination;
    }

    /** Who did it, for the timeline and the members' logs. */
    static String actor() {
        return "cli:" + System.getProperty("user.name", "unknown");
    }


    private void close() {
        if (client != null) {
            client.shutdown();
        }
        if (destination != null) {
            destination.close();
        }
    }
}
