package io.bambus.grid.ops;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import java.io.Serializable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Stops the member it runs on, for a failover drill: gracefully (Hazelcast shutdown: sessions hand
 * over after their batch) or abruptly ({@code Runtime.halt}: no shutdown hook, no goodbye, as
 * kill -9). Runs on its own thread so the executor's call returns first.
 */
public final class MemberStopTask implements Runnable, HazelcastInstanceAware, Serializable {

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
    public void run() {
        LOG.warn("Failover drill by {}: this member {} now", actor, kill ? "halts (as kill -9)" : "shuts down gracefully");
        Thread stopper = new Thread(() -> {
            if (kill) {
                Runtime.getRuntime().halt(137);
            } else {
                hz.shutdown();
            }
        }, "bambus-drill-stop");
        stopper.start();
    }
}
