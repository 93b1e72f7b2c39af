package io.bambus.grid.ops;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import io.bambus.grid.BusMember;
import io.bambus.grid.status.Addresses;
import java.io.Serializable;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Stops the member it runs on, for a failover drill: gracefully (Hazelcast shutdown: sessions hand
 * over after their batch) or abruptly ({@code Runtime.halt}: no shutdown hook, no goodbye, as
 * kill -9). Only where the member's bus configuration says {@code drills: true}: anyone who reaches
 * a client port can send this task. Answers null when the member stops (on a thread of its own, so
 * the answer can leave first), or why it refuses.
 */
public final class MemberStopTask implements Callable<String>, HazelcastInstanceAware, Serializable {

    private static final Logger LOG = LogManager.getLogger(MemberStopTask.class);

    private final boolean kill;
    private final String actor;
    private transient HazelcastInstance hz;

    public MemberStopTask(boolean kill, String actor) {
        this.kill = kill;
        this.actor = actor;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hz) {
        this.hz = hz;
    }

    @Override
    public String call() {
        BusMember member = BusMember.of(hz);
        if (member == null || !member.config().drills()) {
            String address = Addresses.of(hz.getCluster().getLocalMember());
            String why = member == null
                    ? "the bus is not running on member " + address + "; it takes no drill"
                    : "member " + address + " refuses failover drills: set 'drills: true'"
                    + " in its bus configuration (" + member.configPath() + ") to allow them";
            LOG.warn("Failover drill by {} refused: {}", actor, why);
            return why;
        }
        LOG.warn("Failover drill by {}: this member {} now", actor, kill ? "halts (as kill -9)" : "shuts down gracefully");
        Thread stopper = new Thread(() -> {
            if (kill) {
                Runtime.getRuntime().halt(137);
            } else {
                hz.shutdown();
            }
        }, "bambus-drill-stop");
        stopper.start();
        return null;
    }
}
