package dev.nightmare.engine.dream;

import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.Jitter;
import dev.nightmare.engine.backend.LayerStack;
import dev.nightmare.engine.backend.SessionStats;
import dev.nightmare.engine.backend.Tensor;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageOps;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.model.ShapeException;
import dev.nightmare.engine.random.DrawSequence;
import dev.nightmare.engine.random.IterationDraws;
import java.util.ArrayList;
import java.util.List;

/**
 * darknet's {@code nightmare} (examples/nightmare.c): rounds of gradient-ascent iterations on an
 * image, each at a random octave and jitter, amplifying a chosen layer; between rounds an optional
 * rotate and zoom. The backend runs every step on image-sized data; this class keeps the loop, the
 * random draws and the checks. Each round's image is the next round's input, and the draws of any
 * round are rebuilt from (seed, round), so a run resumes from any round's {@link Checkpoint}.
 */
public final class Nightmare {
    private final DreamSession session;

    public Nightmare(DreamSession session) {
        this.session = session;
    }

    /** What reproduces a run of these options on this session. */
    public RunInfo runInfo(NightmareOptions options) {
        Model model = session.model();
        return RunInfo.of(session.backend(), options, model.name(), model.sha256());
    }

    /**
     * Everything wrong with running {@code options} on {@code spec} for a {@code width × height}
     * input, one problem per option; empty when the run can start. Checks every layer {@code
     * -range} can pick at every octave's working size, so nothing fails mid-run.
     */
    public static List<OptionException> problems(NightmareOptions options, NetworkSpec spec, int width, int height) {
        List<OptionException> problems = new ArrayList<>(options.problems());
        if (!problems.isEmpty()) {
            return problems;
        }
        int last = spec.lastTargetableLayer();
        if (options.reconstruct()) {
            int layer = options.layer() - 1;
            if (options.layer() < 1 || layer > last) {
                problems.add(new OptionException(
                        "layer",
                        "layer " + options.layer() + " cannot be reconstructed; expected 1.." + (last + 1)
                                + " (reconstruct uses layers 0..LAYER−1)"));
                return problems;
            }
            if (spec.width() < 1 || spec.height() < 1) {
                problems.add(new OptionException(
                        "reconstruct",
                        spec.source() + " sets no [net] width/height; reconstruct mode runs at the cfg's size"));
                return problems;
            }
            shapeProblem(problems, "layer", spec, spec.width(), spec.height(), layer);
        } else {
            int lowest = options.layer() - options.range() / 2;
            int highest = options.layer() + options.range() - 1 - options.range() / 2;
            if (lowest < 0 || highest > last) {
                String which = options.range() > 1
                        ? "with range " + options.range() + " the layers " + lowest + ".." + highest + " fall"
                        : "layer " + options.layer() + " is";
                problems.add(new OptionException(
                        options.range() > 1 && options.layer() >= 0 && options.layer() <= last ? "range" : "layer",
                        which + " outside " + spec.source() + "'s targetable layers 0.." + last));
                return problems;
            }
            for (int octave = 0; octave < options.octaves() && problems.isEmpty(); octave++) {
                float scale = new IterationDraws(0, octave, 0, 0, false).scale();
                int w = (int) (width * scale);
                int h = (int) (height * scale);
                for (int layer = lowest; layer <= highest && problems.isEmpty(); layer++) {
                    shapeProblem(problems, "octaves", spec, w, h, layer);
                }
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

    private static void shapeProblem(
            List<OptionException> problems, String option, NetworkSpec spec, int w, int h, int layer) {
        try {
            spec.outputShapes(w, h, layer);
        } catch (ShapeException e) {
            String where = option.equals("octaves") ? "at a working size of " + w + "×" + h + ", " : "";
            problems.add(new OptionException(option, where + e.getMessage()));
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
                Tensor gradient = session.allocate(new Shape(3, start.height(), start.width()))) {
            if (resume != null) {
                betweenRounds(image, o);
            }
            int w = start.width();
            int h = start.height();
            for (int round = firstRound; round < o.rounds(); round++) {
                long began = System.nanoTime();
                DrawSequence draws = DrawSequence.atRound(
                        o.randomMode(), o.seed(), kernelWeights, o.layer(), o.range(), o.octaves(), o.iters(), round);
                for (int it = 0; it < o.iters(); it++) {
                    if (listener.cancelled()) {
                        throw new CancelledException(round, it);
                    }
                    IterationDraws d = draws.next();
                    float scale = d.scale();
                    LayerStack stack = session.stack(d.layer(), (int) (w * scale), (int) (h * scale));
                    session.optimize(
                            image,
                            gradient,
                            stack,
                            new Jitter(d.dx(), d.dy(), d.flip()),
                            o.thresh(),
                            o.rate(),
                            o.normalize());
                    listener.onIteration(round, it, d);
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
