package io.bambus.grid.duty;

import io.bambus.grid.status.MemberStatus;

/**
 * Publishes the member's status for clients (UI, CLI) every {@link MemberStatus#PUBLISH_MILLIS}
 * ms of the placement loop's ticks; {@code publish} composes and sends it (the member knows what).
 */
public final class StatusPublisher {

    private final Runnable publish;
    private long nextMillis;

    public StatusPublisher(Runnable publish) {
        this.publish = publish;
    }

    public void publishIfDue(long now) {
        if (now >= nextMillis) {
            nextMillis = now + MemberStatus.PUBLISH_MILLIS;
            publish.run();
        }
    }
}
