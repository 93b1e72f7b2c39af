package io.bambus.grid.bench;

import java.lang.reflect.InvocationTargetException;
import java.util.Arrays;

/**
 * Runs one benchmark program's {@code main} and ends the JVM when it returns (status 0) or fails
 * (status 1). Without the exit a program that used the embedded MariaDB never ended: the server
 * is stopped by a shutdown hook, which runs only after the last non-daemon thread, and the thread
 * that waits for the server's process is one ({@code bench/run.sh} runs every program through this).
 */
public final class Launch {

    private Launch() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: Launch CLASS [ARGS...]");
            System.exit(2);
        }
        int status = 0;
        try {
            Class.forName(args[0]).getMethod("main", String[].class).invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
        } catch (InvocationTargetException e) {
            e.getCause().printStackTrace();
            status = 1;
        }
        System.exit(status);
    }
}
