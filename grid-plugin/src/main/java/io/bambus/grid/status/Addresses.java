package io.bambus.grid.status;

import com.hazelcast.cluster.Address;
import com.hazelcast.cluster.Member;
import com.hazelcast.instance.EndpointQualifier;

/**
 * A member's address as the bus shows and stores it: host:port of its member endpoint (Hazelcast's own
 * text adds brackets). A client sees a member by its client endpoint; the member endpoint names it the same
 * way on members and clients, so owners, status and drills agree.
 */
public final class Addresses {

    private Addresses() {
    }

    public static String of(Member member) {
        Address address = member.getAddressMap().getOrDefault(EndpointQualifier.MEMBER, member.getAddress());
        return address.getHost() + ":" + address.getPort();
    }
}
