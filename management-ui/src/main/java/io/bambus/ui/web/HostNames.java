package io.bambus.ui.web;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The names a browser may use for the UI in its {@code Host} header: the configured
 * {@code http.hostNames}, the address it listens on (every address of the machine when it listens
 * on all), {@code localhost} and the machine's own name. A request naming any other host is
 * refused: a page of another site whose name an attacker points at this machine (DNS rebinding)
 * would otherwise talk to the UI as a same-origin page.
 */
final class HostNames {

    private final Set<String> allowed = new TreeSet<>();

    HostNames(String listenHost, List<String> configured) {
        allowed.addAll(configured);
        allowed.add("localhost");
        allowed.add("127.0.0.1");
        allowed.add("[::1]");
        try {
            InetAddress listen = InetAddress.getByName(listenHost);
            if (listen.isAnyLocalAddress()) {
                for (NetworkInterface network : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                    for (InetAddress address : Collections.list(network.getInetAddresses())) {
                        allowed.add(literal(address));
                    }
                }
            } else {
                allowed.add(literal(listen));
                allowed.add(listenHost.toLowerCase(Locale.ROOT));
            }
        } catch (UnknownHostException | SocketException e) {
            allowed.add(listenHost.toLowerCase(Locale.ROOT));
        }
        try {
            InetAddress local = InetAddress.getLocalHost();
            allowed.add(local.getHostName().toLowerCase(Locale.ROOT));
            allowed.add(local.getCanonicalHostName().toLowerCase(Locale.ROOT));
        } catch (UnknownHostException e) {
            // a machine without a resolvable name of its own: the configured names and addresses only
        }
    }

    /** Whether a request's {@code Host} header (with or without its port) names this UI; no header passes (HTTP/1.0). */
    boolean accepts(String hostHeader) {
        if (hostHeader == null) {
            return true;
        }
        return allowed.contains(hostOf(hostHeader).toLowerCase(Locale.ROOT));
    }

    /** The names accepted, for the refusal's message and the start-up log. */
    Set<String> allowed() {
        return Collections.unmodifiableSet(allowed);
    }

    static String hostOf(String hostHeader) {
        String value = hostHeader.trim();
        if (value.startsWith("[")) {
            int end = value.indexOf(']');
            return end < 0 ? value : value.substring(0, end + 1);
        }
        int colon = value.lastIndexOf(':');
        return colon < 0 ? value : value.substring(0, colon);
    }

    private static String literal(InetAddress address) {
        String text = address.getHostAddress().toLowerCase(Locale.ROOT);
        int scope = text.indexOf('%');
        if (scope >= 0) {
            text = text.substring(0, scope);
        }
        return text.indexOf(':') >= 0 ? "[" + text + "]" : text;
    }
}
