package io.bambus.grid;

import com.hazelcast.internal.util.ConcurrencyUtil;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Where callbacks on Hazelcast's futures run. Hazelcast runs those given no executor, and completes
 * every future a member's map call returns, on its default executor: the JDK's common pool, or, on a
 * machine with one or two processors (a container limited to two CPUs included: the common pool's
 * parallelism is then 1), a new thread per callback. There 9,000 sessions starting spent 24 s
 * starting threads before the first could run, and every session's progress update started one.
 */
public final class Callbacks {

    /**
     * On the thread that completes the future (a Hazelcast response or partition thread), so only for
     * callbacks that return at once: add to a queue, set a flag, log.
     */
    public static final Executor INLINE = Runnable::run;

    private static final Logger LOG = LogManager.getLogger(Callbacks.class);
    private static ThreadPoolExecutor reused;

    private Callbacks() {
    }

    /**
     * Where Hazelcast would start a thread per callback, gives it threads that are reused instead: as
     * many as are busy at once (a callback that blocks still holds up no other), idle ones ending after
     * 60 s. Once per JVM, for every member in it; like the JDK's common pool the pool lives as long as
     * the JVM, and its daemon threads end on their own when no member is left to use them.
     */
    public static synchronized void reuseThreads() {
        if (reused != null || ForkJoinPool.getCommonPoolParallelism() > 1) {
            return;
        }
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                task -> {
                    Thread thread = new Thread(task, "bambus-callback-" + count.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        try {
            ConcurrencyUtil.setDefaultAsyncExecutor(pool);
        } catch (LinkageError e) {
            // another Hazelcast version without the setting: it works as before, only with more threads started
            LOG.warn("Could not give Hazelcast reusable threads for its callbacks ({}); it starts one per callback here",
                    e.toString());
            pool.shutdown();
            return;
        }
        reused = pool;
        LOG.info("This JVM sees {} processor(s), where Hazelcast would start a thread for every asynchronous callback;"
                + " they run on reused threads instead", Runtime.getRuntime().availableProcessors());
    }
}
