package dev.nightmare.deploy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;

/**
 * docker/compose.yaml run with Podman the way Docker Compose runs it: the same interpolation of
 * {@code ${VAR:-default}}, one network where each service is reachable by its name, named volumes
 * that outlive {@code down}, services started in {@code depends_on} order and only once the
 * dependencies' health checks pass, each container with the file's image, command, environment,
 * volumes, ports, memory limit, restart policy, stop grace period and health check.
 *
 * <p>Debian 12's podman-compose (1.0.3) is not used: it ignores {@code profiles} and the {@code
 * condition} of {@code depends_on}, and Podman runs health checks from systemd timers, which these
 * machines do not have — so this harness runs each check itself ({@code podman healthcheck run}). It
 * understands exactly the keys the file uses and refuses any other, so the file cannot grow a setting
 * the test silently ignores.
 */
final class Compose {
    private static final Set<String> TOP_LEVEL = Set.of("name", "services", "volumes");
    private static final Set<String> SERVICE_KEYS = Set.of(
            "image",
            "build",
            "command",
            "environment",
            "depends_on",
            "healthcheck",
            "volumes",
            "ports",
            "mem_limit",
            "memswap_limit",
            "restart",
            "stop_grace_period",
            "profiles",
            "deploy");
    private static final Pattern VARIABLE =
            Pattern.compile("\\$(\\$|\\{([A-Za-z_][A-Za-z0-9_]*)((:?[-?])([^}]*))?}|([A-Za-z_][A-Za-z0-9_]*))");
    private static final Duration PODMAN = Duration.ofMinutes(3);

    record Build(String context, String dockerfile) {}

    record HealthCheck(List<String> test, String interval, String timeout, int retries, String startPeriod) {}

    record Service(
            String name,
            String image,
            Build build,
            List<String> command,
            Map<String, String> environment,
            Map<String, String> dependsOn,
            HealthCheck healthcheck,
            List<String> volumes,
            List<String> ports,
            String memLimit,
            String memswapLimit,
            String restart,
            Duration stopGrace,
            List<String> profiles,
            Object deploy) {
        /** The same service without its device reservations (the GPU worker on a machine without GPUs). */
        Service withoutDeviceReservations() {
            return new Service(
                    name,
                    image,
                    build,
                    command,
                    environment,
                    dependsOn,
                    healthcheck,
                    volumes,
                    ports,
                    memLimit,
                    memswapLimit,
                    restart,
                    stopGrace,
                    profiles,
                    null);
        }
    }

    private final Path file;
    private final String project;
    private final Map<String, Service> services = new LinkedHashMap<>();
    private final Set<String> namedVolumes = new LinkedHashSet<>();

    /**
     * Reads {@code file} with {@code variables} as the environment Compose would interpolate from;
     * {@code project} as {@code -p} gives it (null: the file's {@code name}).
     */
    @SuppressWarnings("unchecked")
    Compose(Path file, Map<String, String> variables, String project) {
        this.file = file;
        Map<String, Object> doc =
                new Yaml().load(Repo.read(Repo.root().relativize(file).toString()));
        for (String key : doc.keySet()) {
            require(TOP_LEVEL.contains(key) || key.startsWith("x-"), "top-level key " + key);
        }
        this.project = project != null ? project : (String) doc.get("name");
        Map<String, Object> volumes = (Map<String, Object>) doc.getOrDefault("volumes", Map.of());
        namedVolumes.addAll(volumes.keySet());
        Map<String, Map<String, Object>> raw = (Map<String, Map<String, Object>>) doc.get("services");
        raw.forEach((name, definition) ->
                services.put(name, service(name, (Map<String, Object>) interpolate(definition, variables))));
    }

    String project() {
        return project;
    }

    Map<String, Service> services() {
        return services;
    }

    Service service(String name) {
        Service service = services.get(name);
        if (service == null) {
            throw new IllegalArgumentException("no service " + name + " in " + file);
        }
        return service;
    }

    /** The services Compose starts without {@code --profile}. */
    List<String> defaultServices() {
        return services.values().stream()
                .filter(s -> s.profiles().isEmpty())
                .map(Service::name)
                .toList();
    }

    String container(String service) {
        return project + "-" + service + "-1";
    }

    String network() {
        return project + "_default";
    }

    String volume(String name) {
        return project + "_" + name;
    }

    /** {@code up -d}: the services and what they depend on, in order, waiting for healthy dependencies. */
    void up(List<String> wanted, Duration healthTimeout) {
        if (!Podman.run(PODMAN, "network", "exists", network()).ok()) {
            Podman.ok(PODMAN, "network", "create", network());
        }
        for (String volume : namedVolumes) {
            if (!Podman.run(PODMAN, "volume", "exists", volume(volume)).ok()) {
                Podman.ok(PODMAN, "volume", "create", volume(volume));
            }
        }
        for (String name : startOrder(wanted)) {
            Service service = service(name);
            service.dependsOn().forEach((dependency, condition) -> {
                switch (condition) {
                    case "service_healthy" -> awaitHealthy(dependency, healthTimeout);
                    case "service_started" -> awaitRunning(dependency);
                    default -> throw new IllegalArgumentException("depends_on condition " + condition);
                }
            });
            if (!Podman.run(PODMAN, "container", "exists", container(name)).ok()) {
                Podman.ok(PODMAN, runCommand(service));
            } else if (!state(name).equals("running")) {
                Podman.ok(PODMAN, "start", container(name));
            }
        }
    }

    /** {@code down} (containers and network; named volumes too when asked). */
    void down(boolean removeVolumes) {
        List<String> order =
                new ArrayList<>(startOrder(services.keySet().stream().toList()));
        java.util.Collections.reverse(order);
        for (String name : order) {
            if (Podman.run(PODMAN, "container", "exists", container(name)).ok()) {
                long grace = service(name).stopGrace().toSeconds();
                Podman.run(Duration.ofSeconds(grace + 60), "stop", "--time", Long.toString(grace), container(name));
                Podman.ok(PODMAN, "rm", "--force", container(name));
            }
        }
        if (Podman.run(PODMAN, "network", "exists", network()).ok()) {
            Podman.ok(PODMAN, "network", "rm", network());
        }
        if (removeVolumes) {
            for (String volume : namedVolumes) {
                Podman.run(PODMAN, "volume", "rm", "--force", volume(volume));
            }
        }
    }

    /** Runs the container's health check until it passes (as the engine's timer would). */
    void awaitHealthy(String service, Duration timeout) {
        long until = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() - until < 0) {
            Podman.Result check = Podman.run(Duration.ofSeconds(60), "healthcheck", "run", container(service));
            if (check.ok()) {
                return;
            }
            last = check.all();
            String state = state(service);
            if (!state.equals("running") && !state.equals("created") && !state.equals("stopping")) {
                String restarts = Podman.run(
                                PODMAN, "container", "inspect", "--format", "{{.RestartCount}}", container(service))
                        .output();
                if (!"unless-stopped".equals(service(service).restart())
                        && !"always".equals(service(service).restart())) {
                    throw new AssertionError(
                            service + " is " + state + " (restarts " + restarts.strip() + "):\n" + logs(service, 60));
                }
            }
            sleep(Duration.ofSeconds(2));
        }
        throw new AssertionError(service + " not healthy within " + timeout + " (last check: " + last.strip() + "):\n"
                + logs(service, 80));
    }

    void awaitRunning(String service) {
        require(state(service).equals("running"), service + " running");
    }

    String state(String service) {
        return Podman.run(PODMAN, "container", "inspect", "--format", "{{.State.Status}}", container(service))
                .output()
                .strip();
    }

    String logs(String service, int lines) {
        return Podman.run(PODMAN, "logs", "--tail", Integer.toString(lines), container(service))
                .all();
    }

    String logs(String service) {
        return Podman.run(PODMAN, "logs", container(service)).all();
    }

    private List<String> startOrder(List<String> wanted) {
        List<String> order = new ArrayList<>();
        for (String name : wanted) {
            visit(name, order, new LinkedHashSet<>());
        }
        return order;
    }

    private void visit(String name, List<String> order, Set<String> path) {
        if (order.contains(name)) {
            return;
        }
        require(path.add(name), "no cycle in depends_on through " + path);
        for (String dependency : service(name).dependsOn().keySet()) {
            visit(dependency, order, path);
        }
        order.add(name);
    }

    /** The {@code podman run} that creates and starts the service's container. */
    List<String> runCommand(Service s) {
        require(s.deploy() == null, s.name() + ": deploy (device reservations) cannot be run by this harness");
        List<String> args = new ArrayList<>(List.of(
                "run", "--detach", "--name", container(s.name()), "--network", network(), "--network-alias", s.name()));
        args.addAll(List.of(
                "--label",
                "com.docker.compose.project=" + project,
                "--label",
                "com.docker.compose.service=" + s.name()));
        s.environment().forEach((k, v) -> args.addAll(List.of("--env", k + "=" + v)));
        for (String volume : s.volumes()) {
            String[] parts = volume.split(":");
            require(parts.length == 2 || parts.length == 3, "volume " + volume);
            String source = parts[0];
            if (namedVolumes.contains(source)) {
                source = volume(source);
            } else {
                require(
                        source.startsWith(".") || source.startsWith("/"),
                        "volume " + volume + " names a declared volume or a path");
                source = file.getParent().resolve(source).normalize().toString();
            }
            args.addAll(List.of("--volume", source + ":" + parts[1] + (parts.length == 3 ? ":" + parts[2] : "")));
        }
        for (String port : s.ports()) {
            args.addAll(List.of("--publish", port));
        }
        if (s.memLimit() != null) {
            args.addAll(List.of("--memory", s.memLimit()));
        }
        if (s.memswapLimit() != null) {
            args.addAll(List.of("--memory-swap", s.memswapLimit()));
        }
        if (s.restart() != null) {
            args.addAll(List.of("--restart", s.restart()));
        }
        args.addAll(List.of("--stop-timeout", Long.toString(s.stopGrace().toSeconds())));
        HealthCheck h = s.healthcheck();
        if (h != null) {
            String kind = h.test().getFirst();
            List<String> rest = h.test().subList(1, h.test().size());
            switch (kind) {
                case "CMD-SHELL" -> {
                    require(rest.size() == 1, "CMD-SHELL takes one string");
                    args.addAll(List.of("--health-cmd", rest.getFirst()));
                }
                case "CMD" -> args.addAll(List.of("--health-cmd", jsonArray(rest)));
                default -> throw new IllegalArgumentException("healthcheck test " + kind);
            }
            if (h.interval() != null) args.addAll(List.of("--health-interval", h.interval()));
            if (h.timeout() != null) args.addAll(List.of("--health-timeout", h.timeout()));
            if (h.startPeriod() != null) args.addAll(List.of("--health-start-period", h.startPeriod()));
            if (h.retries() > 0) args.addAll(List.of("--health-retries", Integer.toString(h.retries())));
        }
        args.add(s.image());
        if (s.command() != null) {
            args.addAll(s.command());
        }
        return args;
    }

    @SuppressWarnings("unchecked")
    private Service service(String name, Map<String, Object> d) {
        for (String key : d.keySet()) {
            require(SERVICE_KEYS.contains(key), "key " + key + " of service " + name);
        }
        Build build = null;
        if (d.get("build") instanceof Map<?, ?> b) {
            build = new Build((String) b.get("context"), (String) b.get("dockerfile"));
            require(
                    b.keySet().stream()
                            .allMatch(k -> Set.of("context", "dockerfile").contains(k)),
                    "build keys of " + name);
        }
        List<String> command = switch (d.get("command")) {
            case null -> null;
            case String s -> split(s);
            case List<?> l -> l.stream().map(String::valueOf).toList();
            default -> throw new IllegalArgumentException("command of " + name);
        };
        Map<String, String> environment = new LinkedHashMap<>();
        ((Map<String, Object>) d.getOrDefault("environment", Map.of()))
                .forEach((k, v) -> environment.put(k, String.valueOf(v)));
        Map<String, String> dependsOn = new LinkedHashMap<>();
        switch (d.get("depends_on")) {
            case null -> {}
            case List<?> l -> l.forEach(x -> dependsOn.put((String) x, "service_started"));
            case Map<?, ?> m ->
                m.forEach((k, v) -> dependsOn.put((String) k, (String) ((Map<String, Object>) v).get("condition")));
            default -> throw new IllegalArgumentException("depends_on of " + name);
        }
        HealthCheck health = null;
        if (d.get("healthcheck") instanceof Map<?, ?> h) {
            require(
                    h.keySet().stream()
                            .allMatch(k -> Set.of("test", "interval", "timeout", "retries", "start_period")
                                    .contains(k)),
                    "healthcheck keys of " + name);
            List<String> test = h.get("test") instanceof String s
                    ? List.of("CMD-SHELL", s)
                    : ((List<?>) h.get("test")).stream().map(String::valueOf).toList();
            health = new HealthCheck(
                    test,
                    (String) h.get("interval"),
                    (String) h.get("timeout"),
                    h.get("retries") == null ? 0 : (Integer) h.get("retries"),
                    (String) h.get("start_period"));
        }
        return new Service(
                name,
                (String) d.get("image"),
                build,
                command,
                environment,
                dependsOn,
                health,
                ((List<?>) d.getOrDefault("volumes", List.of()))
                        .stream().map(String::valueOf).toList(),
                ((List<?>) d.getOrDefault("ports", List.of()))
                        .stream().map(String::valueOf).toList(),
                d.get("mem_limit") == null ? null : String.valueOf(d.get("mem_limit")),
                d.get("memswap_limit") == null ? null : String.valueOf(d.get("memswap_limit")),
                (String) d.get("restart"),
                duration((String) d.getOrDefault("stop_grace_period", "10s")),
                ((List<?>) d.getOrDefault("profiles", List.of()))
                        .stream().map(String::valueOf).toList(),
                d.get("deploy"));
    }

    /** Compose's interpolation of every string value: {@code $$}, {@code $VAR}, {@code ${VAR}}, {@code :-}, {@code -}, {@code :?}, {@code ?}. */
    static Object interpolate(Object node, Map<String, String> variables) {
        return switch (node) {
            case String s -> interpolate(s, variables);
            case Map<?, ?> m -> {
                Map<String, Object> out = new LinkedHashMap<>();
                m.forEach((k, v) -> out.put((String) k, interpolate(v, variables)));
                yield out;
            }
            case List<?> l -> l.stream().map(v -> interpolate(v, variables)).toList();
            default -> node;
        };
    }

    static String interpolate(String text, Map<String, String> variables) {
        Matcher m = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement;
            if (m.group(1).equals("$")) {
                replacement = "$";
            } else {
                String name = m.group(2) != null ? m.group(2) : m.group(6);
                String value = variables.get(name);
                String op = m.group(4);
                String arg = m.group(5);
                if (op == null) {
                    replacement = value == null ? "" : value;
                } else {
                    boolean missing = op.startsWith(":") ? value == null || value.isEmpty() : value == null;
                    if (op.endsWith("-")) {
                        replacement = missing ? arg : value;
                    } else if (missing) {
                        throw new IllegalArgumentException("required variable " + name + ": " + arg);
                    } else {
                        replacement = value;
                    }
                }
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** A command given as one string, split as Compose splits it (shell words, quotes, no expansion). */
    static List<String> split(String command) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else if (c == '\\' && quote == '"' && i + 1 < command.length()) {
                    word.append(command.charAt(++i));
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else if (c == '\\' && i + 1 < command.length()) {
                word.append(command.charAt(++i));
                inWord = true;
            } else {
                word.append(c);
                inWord = true;
            }
        }
        require(quote == 0, "closed quotes in " + command);
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }

    static Duration duration(String compose) {
        Matcher m = Pattern.compile("(\\d+)(ms|s|m|h)").matcher(compose);
        Duration total = Duration.ZERO;
        int end = 0;
        while (m.find()) {
            require(m.start() == end, "duration " + compose);
            long n = Long.parseLong(m.group(1));
            total = total.plus(
                    switch (m.group(2)) {
                        case "ms" -> Duration.ofMillis(n);
                        case "s" -> Duration.ofSeconds(n);
                        case "m" -> Duration.ofMinutes(n);
                        default -> Duration.ofHours(n);
                    });
            end = m.end();
        }
        require(end == compose.length() && end > 0, "duration " + compose);
        return total;
    }

    private static String jsonArray(List<String> words) {
        StringBuilder out = new StringBuilder("[");
        for (String w : words) {
            if (out.length() > 1) out.append(',');
            out.append('"')
                    .append(w.replace("\\", "\\\\").replace("\"", "\\\""))
                    .append('"');
        }
        return out.append(']').toString();
    }

    private static void require(boolean condition, String what) {
        if (!condition) {
            throw new IllegalArgumentException("docker/compose.yaml: not understood by the test harness: " + what);
        }
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
