package io.bambus.grid.ops;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.MemberLeftException;
import com.hazelcast.map.IMap;
import com.hazelcast.ringbuffer.ReadResultSet;
import com.hazelcast.ringbuffer.Ringbuffer;
import com.hazelcast.spi.exception.TargetDisconnectedException;
import com.hazelcast.spi.exception.TargetNotMemberException;
import io.bambus.grid.status.Addresses;
import io.bambus.core.apply.FailedEvents;
import io.bambus.core.sql.Identifiers;
import io.bambus.grid.placement.PlacementPlan;
import io.bambus.grid.placement.PlanUpdate;
import io.bambus.grid.session.ChangeState;
import io.bambus.grid.session.SessionCommand;
import io.bambus.grid.session.SessionRecord;
import io.bambus.grid.status.MemberStatus;
import io.bambus.grid.timeline.Timeline;
import io.bambus.grid.timeline.TimelineEntry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What operators do to the bus, for any Hazelcast instance (the management UI's client, a
 * member, a test): read members, sessions and the timeline; change a session's state; retry or
 * discard failed events (run on a member, which owns the destination's write pool).
 */
public final class BusOperations {

    private static final long TASK_TIMEOUT_SECONDS = 120;

    private final HazelcastInstance hz;
    private final String sessionsMap;

    public BusOperations(HazelcastInstance hz, String sessionsMap) {
        this.hz = hz;
        this.sessionsMap = sessionsMap;
    }

    /** A command that does not apply (unknown session, wrong state); the message says why and what to do. */
    public static class CommandRefusedException extends RuntimeException {
        public CommandRefusedException(String message) {
            super(message);
        }
    }

    /** A retry or discard refused because its filter no longer matches the count the operator saw; nothing was done. */
    public static final class CountChangedException extends CommandRefusedException {
        public CountChangedException(String message) {
            super(message);
        }
    }

    /** One member as clients see it: from the cluster's member list, with its published status (null until the first). */
    public record MemberView(String uuid, String address, boolean oldest, MemberStatus status) {
    }

    public IMap<String, SessionRecord> sessionsMap() {
        return hz.getMap(sessionsMap);
    }

    /** The sessions, by id. */
    public List<SessionRecord> sessions() {
        List<SessionRecord> records = new ArrayList<>(sessionsMap().values());
        records.sort(Comparator.comparing(SessionRecord::sessionId));
        return records;
    }

    public List<MemberView> members() {
        IMap<String, MemberStatus> statuses = hz.getMap(MemberStatus.MAP);
        Map<String, MemberStatus> known = statuses.getAll(statuses.keySet());
        List<MemberView> members = new ArrayList<>();
        boolean first = true;
        for (Member member : hz.getCluster().getMembers()) {
            String uuid = member.getUuid().toString();
            members.add(new MemberView(uuid, Addresses.of(member), first, known.get(uuid)));
            first = false;
        }
        return members;
    }

    /** The placement plan as the deciding member last published it (empty before the first). */
    public PlacementPlan plan() {
        PlacementPlan plan = hz.<String, PlacementPlan>getMap(PlacementPlan.MAP).get(PlacementPlan.KEY);
        return plan == null ? PlacementPlan.EMPTY : plan;
    }

    /** The address of the member the plan assigns {@code sessionId} to (who runs it when it runs), or null. */
    public String assignedMember(String sessionId) {
        String uuid = plan().assignments().get(sessionId);
        if (uuid == null) {
            return null;
        }
        for (Member member : hz.getCluster().getMembers()) {
            if (member.getUuid().toString().equals(uuid)) {
                return Addresses.of(member);
            }
        }
        return null;
    }

    /**
     * Moves {@code sessionId} to the member at {@code target} (an address as members list shows it, or
     * a uuid), kept there until the next membership change. Refused for an unknown session or
     * member, or a member that is leaving or runs no bus.
     */
    public PlacementPlan move(String sessionId, String target, String actor) {
        if (!sessionsMap().containsKey(sessionId)) {
            throw new CommandRefusedException("no session '" + Identifiers.printable(sessionId) + "'; the sessions are "
                    + new java.util.TreeSet<>(sessionsMap().keySet()));
        }
        Member to = null;
        for (Member member : hz.getCluster().getMembers()) {
            if (Addresses.of(member).equals(target) || member.getUuid().toString().equals(target)) {
                to = member;
            }
        }
        List<String> addresses = members().stream().map(MemberView::address).toList();
        if (to == null || to.isLiteMember()) {
            throw new CommandRefusedException("no member at '" + Identifiers.printable(target) + "' that runs sessions; the members"
                    + " are " + addresses);
        }
        String from = assignedMember(sessionId);
        String address = Addresses.of(to);
        PlacementPlan after = hz.<String, PlacementPlan>getMap(PlacementPlan.MAP).executeOnKey(PlacementPlan.KEY,
                new PlanUpdate.Pin(sessionId, to.getUuid().toString(), "moved by " + actor));
        if (after == null) {
            throw new CommandRefusedException("member " + address + " takes no sessions (its bus has not started, or it is"
                    + " leaving); pick one of " + addresses);
        }
        Timeline.record(hz, TimelineEntry.Kind.OPERATOR, address, sessionId, actor, "move from " + from + " to " + address
                + " (kept until the next membership change)");
        return after;
    }

    /** Turns automatic balancing on or off; off, only the sessions of members that leave or are lost move. */
    public PlacementPlan balancing(boolean on, String actor) {
        PlacementPlan after = hz.<String, PlacementPlan>getMap(PlacementPlan.MAP).executeOnKey(PlacementPlan.KEY,
                new PlanUpdate.Automatic(on));
        Timeline.record(hz, TimelineEntry.Kind.OPERATOR, null, null, actor, "automatic balancing " + (on ? "on" : "off"));
        return after;
    }

    /** Applies {@code command} to {@code sessionId} for {@code actor}; returns the changed record. */
    public SessionRecord command(String sessionId, SessionCommand command, String actor) {
        IMap<String, SessionRecord> sessions = sessionsMap();
        SessionRecord before = sessions.get(sessionId);
        if (before == null) {
            throw new CommandRefusedException("no session '" + Identifiers.printable(sessionId) + "'; the sessions are "
                    + sessions.keySet());
        }
        SessionRecord after = sessions.executeOnKey(sessionId, new ChangeState(command));
        if (after == null) {
            SessionRecord now = sessions.get(sessionId);
            throw new CommandRefusedException(command.refusal(sessionId, now == null ? before.state() : now.state()));
        }
        Timeline.record(hz, TimelineEntry.Kind.OPERATOR, assignedMember(sessionId), sessionId, actor,
                command.name().toLowerCase(Locale.ROOT) + ": " + before.state() + " → " + after.state());
        return after;
    }

    /** Writes an operator's change that is not a session command (a source added or removed) to the timeline. */
    public void recordChange(String sessionId, String actor, String detail) {
        Timeline.record(hz, TimelineEntry.Kind.OPERATOR, null, sessionId, actor, detail);
    }

    /**
     * Stops the member at {@code address} for a drill: halts it ({@code kill}) or shuts it down
     * gracefully. Refused when it is the only member, not a member, or its bus configuration does
     * not say {@code drills: true}.
     */
    public void stopMember(String address, boolean kill, String actor) {
        Member victim = null;
        for (Member member : hz.getCluster().getMembers()) {
            if (Addresses.of(member).equals(address)) {
                victim = member;
            }
        }
        if (victim == null) {
            throw new CommandRefusedException("no member at " + address + "; the members are " + members().stream()
                    .map(MemberView::address).toList());
        }
        if (hz.getCluster().getMembers().size() < 2) {
            throw new CommandRefusedException("the cluster has one member: a drill needs a survivor to take over");
        }
        // written first: once the member halts, the timeline's partitions may be moving for a while
        Timeline.record(hz, TimelineEntry.Kind.OPERATOR, address, null, actor, "failover drill: " + (kill ? "halt" : "graceful stop")
                + " of this member");
        String refusal;
        try {
            refusal = hz.getExecutorService("eventbus.ops").submitToMember(new MemberStopTask(kill, actor), victim)
                    .get(TASK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the cluster", e);
        } catch (ExecutionException e) {
            if (!gone(e.getCause())) {
                throw new IllegalStateException("member " + address + " could not run the drill: " + e.getCause(), e.getCause());
            }
            refusal = null; // it halted before its answer left: it took the drill
        } catch (TimeoutException e) {
            throw new IllegalStateException("member " + address + " did not answer within " + TASK_TIMEOUT_SECONDS + " s", e);
        }
        if (refusal != null) {
            Timeline.record(hz, TimelineEntry.Kind.OPERATOR, address, null, actor, "failover drill refused: " + refusal);
            throw new CommandRefusedException(refusal);
        }
    }

    /** Whether a task's failure says its member went away while running it. */
    private static boolean gone(Throwable failure) {
        return failure instanceof MemberLeftException || failure instanceof TargetDisconnectedException
                || failure instanceof TargetNotMemberException || failure instanceof HazelcastInstanceNotActiveException;
    }

    /** Timeline entries from sequence {@code from} on (at most {@code max}); {@link Page#next} continues. */
    public Page timeline(long from, int max) {
        Ringbuffer<TimelineEntry> timeline = Timeline.of(hz);
        long head = timeline.headSequence();
        long tail = timeline.tailSequence();
        long start = Math.max(from, head);
        if (start > tail) {
            return new Page(List.of(), start);
        }
        try {
            ReadResultSet<TimelineEntry> read = timeline.readManyAsync(start, 0, Math.min(max, 1000), null)
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            List<TimelineEntry> entries = new ArrayList<>();
            read.forEach(entries::add);
            return new Page(entries, read.getNextSequenceToReadFrom());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the timeline", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the timeline could not be read: " + e.getMessage(), e);
        }
    }

    /** A page of timeline entries and the sequence to read from next. */
    public record Page(List<TimelineEntry> entries, long next) {
    }

    @SuppressWarnings("unchecked")
    public List<FailedEvents.Retry> retryFailed(FailedEvents.Filter filter, String actor) {
        return (List<FailedEvents.Retry>) run(new FailedEventsTask(FailedEventsTask.Action.RETRY, filter, actor));
    }

    @SuppressWarnings("unchecked")
    public List<FailedEvents.Row> discardFailed(FailedEvents.Filter filter, String actor) {
        return (List<FailedEvents.Row>) run(new FailedEventsTask(FailedEventsTask.Action.DISCARD, filter, actor));
    }

    private List<?> run(FailedEventsTask task) {
        try {
            return hz.getExecutorService("eventbus.ops").submit(task).get(TASK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the cluster", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof IllegalArgumentException refused) {
                String message = refused.getMessage() == null ? refused.toString() : refused.getMessage();
                if (message.startsWith(FailedEvents.COUNT_CHANGED)) { // the class may not survive the trip to a client
                    throw new CountChangedException(message.substring(FailedEvents.COUNT_CHANGED.length()));
                }
                throw new CommandRefusedException(message);
            }
            throw new IllegalStateException("the cluster could not run it: " + cause.getMessage(), cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the cluster did not answer within " + TASK_TIMEOUT_SECONDS + " s", e);
        }
    }
}
