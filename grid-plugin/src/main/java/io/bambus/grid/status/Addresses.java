package io.bambus.grid.status;

import com.hazelcast.cluster.Member;

/** A member's address as the bus shows and stores it: host:port (Hazelcast's own text adds brackets). */
public final class Addresses {

    private Addresses() {
    }

    public static String of(Member member) {
        return member.getAddress().getHost() + ":" + member.getAddress().getPort();
    }
}
