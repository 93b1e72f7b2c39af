package io.bambus.core.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import io.bambus.core.config.DatabaseConfig;
import io.bambus.core.event.EventStream;
import io.bambus.core.session.OutboxEvent;
import io.bambus.core.outbox.OutboxReader;
import io.bambus.core.schema.OutboxSchema;
import io.bambus.core.testing.TestDatabase;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Outboxes in many databases of one server share one pool, and each session still reads only its own outbox. */
class SourcePoolsTest {

    private final TestDatabase server = TestDatabase.get();
    private final List<String> databases = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        long seed = System.nanoTime();
        System.out.println("SourcePoolsTest seed " + seed);
        Random random = new Random(seed);
        for (int i = 0; i < 5; i++) {
            String db = server.create("tenant");
            databases.add(db);
            try (HikariDataSource pool = server.pool(db, 1); Connection connection = pool.getConnection()) {
                OutboxSchema.create(connection, OutboxSchema.DEFAULT_TABLE);
                try (EventStream events = EventStream.on(connection)) {
                    // a different number of orders per tenant: a reader of the wrong database shows
                    for (int order = 0; order <= i + random.nextInt(3); order++) {
                        events.beginActivity("Order", db + "-" + order);
                    }
                }
            }
        }
    }

    @AfterEach
    void tearDown() {
        databases.forEach(server::drop);
    }

    @Test
    void outboxesOnOneServerShareOnePoolAndEachReaderReadsItsOwnDatabase() throws Exception {
        try (SourcePools pools = new SourcePools(3)) {
            List<SourcePools.Lease> leases = new ArrayList<>();
            for (String db : databases) {
                SourcePools.Lease lease = pools.acquire("s-" + db, server.config(db, 1));
                leases.add(lease);
                assertEquals(db, lease.database());
                OutboxReader reader = new OutboxReader(lease.pool(), lease.database(), OutboxSchema.DEFAULT_TABLE, Duration.ZERO);
                List<OutboxEvent> events = reader.read(100);
                long expected;
                try (HikariDataSource own = server.pool(db, 1)) {
                    expected = countRows(own);
                }
                assertEquals(expected, events.size(), "the reader of " + db + " reads that database's outbox");
                events.forEach(event -> assertTrue(event.instanceId().startsWith(db + "-"), event.instanceId()));
                assertEquals(expected, reader.lag().events());
            }
            assertEquals(1, pools.openPools(), "one pool for the server and user");
            HikariDataSource shared = (HikariDataSource) leases.get(0).pool();
            assertTrue(shared.getMaximumPoolSize() == 3 && shared.getMinimumIdle() == 0, "bounded, and keeps no idle connection");

            leases.forEach(lease -> lease.release().run());
            leases.get(0).release().run(); // a second release of one lease changes nothing
            assertEquals(0, pools.openPools(), "the last release closes the pool");
            assertTrue(shared.isClosed());
        }
    }

    @Test
    void aUrlWithoutAPlainDatabaseNameGetsAPoolOfItsOwn() throws Exception {
        try (SourcePools pools = new SourcePools(2)) {
            String db = databases.get(0);
            DatabaseConfig plain = server.config(db, 1);
            // a database named by a percent-escape is not parsed here: that source keeps a pool of its own
            DatabaseConfig escaped = new DatabaseConfig(plain.jdbcUrl().replace(db, db.replace("_", "%5F")), plain.username(),
                    plain.password(), 1, plain.connectTimeoutMillis(), plain.socketTimeoutMillis());
            SourcePools.Lease a = pools.acquire("a", plain);
            SourcePools.Lease b = pools.acquire("b", escaped);
            assertNull(b.database());
            assertEquals(2, pools.openPools());
            OutboxReader reader = new OutboxReader(b.pool(), b.database(), OutboxSchema.DEFAULT_TABLE, Duration.ZERO);
            try (HikariDataSource own = server.pool(db, 1)) {
                assertEquals(countRows(own), reader.read(100).size(), "the driver's own database still applies");
            }
            a.release().run();
            b.release().run();

            // a database name the bus does not quote (a hyphen) keeps its own pool too, and still reads its outbox
            String hyphenated = server.create("ten-ant");
            databases.add(hyphenated);
            try (HikariDataSource own = server.pool(hyphenated, 1); Connection connection = own.getConnection()) {
                OutboxSchema.create(connection, OutboxSchema.DEFAULT_TABLE);
                try (EventStream events = EventStream.on(connection)) {
                    events.beginActivity("Order", "hyphen-1");
                }
            }
            SourcePools.Lease h = pools.acquire("h", server.config(hyphenated, 1));
            assertNull(h.database());
            assertEquals(1, new OutboxReader(h.pool(), h.database(), OutboxSchema.DEFAULT_TABLE, Duration.ZERO).read(10).size());
            h.release().run();

            // credentials in a URL never reach the pool's name (it is logged)
            DatabaseConfig withCredentials = new DatabaseConfig("jdbc:mysql://app:s3cret@127.0.0.1:3306/" + db, plain.username(),
                    plain.password(), 1, plain.connectTimeoutMillis(), plain.socketTimeoutMillis());
            SourcePools.Lease c = pools.acquire("c", withCredentials);
            String name = ((HikariDataSource) c.pool()).getPoolName();
            assertTrue(!name.contains("s3cret") && name.endsWith("127.0.0.1:3306"), name);
            c.release().run();
        }
    }

    private static long countRows(HikariDataSource pool) throws Exception {
        try (Connection connection = pool.getConnection();
             var statement = connection.createStatement();
             var row = statement.executeQuery("SELECT COUNT(*) FROM bam_outbox")) {
            row.next();
            return row.getLong(1);
        }
    }

    /**
     * The drivers keep session state locally (no SET unless it changes), so what a connection's
     * isolation is must be asked of the server: a source pool's connections read committed, also
     * after a borrower changed them; another pool's stay at repeatable read.
     */
    @Test
    void sourceConnectionsReadCommittedOnTheServerAndOtherPoolsRepeatableRead() throws Exception {
        try (SourcePools pools = new SourcePools(1); HikariDataSource other = server.pool(databases.get(0), 1)) {
            SourcePools.Lease lease = pools.acquire("s-iso", server.config(databases.get(0), 1));
            try {
                try (Connection connection = lease.pool().getConnection()) {
                    assertEquals("READ-COMMITTED", isolationOnServer(connection));
                    connection.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
                    assertEquals("SERIALIZABLE", isolationOnServer(connection));
                }
                try (Connection connection = lease.pool().getConnection()) { // the same one: the pool holds one
                    assertEquals("READ-COMMITTED", isolationOnServer(connection), "reset when it came back");
                    connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                    connection.setAutoCommit(false);
                    assertEquals("READ-COMMITTED", isolationOnServer(connection));
                    connection.commit();
                }
                try (Connection connection = other.getConnection()) {
                    assertEquals("REPEATABLE-READ", isolationOnServer(connection));
                }
            } finally {
                lease.release().run();
            }
        }
    }

    private static String isolationOnServer(Connection connection) throws Exception {
        for (String variable : List.of("@@session.transaction_isolation", "@@session.tx_isolation")) {
            try (java.sql.Statement statement = connection.createStatement();
                 java.sql.ResultSet row = statement.executeQuery("SELECT " + variable)) {
                row.next();
                return row.getString(1);
            } catch (java.sql.SQLException unknown) {
                // MariaDB before 11.1 knows only tx_isolation, MySQL 8 only transaction_isolation
            }
        }
        throw new AssertionError("the server names no isolation variable");
    }
}
