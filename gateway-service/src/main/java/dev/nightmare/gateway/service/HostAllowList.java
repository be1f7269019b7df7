package dev.nightmare.gateway.service;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * An operator's list of hosts ({@code host} or {@code host:port}) the gateway may call: webhook
 * receivers, image URLs. Only http and https, a host named, no user info (which could hide the
 * real host from a reader); matching is on the URL's own host, never on what it resolves to.
 */
public final class HostAllowList {
    private final List<String> hosts;

    public HostAllowList(List<String> hosts) {
        this.hosts = hosts.stream()
                .map(h -> h.trim().toLowerCase(Locale.ROOT))
                .filter(h -> !h.isEmpty())
                .toList();
    }

    public boolean isEmpty() {
        return hosts.isEmpty();
    }

    /**
     * Why {@code url} may not be called, in words naming {@code field} and {@code list}, or empty
     * when it may.
     */
    public Optional<String> refusal(String field, String list, String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return Optional.of(field + " is not a URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            return Optional.of(field + " must be http or https");
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null) {
            return Optional.of(field + " must name a host and no user info");
        }
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        String hostPort = uri.getPort() < 0 ? host : host + ":" + uri.getPort();
        if (!hosts.contains(host) && !hosts.contains(hostPort)) {
            return Optional.of(field + " host " + hostPort + " is not on this gateway's " + list + " allow-list");
        }
        return Optional.empty();
    }
}
