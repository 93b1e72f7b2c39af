package io.bambus.grid.bench;

import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import io.bambus.grid.session.CommitTimes;
import io.bambus.grid.session.SessionRecord;
import io.bambus.grid.session.SessionState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * What a member pays to write and read its sessions' records: the bus's serializer (what the
 * serialization service picks, through the plugin's hook) against Java serialization (what records
 * used before), for as many records as one member's placement tick reads (default 4,500: a survivor's
 * share after a loss in the 9,000-session Scale run). Prints the median of 15 rounds after 15 of warm-up.
 *
 * <pre>bench/run.sh RecordCodec [records]</pre>
 */
public final class RecordCodec {

    private static final int ROUNDS = 15;

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 4_500;
        SerializationService service = new DefaultSerializationServiceBuilder().build();
        List<SessionRecord> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            // a running session's record: owner, checkpoint, some commit times
            records.add(new SessionRecord("tenant" + i, SessionState.RUNNING, "2d7c0f0e-5a1b-4c8e-9d3f-0a1b2c3d4e5f",
                    "127.0.0.1:5701", 3, 120 + i, 60_000 + i, 59_000 + i, 0, null, 1_796_000_000_000L + i, 1_796_000_000_000L + i,
                    0, 0, CommitTimes.EMPTY.plus(0.004).plus(0.02).plus(0.02), 0));
        }
        double[][] java = new double[ROUNDS][];
        double[][] bus = new double[ROUNDS][];
        int javaBytes = 0;
        int busBytes = 0;
        for (int round = -ROUNDS; round < ROUNDS; round++) {
            List<byte[]> javaForm = new ArrayList<>(count);
            long t0 = System.nanoTime();
            for (SessionRecord record : records) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                    out.writeObject(record);
                }
                javaForm.add(bytes.toByteArray());
            }
            long t1 = System.nanoTime();
            long check = 0;
            for (byte[] form : javaForm) {
                try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(form))) {
                    check += ((SessionRecord) in.readObject()).batchNo();
                }
            }
            long t2 = System.nanoTime();
            List<Data> busForm = new ArrayList<>(count);
            for (SessionRecord record : records) {
                busForm.add(service.toData(record));
            }
            long t3 = System.nanoTime();
            for (Data form : busForm) {
                check -= service.<SessionRecord>toObject(form).batchNo();
            }
            long t4 = System.nanoTime();
            if (check != 0) {
                throw new IllegalStateException("the two forms read back different records");
            }
            if (round >= 0) {
                java[round] = new double[] {(t1 - t0) / 1e6, (t2 - t1) / 1e6};
                bus[round] = new double[] {(t3 - t2) / 1e6, (t4 - t3) / 1e6};
                javaBytes = javaForm.get(0).length;
                busBytes = busForm.get(0).totalSize();
            }
        }
        double javaWrite = median(java, 0);
        double javaRead = median(java, 1);
        double busWrite = median(bus, 0);
        double busRead = median(bus, 1);
        System.out.printf("%,d records, median of %d rounds after %d of warm-up%n", count, ROUNDS, ROUNDS);
        System.out.printf("  java serialization (baseline): %4d bytes each, write %7.2f ms, read %7.2f ms%n", javaBytes, javaWrite,
                javaRead);
        System.out.printf("  bus serializer:                %4d bytes each, write %7.2f ms, read %7.2f ms%n", busBytes, busWrite,
                busRead);
        System.out.printf("  ratio bus/java: bytes %.2f, write %.2f, read %.2f%n", (double) busBytes / javaBytes,
                busWrite / javaWrite, busRead / javaRead);
    }

    private static double median(double[][] rounds, int column) {
        double[] values = new double[rounds.length];
        for (int i = 0; i < rounds.length; i++) {
            values[i] = rounds[i][column];
        }
        java.util.Arrays.sort(values);
        return values[values.length / 2];
    }
}
