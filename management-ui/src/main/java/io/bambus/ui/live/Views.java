package io.bambus.ui.live;

import io.bambus.grid.ops.BusOperations;
import io.bambus.grid.session.SessionRecord;
import io.bambus.grid.status.MemberStatus;
import io.bambus.grid.timeline.TimelineEntry;
import java.util.List;

/** What the UI's pages and JSON API show: plain records, serialised as they are. */
public final class Views {

    private Views() {
    }

    public record MemberView(String uuid, String address, boolean oldest, long startedMillis, long heapUsedBytes,
                             long heapMaxBytes, int sessionsRunning, String configError, int sessionsAssigned,
                             double eventsPerSecond, long lagEvents, boolean deciding, boolean balancing) {

        static MemberView of(BusOperations.MemberView member) {
            MemberStatus s = member.status();
            return new MemberView(member.uuid(), member.address(), member.oldest(), s == null ? 0 : s.startedMillis(),
                    s == null ? 0 : s.heapUsedBytes(), s == null ? 0 : s.heapMaxBytes(), s == null ? 0 : s.sessionsRunning(),
                    s == null ? null : s.configError(), s == null ? 0 : s.sessionsAssigned(), s == null ? 0 : s.eventsPerSecond(),
                    s == null ? 0 : s.lagEvents(), s != null && s.deciding(), s == null || s.balancing());
        }
    }

    /**
     * A session: its record, where it is shown ({@code shownOn}: its owner while it runs, else the
     * member the placement plan assigns it to) and its throughput over the last sample.
     */
    public record SessionView(String id, String state, String ownerAddress, String shownOn, long epoch, long batchNo,
                              long maxSeq, long eventsMoved, long eventsFailed, String lastError, long lastCommitMillis,
                              long updatedMillis, long lagEvents, long oldestWaitingMillis, double eventsPerSecond,
                              long heldSinceMillis) {

        static SessionView of(SessionRecord r, String assignedMember, List<String> members, double rate) {
            String shownOn = r.state().runs() && r.ownerAddress() != null && members.contains(r.ownerAddress())
                    ? r.ownerAddress() : r.state().runs() ? null : assignedMember;
            return new SessionView(r.sessionId(), r.state().name(), r.ownerAddress(), shownOn, r.epoch(), r.batchNo(),
                    r.maxSeq(), r.eventsMoved(), r.eventsFailed(), r.lastError(), r.lastCommitMillis(), r.updatedMillis(),
                    r.lagEvents(), r.oldestWaitingMillis(), rate, r.heldSinceMillis());
        }
    }

    /** The cluster as last read; {@code error} says why it could not be read (then the rest is the last good read). */
    public record ClusterView(long takenMillis, String error, List<MemberView> members, List<SessionView> sessions) {
    }

    public record TimelineView(long seq, long millis, String kind, String member, String session, String actor, String detail) {

        static TimelineView of(long seq, TimelineEntry e) {
            return new TimelineView(seq, e.millis(), e.kind().name(), e.member(), e.session(), e.actor(), e.detail());
        }
    }

    /**
     * A session's (or, as "total", all sessions') figures between samples, oldest first: events
     * moved per second, events waiting at the sample, and the mean and 95th percentile of its
     * batches' commit latency in seconds (null where no batch committed). Only
     * {@code eventsPerSecond} is set in the sessions table's list.
     */
    public record Series(String session, long[] millis, Double[] eventsPerSecond, Long[] lagEvents,
                         Double[] commitMeanSeconds, Double[] commitP95Seconds) {
    }
}
