package dev.nightmare.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.nightmare.contracts.ContractException;
import dev.nightmare.contracts.ContractJson;
import dev.nightmare.contracts.Recipe;
import dev.nightmare.engine.backend.BackendProvider;
import dev.nightmare.engine.backend.Backends;
import dev.nightmare.engine.image.Image;
import dev.nightmare.engine.image.ImageCodec;
import dev.nightmare.engine.model.Model;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@code --recipe-from IMAGE}: the recipe an output carries, what the rerun needs from it (the
 * model version, the input, the backend), and whether the rerun's round came out as the original.
 * Refuses what cannot reproduce it (another model version) and warns about what will change it
 * (another input, a backend that cannot run here).
 */
final class RecipeRerun {
    private final Path source;
    private final byte[] sourceBytes;
    private final Recipe recipe;

    private RecipeRerun(Path source, byte[] sourceBytes, Recipe recipe) {
        this.source = source;
        this.sourceBytes = sourceBytes;
        this.recipe = recipe;
    }

    static RecipeRerun read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new UsageException("--recipe-from " + file + " does not exist or is not a file");
        }
        byte[] bytes = Files.readAllBytes(file);
        Optional<Recipe> recipe;
        try {
            recipe = Recipe.fromImage(bytes);
        } catch (ContractException e) {
            throw new UsageException("--recipe-from " + file + ": its recipe cannot be used: " + e.getMessage());
        }
        if (recipe.isEmpty()) {
            throw new UsageException("--recipe-from " + file + " carries no recipe (no " + Recipe.KEY
                    + " entry); give an image nightmare or the service wrote");
        }
        return new RecipeRerun(file, bytes, recipe.get());
    }

    Recipe recipe() {
        return recipe;
    }

    private String modelName() {
        return recipe.options().model();
    }

    /** Where to look for files the command line leaves out: here, ./models, and beside IMAGE. */
    private List<Path> modelDirs() {
        Set<Path> dirs = new LinkedHashSet<>();
        dirs.add(Path.of("."));
        dirs.add(Path.of("models"));
        dirs.add(beside());
        return new ArrayList<>(dirs);
    }

    private Path beside() {
        Path parent = source.toAbsolutePath().getParent();
        return parent == null ? Path.of(".") : parent;
    }

    /** {@code MODEL.cfg} and {@code MODEL.weights} of the recipe's version, from the first place that has them. */
    Path[] findModel() throws IOException {
        List<Path> otherVersions = new ArrayList<>();
        for (Path dir : modelDirs()) {
            Path cfg = dir.resolve(modelName() + ".cfg");
            Path weights = dir.resolve(modelName() + ".weights");
            if (Files.isRegularFile(cfg) && Files.isRegularFile(weights)) {
                if (Model.sha256(cfg, weights).equals(recipe.modelSha256())) {
                    return new Path[] {cfg, weights};
                }
                otherVersions.add(weights);
            }
        }
        if (!otherVersions.isEmpty()) {
            throw new UsageException(source + " was dreamed with model " + modelName() + " version "
                    + shortSha(recipe.modelSha256()) + "; " + otherVersions + " (with its cfg) is another version:"
                    + " give CFG WEIGHTS INPUT of that version");
        }
        throw new UsageException(source + " was dreamed with model " + modelName() + ": give CFG WEIGHTS INPUT, or"
                + " put " + modelName() + ".cfg and " + modelName() + ".weights in the current directory, in models/"
                + " or beside " + source.getFileName());
    }

    /** The recipe's input by its name, here or beside IMAGE (the one with the recipe's bytes first). */
    Path findInput() throws IOException {
        Recipe.Input input = recipe.input();
        if (input == null || input.name() == null) {
            throw new UsageException(source + "'s recipe names no input file (a service job's input is the image"
                    + " that was uploaded): give CFG WEIGHTS INPUT");
        }
        Path first = null;
        for (Path dir : List.of(Path.of("."), beside())) {
            Path candidate = dir.resolve(input.name());
            if (Files.isRegularFile(candidate)) {
                if (input.sha256() == null
                        || input.sha256().equals(NightmareCommand.sha256(Files.readAllBytes(candidate)))) {
                    return candidate;
                }
                first = first == null ? candidate : first;
            }
        }
        if (first != null) {
            return first;
        }
        throw new UsageException("the recipe's input " + input.name() + " is neither in the current directory nor"
                + " beside " + source.getFileName() + ": give CFG WEIGHTS INPUT");
    }

    /** Refuses a model that is not the recipe's version: it cannot reproduce the image. */
    void checkModel(Path cfg, Path weights, String sha256) {
        if (!sha256.equals(recipe.modelSha256())) {
            throw new UsageException(cfg + " + " + weights + " are model version " + shortSha(sha256) + ", but "
                    + source + " was dreamed with " + modelName() + " version " + shortSha(recipe.modelSha256())
                    + " (sha256 of cfg and weights); give the cfg and weights it was dreamed with");
        }
    }

    /** Warns when the input is not the recipe's: the rerun runs, and its dream differs. */
    void checkInput(Path path, String sha256, Image input, Consumer<String> warning) {
        Recipe.Input expected = recipe.input();
        if (expected == null) {
            return;
        }
        if (expected.sha256() != null && !expected.sha256().equals(sha256)) {
            warning.accept(path + " is not the recipe's input" + (expected.name() == null ? "" : " " + expected.name())
                    + " (its sha256 differs): the dream will differ from " + source);
        } else if (expected.width() != input.width() || expected.height() != input.height()) {
            warning.accept(path + " gives a " + input.width() + "×" + input.height() + " input, the recipe's was "
                    + expected.width() + "×" + expected.height() + ": the dream will differ from " + source);
        }
    }

    /** Refuses to write a round over the image the recipe came from. */
    void checkNotOverwritten(Path output) throws IOException {
        if (Files.exists(output) && Files.isSameFile(output, source)) {
            throw new UsageException("the rerun would write its round " + recipe.round() + " over " + source
                    + " itself; give -prefix DIR to write it elsewhere");
        }
    }

    /** The recipe's backend when it runs here; else the best one here, with a warning. */
    String backendHere(Backends backends, Consumer<String> warning) {
        Optional<BackendProvider> provider = backends.providers().stream()
                .filter(p -> p.name().equals(recipe.backend()))
                .findFirst();
        Optional<String> reason = provider.isEmpty()
                ? Optional.of("this build does not have it")
                : provider.get().unavailableReason();
        if (reason.isEmpty()) {
            return recipe.backend();
        }
        warning.accept(source + " was dreamed on the " + recipe.backend() + " backend, which cannot run here ("
                + reason.get() + "); rerunning on the best one here, so the pixels will differ slightly");
        return Backends.AUTO;
    }

    /** The recipe's backend settings when rerunning on its backend; none on another. */
    Map<String, String> backendOptions(String backend) {
        return backend.equals(recipe.backend()) && recipe.backendOptions() != null ? recipe.backendOptions() : Map.of();
    }

    /**
     * Whether the rerun's round (the file {@code written}, read back from disk, made by {@code
     * made}) has the original's pixels, and when not, what the rerun changed.
     */
    String compare(Path written, Recipe made) throws IOException {
        Image original = ImageCodec.decode(sourceBytes, source.toString(), Long.MAX_VALUE);
        Image rerun = ImageCodec.read(written, Long.MAX_VALUE);
        String round = "round " + recipe.round() + " (" + written + ")";
        if (original.width() != rerun.width() || original.height() != rerun.height()) {
            return round + " differs from " + source + ": it is " + rerun.width() + "×" + rerun.height() + ", "
                    + source.getFileName() + " is " + original.width() + "×" + original.height();
        }
        float[] a = original.data();
        float[] b = rerun.data();
        long differing = 0;
        int largest = 0;
        for (int i = 0; i < a.length; i++) {
            int d = Math.round(Math.abs(a[i] - b[i]) * 255);
            if (d > 0) {
                differing++;
                largest = Math.max(largest, d);
            }
        }
        if (differing == 0) {
            return round + " matches " + source + " pixel for pixel";
        }
        List<String> changed = changes(made);
        return round + " differs from " + source + " in " + differing + " of " + a.length + " values, by up to "
                + largest + "/255 ("
                + (changed.isEmpty()
                        ? "with the same recipe: the pixels are not this build's on this backend"
                        : "the rerun changed " + String.join(", ", changed))
                + ")";
    }

    /** What {@code made} sets otherwise than the recipe read, as {@code name a → b}. */
    private List<String> changes(Recipe made) {
        Map<String, Object> before = ContractJson.mapper().convertValue(recipe.withRound(0), MAP);
        Map<String, Object> after = ContractJson.mapper().convertValue(made.withRound(0), MAP);
        List<String> changed = new ArrayList<>();
        Map<String, Object> optionsBefore = asMap(before.remove("options"));
        Map<String, Object> optionsAfter = asMap(after.remove("options"));
        differences(optionsBefore, optionsAfter, changed);
        differences(before, after, changed);
        if (!Objects.equals(recipe.options().format(), made.options().format())) {
            // JPEG is lossy: its pixels are the dream's after compression, another format's are not.
            changed.replaceAll(
                    c -> c.startsWith("format ") ? c + " (JPEG's pixels are the dream's after compression)" : c);
        }
        return changed;
    }

    private static void differences(Map<String, Object> before, Map<String, Object> after, List<String> into) {
        Set<String> names = new LinkedHashSet<>(before.keySet());
        names.addAll(after.keySet());
        for (String name : names) {
            Object a = before.get(name);
            Object b = after.get(name);
            if (!Objects.equals(a, b)) {
                into.add(name + " " + (a == null ? "(none)" : a) + " → " + (b == null ? "(none)" : b));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object value) {
        return value == null ? Map.of() : (Map<String, Object>) value;
    }

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

    private static String shortSha(String sha256) {
        return sha256.length() > 16 ? sha256.substring(0, 16) + "…" : sha256;
    }
}
