package dev.nightmare.engine.dream;

import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.Jitter;
import dev.nightmare.engine.backend.LayerStack;
import dev.nightmare.engine.backend.SessionStats;
import dev.nightmare.engine.backend.Tensor;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.engine.image.ImageOps;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.model.ShapeException;
import dev.nightmare.engine.random.DrawSequence;
import dev.nightmare.engine.random.IterationDraws;
import dev.nightmare.engine.tiling.TilePlan;
import dev.nightmare.engine.tiling.TiledIteration;
import dev.nightmare.engine.tiling.Tiling;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * darknet's {@code nightmare} (examples/nightmare.c): rounds of gradient-ascent iterations on an
 * image, each at a random octave and jitter, amplifying a chosen layer; between rounds an optional
 * rotate and zoom. The backend runs every step on image-sized data; this class keeps the loop, the
 * random draws and the checks. Each round's image is the next round's input, and the draws of any
 * round are rebuilt from (seed, round), so a run resumes from any round's {@link Checkpoint}.
 */
public final class Nightmare {
    private final DreamSession session;
    private final Tiling tiling;

    /** Runs every iteration whole (see {@link Tiling#automatic} for large images). */
    public Nightmare(DreamSession session) {
        this(session, Tiling.none());
    }

    /** @param tiling when iterations run in tiles (the result is the same either way, up to float summation order) */
    public Nightmare(DreamSession session, Tiling tiling) {
        this.session = session;
        this.tiling = tiling;
    }

    /** The tiles an iteration on {@code layer} at the full size of a {@code width × height} image runs in; empty: whole. */
    public Optional<TilePlan> tilePlan(int layer, int width, int height) {
        return tiling.plan(session, layer, width, height);
    }

    /** What reproduces a run of these options on this session. */
    public RunInfo runInfo(NightmareOptions options) {
        Model model = session.model();
        return RunInfo.of(session.backend(), options, model.name(), model.sha256());
    }

    /**
     * Everything wrong with running {@code options} on {@code spec} for a {@code width × height}
     * input, one problem per option; empty when the run can start. Checks every layer {@code
     * -range} can pick at every octave's working size, so nothing fails mid-run. Each message says
     * what would work: the model's targetable layers, the most octaves this image allows, or the
     * smallest image these layers and octaves allow.
     */
    public static List<OptionException> problems(NightmareOptions options, NetworkSpec spec, int width, int height) {
        List<OptionException> problems = new ArrayList<>();
        for (OptionException p : options.problems()) {
            // The layer is checked against the model below, where its real range is known.
            if (!p.option().equals("layer")) {
                problems.add(p);
            }
        }
        int last = spec.lastTargetableLayer();
        boolean rangeValid = problems.stream().noneMatch(p -> p.option().equals("range"));
        int range = rangeValid ? options.range() : 1;
        if (options.reconstruct()) {
            int layer = options.layer() - 1;
            if (options.layer() < 1 || layer > last) {
                problems.add(new OptionException(
                        "layer",
                        "layer " + options.layer() + " cannot be reconstructed; expected 1.." + (last + 1)
                                + " (reconstruct uses layers 0..LAYER−1)" + why(spec, layer)));
            }
        } else {
            int lowest = options.layer() - range / 2;
            int highest = options.layer() + range - 1 - range / 2;
            if (lowest < 0 || highest > last) {
                boolean layerFits = options.layer() >= 0 && options.layer() <= last;
                String which = range > 1
                        ? "with range " + range + " the layers " + lowest + ".." + highest + " fall"
                        : "layer " + options.layer() + " is";
                problems.add(new OptionException(
                        range > 1 && layerFits ? "range" : "layer",
                        which + " outside " + spec.source() + "'s targetable layers 0.." + last
                                + why(spec, Math.max(highest, options.layer()))));
            }
        }
        if (!problems.isEmpty()) {
            return problems;
        }
        if (options.reconstruct()) {
            if (spec.width() < 1 || spec.height() < 1) {
                problems.add(new OptionException(
                        "reconstruct",
                        spec.source() + " sets no [net] width/height; reconstruct mode runs at the cfg's size"));
                return problems;
            }
            try {
                spec.outputShapes(spec.width(), spec.height(), options.layer() - 1);
            } catch (ShapeException e) {
                problems.add(new OptionException("layer", e.getMessage()));
                return problems;
            }
        } else {
            sizeProblem(options, spec, width, height).ifPresent(problems::add);
            if (!problems.isEmpty()) {
                return problems;
            }
        }
        ImageOps.ZoomWindow zoom = ImageOps.ZoomWindow.of(
                options.reconstruct() ? spec.width() : width,
                options.reconstruct() ? spec.height() : height,
                options.zoom());
        if (zoom.width() < 1 || zoom.height() < 1) {
            problems.add(new OptionException(
                    "zoom", "zoom " + options.zoom() + " crops the image to nothing; use a larger zoom"));
        }
        return problems;
    }

    /** ": " and why layer {@code layer} cannot be targeted, when it exists and that is the reason; else "". */
    private static String why(NetworkSpec spec, int layer) {
        if (layer < 0 || layer >= spec.size()) {
            return "";
        }
        return spec.untargetable(layer).map(reason -> " (" + reason + ")").orElse("");
    }

    /**
     * Whether every octave's working size of a {@code width × height} image is large enough for the
     * layers {@code -range} picks; if not, the most octaves that work ({@code octaves}) or, when
     * even the full size is too small, the smallest image that works ({@code image}).
     */
    private static Optional<OptionException> sizeProblem(
            NightmareOptions options, NetworkSpec spec, int width, int height) {
        int range = options.range();
        int lowest = options.layer() - range / 2;
        int highest = options.layer() + range - 1 - range / 2;
        // The shape rules are the same across and down, so one side length bounds both.
        int side = 0;
        int needing = highest;
        for (int layer = lowest; layer <= highest; layer++) {
            int s = smallestSide(spec, layer);
            if (s < 0) {
                return Optional.of(new OptionException(
                        "layer", "layer " + layer + " cannot run at any image size: " + cannotRun(spec, layer)));
            }
            if (s > side) {
                side = s;
                needing = layer;
            }
        }
        String layers = range > 1 ? "the layers " + lowest + ".." + highest : "layer " + needing;
        String smallest = side + "×" + side;
        int fitting = 0;
        while (fitting < options.octaves() && fits(width, height, fitting, side)) {
            fitting++;
        }
        if (fitting == options.octaves()) {
            return Optional.empty();
        }
        int octave = fitting;
        float scale = scale(octave);
        String shrunk = (int) (width * scale) + "×" + (int) (height * scale);
        String larger = smallestImage(width, height, options.octaves() - 1, side);
        if (fitting == 0) {
            String fullSize = smallestImage(width, height, 0, side);
            String advice = options.octaves() == 1 || larger == null
                    ? fullSize
                    : larger + " (or " + fullSize + " with octaves 1)";
            return Optional.of(new OptionException(
                    "image",
                    "the " + width + "×" + height + " image is smaller than the " + smallest + " input " + layers
                            + " need" + (range > 1 ? "" : "s") + "; use an image of at least " + advice));
        }
        return Optional.of(new OptionException(
                "octaves",
                "octaves " + options.octaves() + " is too many for a " + width + "×" + height + " image: octave "
                        + octave + " (scale 1/1.33333333^" + octave + ") shrinks it to " + shrunk
                        + ", smaller than the "
                        + smallest + " input " + layers + " need" + (range > 1 ? "" : "s") + "; use octaves "
                        + fitting + " or fewer" + (larger != null ? ", or an image of at least " + larger : "")));
    }

    /** darknet's octave scale, as the draws compute it. */
    private static float scale(int octave) {
        return new IterationDraws(0, octave, 0, 0, false).scale();
    }

    /** Whether octave {@code octave}'s working size of a width × height image is at least side × side. */
    private static boolean fits(int width, int height, int octave, int side) {
        float scale = scale(octave);
        return (int) (width * scale) >= side && (int) (height * scale) >= side;
    }

    /**
     * The smallest image of the given one's aspect ratio (rounded up) whose {@code octave}'s working
     * size is at least side × side, as "w×h"; null when it would exceed {@link
     * ImageCodec#DEFAULT_MAX_PIXELS}.
     */
    private static String smallestImage(int width, int height, int octave, int side) {
        float scale = scale(octave);
        // The shorter side decides; the other keeps the aspect ratio.
        double factor = Math.max((double) side / (Math.min(width, height) * (double) scale), 1);
        if ((double) width * factor * height * factor > ImageCodec.DEFAULT_MAX_PIXELS) {
            return null;
        }
        long w = Math.max((long) Math.ceil(width * factor), 1);
        long h = Math.max((long) Math.ceil(height * factor), 1);
        while ((int) (w * scale) < side || (int) (h * scale) < side) {
            w++;
            h = Math.max(h, (long) Math.ceil((double) w * height / width));
        }
        return (double) w * h > ImageCodec.DEFAULT_MAX_PIXELS ? null : w + "×" + h;
    }

    /** The smallest side length n for which an n × n input runs through layers 0..layer; −1 if none. */
    private static int smallestSide(NetworkSpec spec, int layer) {
        int limit = 1 << 20;
        if (!runs(spec, limit, layer)) {
            return -1;
        }
        int lo = 1, hi = limit;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (runs(spec, mid, layer)) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    private static boolean runs(NetworkSpec spec, int side, int layer) {
        try {
            spec.outputShapes(side, side, layer);
            return true;
        } catch (ShapeException e) {
            return false;
        }
    }

    private static String cannotRun(NetworkSpec spec, int layer) {
        try {
            spec.outputShapes(1 << 20, 1 << 20, layer);
            return "";
        } catch (ShapeException e) {
            return e.getMessage();
        }
    }

    /** Runs every round from the start. */
    public void run(Image input, NightmareOptions options, DreamListener listener) throws Exception {
        run(input, options, null, listener);
    }

    /**
     * Runs the rounds after {@code resume} (or all of them when null), calling the listener after
     * every iteration and round.
     *
     * @param input the original input image (reconstruct mode derives its target features from it)
     * @param resume the last completed round's checkpoint, or null to start at round 0
     * @throws OptionException if the options cannot run on this model and image
     * @throws CancelledException if the listener cancels
     * @throws NonFiniteImageException if a round's image holds NaN or infinity
     */
    public void run(Image input, NightmareOptions options, Checkpoint resume, DreamListener listener) throws Exception {
        NetworkSpec spec = session.model().spec();
        List<OptionException> problems = problems(options, spec, input.width(), input.height());
        if (!problems.isEmpty()) {
            throw problems.getFirst();
        }
        try {
            if (options.reconstruct()) {
                reconstruct(input, options, resume, listener);
            } else {
                dream(input, options, resume, listener);
            }
        } finally {
            // What a finished run held only for speed goes back (a long-lived session keeps its weights).
            session.endRun();
        }
    }

    private void dream(Image input, NightmareOptions o, Checkpoint resume, DreamListener listener) throws Exception {
        int firstRound = resume == null ? 0 : resume.round() + 1;
        Image start = resume == null ? input : resume.image();
        long kernelWeights = session.model().spec().convolutionalKernelWeights();
        try (Tensor image = session.upload(start);
                TiledIteration tiled = new TiledIteration(session, tiling)) {
            if (resume != null) {
                betweenRounds(image, o);
            }
            int w = start.width();
            int h = start.height();
            // The layers -range picks share the deepest one's tiles.
            int deepest = o.layer() + o.range() - 1 - o.range() / 2;
            for (int round = firstRound; round < o.rounds(); round++) {
                long began = System.nanoTime();
                DrawSequence draws = DrawSequence.atRound(
                        o.randomMode(), o.seed(), kernelWeights, o.layer(), o.range(), o.octaves(), o.iters(), round);
                boolean tiledRound = false;
                // The gradient lives for the round's iterations: the round's image is downloaded without it.
                try (Tensor gradient = session.allocate(new Shape(3, h, w))) {
                    for (int it = 0; it < o.iters(); it++) {
                        if (listener.cancelled()) {
                            throw new CancelledException(round, it);
                        }
                        IterationDraws d = draws.next();
                        float scale = d.scale();
                        int ws = (int) (w * scale), hs = (int) (h * scale);
                        Jitter jitter = new Jitter(d.dx(), d.dy(), d.flip());
                        Optional<TilePlan> plan = tiling.plan(session, d.layer(), deepest, ws, hs);
                        if (plan.isPresent()) {
                            tiledRound = true;
                            tiled.optimize(
                                    image,
                                    gradient,
                                    d.layer(),
                                    plan.get(),
                                    jitter,
                                    o.thresh(),
                                    o.rate(),
                                    o.normalize());
                        } else {
                            LayerStack stack = session.stack(d.layer(), ws, hs);
                            session.optimize(image, gradient, stack, jitter, o.thresh(), o.rate(), o.normalize());
                        }
                        listener.onIteration(round, it, d);
                    }
                }
                if (tiledRound) {
                    // A large image's round is downloaded and encoded without the tiles' buffers beside it.
                    tiled.close();
                    session.endRun();
                }
                finishRound(round, image, null, began, listener);
                if (round + 1 < o.rounds()) {
                    betweenRounds(image, o);
                }
            }
        }
    }

    private void reconstruct(Image input, NightmareOptions o, Checkpoint resume, DreamListener listener)
            throws Exception {
        NetworkSpec spec = session.model().spec();
        LayerStack stack = session.stack(o.layer() - 1, spec.width(), spec.height());
        Image boxed = ImageOps.letterbox(input, spec.width(), spec.height());
        int firstRound = resume == null ? 0 : resume.round() + 1;
        try (Tensor image = session.upload(resume == null ? boxed : resume.image());
                Tensor features = session.allocate(stack.outputShape());
                Tensor update = resume == null || resume.momentum() == null
                        ? session.allocate(stack.inputShape())
                        : session.upload(resume.momentum())) {
            // Target features F: one forward pass of the letterboxed original input.
            session.write(stack.input(), boxed.data());
            session.forward(stack);
            session.copy(stack.output(), features);
            if (resume != null) {
                betweenRounds(image, o);
            }
            for (int round = firstRound; round < o.rounds(); round++) {
                long began = System.nanoTime();
                for (int it = 0; it < o.iters(); it++) {
                    if (listener.cancelled()) {
                        throw new CancelledException(round, it);
                    }
                    session.copy(image, stack.input());
                    session.forward(stack);
                    session.reconstructionGradient(stack, features);
                    session.backward(stack);
                    session.momentumStep(image, update, stack, o.rate(), o.momentum());
                    listener.onIteration(round, it, null);
                }
                finishRound(round, image, update, began, listener);
                if (round + 1 < o.rounds()) {
                    betweenRounds(image, o);
                }
            }
        }
    }

    private void finishRound(int round, Tensor image, Tensor update, long began, DreamListener listener)
            throws Exception {
        Image out = session.download(image);
        int bad = out.firstNonFinite();
        if (bad >= 0) {
            throw new NonFiniteImageException(round, out.data()[bad], bad);
        }
        SessionStats stats = session.takeStats();
        Image momentum = update == null ? null : session.download(update);
        listener.onRound(new RoundResult(new Checkpoint(round, out, momentum), stats, System.nanoTime() - began));
    }

    /** nightmare.c after saving a round: rotate if asked, then the zoom crop-and-resize. */
    private void betweenRounds(Tensor image, NightmareOptions o) {
        if (o.rotateRadians() != 0) {
            session.rotate(image, o.rotateRadians());
        }
        if (o.zoom() != 1f) {
            session.zoom(image, o.zoom());
        }
    }
}
