package io.bambus.ui.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hazelcast.client.HazelcastClientOfflineException;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import io.bambus.core.alert.OpenAlerts;
import io.bambus.core.apply.FailedEvents;
import io.bambus.core.event.EventDecoder;
import io.bambus.core.session.OutboxEvent;
import io.bambus.core.sql.Identifiers;
import io.bambus.grid.ops.BusOperations;
import io.bambus.grid.session.SessionCommand;
import io.bambus.grid.session.SessionRecord;
import io.bambus.ui.UiConfig;
import io.bambus.ui.auth.LoginGate;
import io.bambus.ui.auth.LoginThrottle;
import io.bambus.ui.auth.Role;
import io.bambus.ui.auth.UiSessions;
import io.bambus.ui.auth.Users;
import io.bambus.ui.data.ActivityQueries;
import io.bambus.ui.live.LiveState;
import io.bambus.ui.live.Views;
import io.bambus.ui.metrics.BusMetrics;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.HandlerType;
import io.javalin.http.SameSite;
import io.javalin.json.JavalinJackson;
import io.javalin.security.BasicAuthCredentials;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The UI's pages, JSON API, event stream and metrics on Javalin. Every route but the login page,
 * its script and {@code /health} needs a logged-in session (or HTTP Basic credentials, for
 * {@code /metrics} scrapers); every POST but the login needs the session's CSRF token in
 * {@value #CSRF_HEADER}; changes need the operator role and leave one audit line each.
 */
public final class WebApp {

    private static final Logger LOG = LogManager.getLogger(WebApp.class);
    /** One line per operator action: who, what, which session or events, and the result. */
    private static final Logger AUDIT = LogManager.getLogger("bambus.audit");
    public static final String CSRF_HEADER = "X-CSRF-Token";
    /** Sent by the pages' timed refreshes: such a request does not count as the user's activity (idle logout still works). */
    public static final String POLL_HEADER = "X-Bambus-Poll";
    private static final int MAX_NAME = 200;
    /** How long a client has to send a login's body once its headers arrived. */
    static final int LOGIN_BODY_SECONDS = 10;
    private static final Set<String> FAILED_ACTION_FIELDS = new java.util.TreeSet<>(Set.of("ids", "session", "activity",
            "reason", "expected"));
    private static final String SESSION_ATTRIBUTE = "bambus.uiSession";
    private static final Set<String> PUBLIC_PATHS = Set.of("/login", "/static/login.js", "/static/app.css", "/api/login",
            "/health");
    private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

    private final UiConfig config;
    private final BusOperations ops;
    private final LiveState live;
    private final FailedEvents failedEvents;
    private final ActivityQueries activities;
    private final OpenAlerts alerts;
    private final BusMetrics metrics;
    private final Users users;
    private final UiSessions sessions = new UiSessions();
    private final HostNames hostNames;
    private final LoginGate loginGate = new LoginGate();
    private final LoginThrottle throttle;
    private final ObjectMapper json;
    private final java.util.function.BooleanSupplier clusterConnected;
    private final LongSupplier clock;
    /** An unexpected error's stack trace is logged once a minute per exception class; the other times, one line. */
    private final TraceThrottle errorTraces = new TraceThrottle(60_000);
    /** When the failed events and the open alerts were last counted, and the counts. */
    private volatile long[] overviewCounts = {0, 0, 0};

    public WebApp(UiConfig config, BusOperations ops, LiveState live, FailedEvents failedEvents, ActivityQueries activities,
                  OpenAlerts alerts, BusMetrics metrics, ObjectMapper json, java.util.function.BooleanSupplier clusterConnected,
                  LongSupplier clock) {
        this.config = config;
        this.ops = ops;
        this.live = live;
        this.failedEvents = failedEvents;
        this.activities = activities;
        this.alerts = alerts;
        this.metrics = metrics;
        this.users = new Users(config.users());
        this.throttle = new LoginThrottle();
        this.hostNames = new HostNames(config.host(), config.hostNames());
        this.json = json;
        this.clusterConnected = clusterConnected;
        this.clock = clock;
        live.loggedIn(token -> sessions.alive(token, clock.getAsLong()));
    }

    public Javalin create() {
        return Javalin.create(this::configure);
    }

    private void configure(JavalinConfig app) {
        app.jetty.host = config.host();
        app.jetty.port = config.port();
        app.jsonMapper(new JavalinJackson(json, false));
        app.startup.showJavalinBanner = false;
        var routes = app.routes;
        routes.before(this::secure);

        routes.get("/health", ctx -> ctx.json(Map.of("status", "UP", "cluster",
                clusterConnected.getAsBoolean() ? "connected" : "disconnected")));
        routes.get("/login", ctx -> page(ctx, "login.html", "text/html"));
        routes.get("/static/login.js", ctx -> page(ctx, "login.js", "text/javascript"));
        routes.get("/static/app.css", ctx -> page(ctx, "app.css", "text/css"));
        routes.post("/api/login", this::login);

        routes.get("/", ctx -> page(ctx, "app.html", "text/html"));
        routes.get("/static/app.js", ctx -> page(ctx, "app.js", "text/javascript"));
        routes.get("/static/vendor/uPlot.iife.min.js", ctx -> page(ctx, "vendor/uplot/uPlot.iife.min.js", "text/javascript"));
        routes.get("/static/vendor/uPlot.min.css", ctx -> page(ctx, "vendor/uplot/uPlot.min.css", "text/css"));
        routes.post("/api/logout", ctx -> {
            UiSessions.UiSession s = session(ctx);
            sessions.close(s.token());
            live.disconnect(s.token(), "the user logged out");
            LOG.info("Management UI: {} logged out", s.user());
            ctx.cookie(cookie("", 0));
            ctx.json(Map.of("loggedOut", true));
        });
        routes.get("/api/me", ctx -> {
            UiSessions.UiSession s = session(ctx);
            ctx.json(Map.of("user", s.user(), "role", s.role().label(), "csrf", s.csrf()));
        });
        routes.sse("/api/events", client -> {
            UiSessions.UiSession s = session(client.ctx());
            client.keepAlive();
            live.connect(client, s.token(), s.user());
        });
        routes.get("/api/cluster", ctx -> ctx.json(live.cluster()));
        routes.get("/api/sessions", ctx -> ctx.json(Map.of("sessions", live.cluster().sessions(),
                "throughput", live.throughput())));
        routes.get("/api/overview", this::overview);
        routes.get("/api/series", ctx -> ctx.json(Map.of("total", live.total(), "sessions", live.throughput())));
        routes.get("/api/series/{id}", ctx -> {
            var series = live.series(ctx.pathParam("id"));
            if (series == null) {
                throw new ApiError(404, "no figures for session '" + printable(ctx.pathParam("id")) + "' (yet)");
            }
            ctx.json(Map.of("session", series, "total", live.total()));
        });
        routes.get("/api/sessions/{id}", ctx -> ctx.json(record(ctx.pathParam("id"))));
        routes.post("/api/sessions/{id}/{command}", this::sessionCommand);
        routes.get("/api/timeline", this::timeline);
        routes.get("/api/failed", this::listFailed);
        routes.get("/api/failed/{id}", ctx -> {
            FailedEvents.Row row = failedEvents.get(number(ctx.pathParam("id"), "id"));
            if (row == null) {
                throw new ApiError(404, "no failed event " + ctx.pathParam("id") + " (already retried or discarded)");
            }
            ctx.json(failedView(row));
        });
        routes.post("/api/failed/retry", ctx -> failedAction(ctx, true));
        routes.post("/api/failed/discard", ctx -> failedAction(ctx, false));
        routes.get("/api/activities", ctx -> ctx.json(activities.activities()));
        routes.get("/api/activities/{name}/instances", ctx -> ctx.json(activities.instances(ctx.pathParam("name"),
                ctx.queryParam("status"), ctx.queryParam("id"), ctx.queryParam("item"), ctx.queryParam("value"),
                number(ctx.queryParam("offset"), "offset"), (int) Math.min(ActivityQueries.MAX_PAGE,
                        number(ctx.queryParam("limit") == null ? "50" : ctx.queryParam("limit"), "limit")))));
        routes.get("/api/activities/{name}/instances/{id}", ctx -> {
            var instance = activities.instance(ctx.pathParam("name"), ctx.pathParam("id"));
            if (instance == null) {
                throw new ApiError(404, "no instance '" + ctx.pathParam("id") + "' of " + ctx.pathParam("name"));
            }
            ctx.json(instance);
        });
        routes.get("/api/aggregations", ctx -> ctx.json(activities.aggregations()));
        routes.get("/api/aggregations/{name}", ctx -> ctx.json(activities.aggregation(ctx.pathParam("name"))));
        routes.get("/api/alerts", ctx -> ctx.json(alerts.open(blank(ctx.queryParam("rule")),
                number(ctx.queryParam("offset"), "offset"), (int) Math.min(OpenAlerts.MAX_PAGE,
                        number(ctx.queryParam("limit") == null ? "50" : ctx.queryParam("limit"), "limit")))));
        routes.get("/metrics", ctx -> {
            ctx.contentType(metrics.contentType());
            ctx.result(metrics.scrape());
        });

        routes.exception(ApiError.class, (e, ctx) -> error(ctx, e.status(), e.getMessage()));
        routes.exception(BusOperations.CommandRefusedException.class, (e, ctx) -> error(ctx, 409, e.getMessage()));
        routes.exception(ActivityQueries.BadQueryException.class, (e, ctx) -> error(ctx, 400, e.getMessage()));
        routes.exception(HazelcastClientOfflineException.class, (e, ctx) -> error(ctx, 503,
                "the cluster is not reachable; the UI reconnects by itself, try again shortly"));
        routes.exception(HazelcastInstanceNotActiveException.class, (e, ctx) -> error(ctx, 503,
                "the UI's cluster client is stopping"));
        routes.exception(SQLException.class, (e, ctx) -> error(ctx, 503, "the destination database cannot be read: "
                + e.getMessage()));
        routes.exception(Exception.class, (e, ctx) -> {
            String request;
            try {
                request = ctx.method() + " " + ctx.path();
            } catch (RuntimeException gone) {
                // the request already ended (a closed event stream): nothing to answer
                LOG.debug("Management UI: error after a request ended: {}", e.toString());
                return;
            }
            if (errorTraces.due(e.getClass().getName(), System.currentTimeMillis())) {
                LOG.warn("Management UI: {} failed", Identifiers.escaped(request, 200), e);
            } else {
                LOG.warn("Management UI: {} failed: {} (the trace was logged in the last minute)", Identifiers.escaped(request, 200),
                        Identifiers.escaped(e.toString(), 300));
            }
            error(ctx, 500, "internal error (details in the UI's log)");
        });
    }

    /** Security headers for every response, then who is asking (and, for POSTs, whether they meant to). */
    private void secure(Context ctx) {
        ctx.header("Content-Security-Policy", CSP);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Cache-Control", "no-store");
        if (!hostNames.accepts(ctx.header("Host"))) {
            throw new ApiError(421, "this UI does not answer to the host name '" + printable(HostNames.hostOf(ctx.header("Host")))
                    + "'; an operator adds it to http.hostNames in the UI's configuration");
        }
        if (ctx.method() == HandlerType.POST) {
            checkOrigin(ctx);
        }
        if (PUBLIC_PATHS.contains(ctx.path())) {
            return;
        }
        UiSessions.UiSession session = ctx.header(POLL_HEADER) != null && ctx.method() == HandlerType.GET
                ? sessions.peek(ctx.cookie(UiSessions.COOKIE), clock.getAsLong())
                : sessions.get(ctx.cookie(UiSessions.COOKIE), clock.getAsLong());
        if (session == null && ctx.path().equals("/metrics")) {
            session = basicAuth(ctx);
        }
        if (session == null) {
            if (ctx.path().startsWith("/api/") || ctx.path().equals("/metrics")) {
                if (ctx.path().equals("/metrics")) {
                    ctx.header("WWW-Authenticate", "Basic realm=\"bambus\"");
                }
                throw new ApiError(401, "log in first (POST /api/login), or give HTTP Basic credentials for /metrics");
            }
            ctx.redirect("/login");
            ctx.skipRemainingHandlers();
            return;
        }
        ctx.attribute(SESSION_ATTRIBUTE, session);
        if (ctx.method() == HandlerType.POST && !session.csrfMatches(ctx.header(CSRF_HEADER))) {
            throw new ApiError(403, "missing or wrong " + CSRF_HEADER + " header; reload the page (GET /api/me gives the token)");
        }
    }

    /**
     * A cross-site POST announces itself: a foreign or opaque ({@code null}, from a sandboxed
     * frame) {@code Origin}, or a {@code Sec-Fetch-Site} other than same-origin. Refused whatever
     * else it carries, the login included (login CSRF). Clients that are not browsers send
     * neither header and pass.
     */
    private static void checkOrigin(Context ctx) {
        String site = ctx.header("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) {
            throw new ApiError(403, "cross-site request refused (Sec-Fetch-Site " + printable(site) + ")");
        }
        String origin = ctx.header("Origin");
        if (origin == null) {
            return;
        }
        try {
            URI uri = URI.create(origin);
            String host = ctx.host();
            String originHost = uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
            if (uri.getHost() != null && host != null && host.equalsIgnoreCase(originHost)) {
                return;
            }
        } catch (IllegalArgumentException e) {
            // fall through: refused
        }
        throw new ApiError(403, "cross-origin request refused (Origin " + printable(origin) + ")");
    }

    /**
     * The user whose name and password match, or null, with the attempt throttled: counted before
     * the password is checked, refused (429) while its name-and-address or its address must wait,
     * 400 (and counted) for a password bcrypt cannot check, 503 while too many checks run.
     */
    private UiConfig.User authenticate(Context ctx, String name, String password) {
        String ip = ctx.ip();
        if (name.length() > MAX_NAME) {
            LOG.warn("Management UI: login with a name of {} characters from {} refused", name.length(), ip);
            throw new ApiError(400, "a user name has at most " + MAX_NAME + " characters");
        }
        long wait = throttle.begin(name, ip, clock.getAsLong());
        if (wait > 0) {
            ctx.header("Retry-After", String.valueOf(wait));
            LOG.warn("Management UI: login for '{}' from {} refused: throttled for {} s after repeated failures",
                    printable(name), ip, wait);
            throw new ApiError(429, "too many failed logins; try again in " + wait + " s");
        }
        if (Users.tooLong(password)) {
            LOG.warn("Management UI: failed login for '{}' from {}: password over {} bytes", printable(name), ip,
                    Users.MAX_PASSWORD_BYTES);
            throw new ApiError(400, "a password has at most " + Users.MAX_PASSWORD_BYTES + " bytes (UTF-8); this counts as a"
                    + " failed login");
        }
        UiConfig.User user;
        try {
            user = users.check(name, password);
        } catch (Users.BusyException e) {
            throttle.refund(name, ip);
            ctx.header("Retry-After", "1");
            throw new ApiError(503, e.getMessage());
        }
        if (user == null) {
            throttle.failed(name, ip, clock.getAsLong());
            LOG.warn("Management UI: failed login for '{}' from {}", printable(name), ip);
            return null;
        }
        throttle.succeeded(name, ip);
        return user;
    }

    private UiSessions.UiSession basicAuth(Context ctx) {
        if (ctx.header("Authorization") == null) {
            return null;
        }
        BasicAuthCredentials credentials;
        try {
            credentials = ctx.basicAuthCredentials();
        } catch (RuntimeException malformed) {
            // not base64, or no colon: the client's mistake (or a probe), answered like a wrong password, logged by no one
            ctx.header("WWW-Authenticate", "Basic realm=\"bambus\"");
            throw new ApiError(401, "malformed Authorization header: use Basic with the base64 of name:password");
        }
        if (credentials == null) {
            return null;
        }
        UiConfig.User user = authenticate(ctx, credentials.getUsername(), credentials.getPassword());
        if (user == null) {
            return null;
        }
        long now = clock.getAsLong();
        // a one-request session: nothing is stored, no cookie is set
        return new UiSessions.UiSession("", user.name(), user.role(), "", now, now);
    }

    private void login(Context ctx) {
        String type = ctx.contentType();
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new ApiError(415, "log in with a JSON body: Content-Type: application/json and {\"username\": …,"
                    + " \"password\": …}");
        }
        String ip = ctx.ip();
        if (!loginGate.enter(ip)) {
            ctx.header("Retry-After", "1");
            throw new ApiError(429, "too many logins in progress from this address or in all; try again in a second");
        }
        UiConfig.User user;
        try {
            JsonNode body = loginBody(ctx);
            user = authenticate(ctx, body.path("username").asText(""), body.path("password").asText(""));
        } finally {
            loginGate.leave(ip);
        }
        if (user == null) {
            throw new ApiError(401, "wrong user name or password");
        }
        String previous = ctx.cookie(UiSessions.COOKIE);
        if (previous != null) {
            sessions.close(previous);
            live.disconnect(previous, "the browser logged in again");
        }
        UiSessions.UiSession session = sessions.open(user.name(), user.role(), clock.getAsLong());
        ctx.cookie(cookie(session.token(), -1));
        LOG.info("Management UI: {} logged in ({}) from {}", user.name(), user.role().label(), ctx.ip());
        ctx.json(Map.of("user", user.name(), "role", user.role().label(), "csrf", session.csrf()));
    }

    /**
     * The login's JSON body, read within {@value #LOGIN_BODY_SECONDS} s: a client that has not sent
     * it by then (a few hundred bytes) loses its connection, and the thread reading it is free again.
     */
    private JsonNode loginBody(Context ctx) {
        Request request = ServletContextRequest.getServletContextRequest(ctx.req());
        java.util.concurrent.atomic.AtomicBoolean late = new java.util.concurrent.atomic.AtomicBoolean();
        Scheduler.Task deadline = request == null ? null : request.getComponents().getScheduler().schedule(() -> {
            late.set(true);
            request.getConnectionMetaData().getConnection().getEndPoint().close();
        }, LOGIN_BODY_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
        try {
            return body(ctx);
        } catch (RuntimeException e) {
            if (late.get()) {
                // the connection is gone: nothing reaches the client, and nothing to log for each such client
                throw new ApiError(408, "the login's body did not arrive within " + LOGIN_BODY_SECONDS + " s");
            }
            throw e;
        } finally {
            if (deadline != null) {
                deadline.cancel();
            }
        }
    }

    private Cookie cookie(String value, int maxAge) {
        Cookie cookie = new Cookie(UiSessions.COOKIE, value);
        cookie.setPath("/");
        cookie.setMaxAge(maxAge);
        cookie.setHttpOnly(true);
        cookie.setSameSite(SameSite.STRICT);
        cookie.setSecure(config.secureCookies());
        return cookie;
    }

    private void sessionCommand(Context ctx) {
        UiSessions.UiSession session = operator(ctx);
        String id = ctx.pathParam("id");
        SessionCommand command = SessionCommand.parse(ctx.pathParam("command"));
        if (command == null) {
            throw new ApiError(404, "unknown command '" + printable(ctx.pathParam("command"))
                    + "'; use pause, resume, enable or disable");
        }
        try {
            SessionRecord after = ops.command(id, command, session.user());
            audit(session, command.name().toLowerCase(Locale.ROOT), "session=" + id, "ok, now " + after.state());
            ctx.json(after);
        } catch (BusOperations.CommandRefusedException e) {
            audit(session, command.name().toLowerCase(Locale.ROOT), "session=" + id, "refused: " + e.getMessage());
            throw e;
        } catch (RuntimeException e) {
            audit(session, command.name().toLowerCase(Locale.ROOT), "session=" + id, "outcome unknown (the member may still"
                    + " carry it out): " + e);
            throw e;
        }
    }

    private void failedAction(Context ctx, boolean retry) {
        UiSessions.UiSession session = operator(ctx);
        FailedEvents.Filter filter = failedFilter(body(ctx));
        String action = retry ? "retry-failed" : "discard-failed";
        try {
            if (retry) {
                List<FailedEvents.Retry> results = ops.retryFailed(filter, session.user());
                long applied = results.stream().filter(FailedEvents.Retry::applied).count();
                audit(session, action, filterText(filter), applied + " applied, " + (results.size() - applied) + " still failing");
                ctx.json(Map.of("results", results, "applied", applied));
            } else {
                List<FailedEvents.Row> rows = ops.discardFailed(filter, session.user());
                audit(session, action, filterText(filter), rows.size() + " discarded (ids "
                        + rows.stream().map(FailedEvents.Row::id).toList() + ")");
                ctx.json(Map.of("discarded", rows.stream().map(FailedEvents.Row::id).toList()));
            }
        } catch (BusOperations.CountChangedException e) {
            audit(session, action, filterText(filter), "refused: " + e.getMessage());
            throw new ApiError(409, e.getMessage() + "; nothing was done: look at the list again");
        } catch (BusOperations.CommandRefusedException e) {
            audit(session, action, filterText(filter), "refused: " + e.getMessage());
            throw new ApiError(400, e.getMessage());
        } catch (RuntimeException e) {
            audit(session, action, filterText(filter), "outcome unknown (the member may still carry it out): " + e);
            throw e;
        }
    }

    /**
     * The failed events a retry or discard names, read strictly: an unknown field, an {@code ids}
     * that is not an array of ids, a filter part that is not text or an {@code expected} that is not
     * a count is refused (400) before anything is done, so a malformed request never acts on more
     * than it names. {@code expected}, when given, goes with the action: the member acts only if
     * exactly that many events match, and on exactly those.
     */
    private static FailedEvents.Filter failedFilter(JsonNode body) {
        body.fieldNames().forEachRemaining(name -> {
            if (!FAILED_ACTION_FIELDS.contains(name)) {
                throw new ApiError(400, "unknown field '" + printable(name) + "'; a retry or discard takes " + FAILED_ACTION_FIELDS);
            }
        });
        List<Long> ids = new ArrayList<>();
        JsonNode idsNode = body.get("ids");
        if (idsNode != null && !idsNode.isNull()) {
            if (!idsNode.isArray()) {
                throw new ApiError(400, "ids: must be an array of failed event ids, such as [4, 7], not '"
                        + printable(idsNode.toString()) + "'");
            }
            idsNode.forEach(node -> {
                if (!node.isIntegralNumber() || !node.canConvertToLong() || node.asLong() <= 0) {
                    throw new ApiError(400, "ids: '" + printable(node.toString()) + "' is not a failed event id");
                }
                ids.add(node.asLong());
            });
            if (ids.isEmpty()) {
                throw new ApiError(400, "ids: the array is empty; name the events, or leave ids out to act on the filter");
            }
        }
        Long expected = null;
        JsonNode expectedNode = body.get("expected");
        if (expectedNode != null && !expectedNode.isNull()) {
            if (!expectedNode.isIntegralNumber() || !expectedNode.canConvertToLong() || expectedNode.asLong() < 0) {
                throw new ApiError(400, "expected: '" + printable(expectedNode.toString()) + "' is not a count of failed events");
            }
            expected = expectedNode.asLong();
        }
        return new FailedEvents.Filter(filterPart(body, "session"), filterPart(body, "activity"), filterPart(body, "reason"),
                ids, expected);
    }

    /** A text part of a failed events filter: absent, null or blank is no condition; anything but text is refused. */
    private static String filterPart(JsonNode body, String key) {
        JsonNode node = body.get(key);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new ApiError(400, key + ": must be text, not '" + printable(node.toString()) + "'");
        }
        return node.asText().isBlank() ? null : node.asText();
    }

    /**
     * What the overview page shows beside the live cluster: the failed events' and open alerts'
     * counts (read at most every 5 s).
     */
    private void overview(Context ctx) throws SQLException {
        long now = System.currentTimeMillis();
        long[] cached = overviewCounts;
        if (now - cached[0] > 5_000) {
            cached = new long[] {now, failedEvents.count(FailedEvents.Filter.all()),
                    alerts.openCounts().stream().mapToLong(OpenAlerts.OpenCount::open).sum()};
            overviewCounts = cached;
        }
        Views.TimelineView lastLoss = null;
        List<Views.TimelineView> recent = live.recentTimeline(2_000);
        for (int i = recent.size() - 1; i >= 0 && lastLoss == null; i--) {
            if (recent.get(i).kind().equals("MEMBER_LEFT")) {
                lastLoss = recent.get(i);
            }
        }
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("failedEvents", cached[1]);
        view.put("failedCountedMillis", cached[0]);
        view.put("openAlerts", cached[2]);
        view.put("lastMemberLeft", lastLoss);
        ctx.json(view);
    }

    private void listFailed(Context ctx) throws SQLException {
        FailedEvents.Filter filter = new FailedEvents.Filter(blank(ctx.queryParam("session")), blank(ctx.queryParam("activity")),
                blank(ctx.queryParam("reason")), List.of());
        long offset = number(ctx.queryParam("offset"), "offset");
        int limit = (int) Math.min(200, number(ctx.queryParam("limit") == null ? "50" : ctx.queryParam("limit"), "limit"));
        List<Map<String, Object>> rows = failedEvents.list(filter, offset, limit).stream().map(this::failedView).toList();
        ctx.json(Map.of("total", failedEvents.count(filter), "offset", offset, "rows", rows));
    }

    private Map<String, Object> failedView(FailedEvents.Row row) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", row.id());
        view.put("session", row.sessionId());
        view.put("sourceSeq", row.sourceSeq());
        view.put("batchNo", row.batchNo());
        view.put("kind", row.kind());
        view.put("activity", row.activity());
        view.put("instanceId", row.instanceId());
        view.put("eventTime", row.eventTime() == null ? null : row.eventTime().toString());
        view.put("failedAt", row.failedAt() == null ? null : row.failedAt().toString());
        view.put("reason", row.reason());
        view.put("payload", row.payloadText());
        var decoded = EventDecoder.decode(new OutboxEvent(row.sourceSeq(), row.kind(), row.activity(), row.instanceId(),
                row.payload(), row.eventTime()));
        view.put("fields", decoded.failed() ? null : stringValues(decoded.fields()));
        return view;
    }

    private static Map<String, String> stringValues(Map<String, Object> fields) {
        Map<String, String> result = new LinkedHashMap<>();
        fields.forEach((k, v) -> result.put(k, v == null ? null : v.toString()));
        return result;
    }

    private void timeline(Context ctx) {
        String from = ctx.queryParam("from");
        if (from == null) {
            ctx.json(Map.of("entries", live.recentTimeline(500)));
            return;
        }
        BusOperations.Page page = ops.timeline(number(from, "from"), 1000);
        List<Object> entries = new ArrayList<>();
        long seq = page.next() - page.entries().size();
        for (var entry : page.entries()) {
            entries.add(Map.of("seq", seq++, "millis", entry.millis(), "kind", entry.kind().name(),
                    "member", String.valueOf(entry.member()), "session", String.valueOf(entry.session()),
                    "actor", entry.actor(), "detail", entry.detail()));
        }
        ctx.json(Map.of("entries", entries, "next", page.next()));
    }

    private SessionRecord record(String id) {
        SessionRecord record = ops.sessionsMap().get(id);
        if (record == null) {
            throw new ApiError(404, "no session '" + printable(id) + "'");
        }
        return record;
    }

    private UiSessions.UiSession session(Context ctx) {
        UiSessions.UiSession session = ctx.attribute(SESSION_ATTRIBUTE);
        if (session == null) {
            throw new ApiError(401, "log in first");
        }
        return session;
    }

    private UiSessions.UiSession operator(Context ctx) {
        UiSessions.UiSession session = session(ctx);
        if (session.role() != Role.OPERATOR) {
            AUDIT.info("user={} role={} action={} {} result=refused: not an operator", session.user(), session.role().label(),
                    ctx.method(), Identifiers.escaped(ctx.path(), 200));
            throw new ApiError(403, "user " + session.user() + " is a viewer; this needs the operator role");
        }
        return session;
    }

    /**
     * One audit line. Every part that came from a request (a session name, a filter's text, a
     * refusal quoting them) is escaped: a CR, LF or other control character in it shows as
     * {@code \r}, {@code \n} …, so it can never start a forged line.
     */
    private static void audit(UiSessions.UiSession session, String action, String target, String result) {
        AUDIT.info("user={} role={} action={} {} result={}", session.user(), session.role().label(), action,
                Identifiers.escaped(target, 20_000), Identifiers.escaped(result, 100_000));
    }

    private JsonNode body(Context ctx) {
        try {
            JsonNode node = json.readTree(ctx.body());
            if (node == null || !node.isObject()) {
                throw new ApiError(400, "the request body must be a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new ApiError(400, "the request body is not valid JSON");
        }
    }

    private static String blank(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static String filterText(FailedEvents.Filter filter) {
        return "ids=" + filter.ids() + " session=" + filter.sessionId() + " activity=" + filter.activity() + " reason="
                + filter.reasonContains() + (filter.expected() == null ? "" : " expected=" + filter.expected());
    }

    private static long number(String text, String name) {
        if (text == null || text.isBlank()) {
            return 0;
        }
        try {
            long value = Long.parseLong(text.trim());
            if (value < 0) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw new ApiError(400, name + ": '" + printable(text) + "' must be a whole number, 0 or more");
        }
    }

    private static String printable(String text) {
        return Identifiers.escaped(text, 60);
    }

    private static void error(Context ctx, int status, String message) {
        ctx.status(status).json(Map.of("error", message, "status", status));
    }

    private static void page(Context ctx, String name, String type) throws IOException {
        try (InputStream in = WebApp.class.getResourceAsStream("/public/" + name)) {
            if (in == null) {
                throw new ApiError(404, "no such page");
            }
            ctx.contentType(type + "; charset=utf-8").result(in.readAllBytes());
        }
    }
}
