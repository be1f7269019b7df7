package dev.nightmare.contracts;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.nightmare.engine.image.ImageText;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What made one output image, carried in the image itself (the text entry {@link #KEY}: a PNG
 * text chunk, a JPEG comment) as one compact JSON line: with the same input and model, these
 * values rerun the dream, and on the same backend kind the image comes out bit-identical ({@code
 * nightmare --recipe-from IMAGE}). Written by the CLI into every output and by the worker into
 * every round image; read with {@link #fromImage}.
 *
 * <pre>{@code
 * {"schemaVersion":1,"options":{"model":"tiny","layer":12,"rounds":4,"iters":20,"range":3,
 *  "octaves":4,"rate":0.01,"thresh":1.0,"zoom":1.0,"rotate":0.0,"norm":true,"reconstruct":false,
 *  "momentum":0.9,"seed":42,"rng":"seeded","format":"jpg"},"modelSha256":"5168…","round":2,
 *  "engineVersion":"0.1.0","backend":"onednn","input":{"name":"dog.jpg","sha256":"…","width":768,
 *  "height":576}}
 * }</pre>
 *
 * @param schemaVersion {@link #SCHEMA_VERSION}; a reader refuses any other
 * @param options the run's resolved options ({@link JobOptions#isResolved()}): model name, seed
 *     and rng mode included
 * @param modelSha256 the model version ({@code Model.sha256}: cfg and weights)
 * @param round the round this image is (0-based, as the file names and the API count)
 * @param engineVersion the engine that ran it
 * @param backend the backend's name ({@code cuda}, {@code onednn}, {@code vector}, {@code
 *     reference}): reruns on the same one are bit-identical
 * @param backendOptions backend settings that were given ({@code --backend-options}); null: none
 * @param arithmetic {@code darknet} when darknet's forward rounding was asked for; null: the fast one
 * @param bnGradient {@code exact} when the exact batch-norm gradient was asked for; null: darknet's
 * @param input what is known of the input; null: nothing
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Recipe(
        int schemaVersion,
        JobOptions options,
        String modelSha256,
        int round,
        String engineVersion,
        String backend,
        Map<String, String> backendOptions,
        String arithmetic,
        String bnGradient,
        Input input) {

    public static final int SCHEMA_VERSION = 1;

    /** The text entry's key in PNG and JPEG files. */
    public static final String KEY = "nightmare-recipe";

    /**
     * The input the run started from.
     *
     * @param name its file name, without directories (the CLI's input; null for service jobs)
     * @param sha256 hex SHA-256 of its file's bytes (null when not known)
     * @param width the width the run started from (after any {@code maxSide} downscale)
     * @param height the height the run started from
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Input(String name, String sha256, int width, int height) {}

    /**
     * The recipe of round {@code round} of a service job: the request's options, model version and
     * input size, and the backend and engine that ran it ({@code status.json}'s run details).
     */
    public static Recipe of(JobRequest request, RunDetails run, int round) {
        return new Recipe(
                SCHEMA_VERSION,
                request.options(),
                request.modelSha256(),
                round,
                run.engineVersion(),
                run.backend(),
                null,
                null,
                request.options().isExactBnGradient() ? JobOptions.EXACT_BN_GRADIENT : null,
                new Input(null, null, request.inputWidth(), request.inputHeight()));
    }

    /** This recipe for another round of the same run. */
    public Recipe withRound(int other) {
        return new Recipe(
                schemaVersion,
                options,
                modelSha256,
                other,
                engineVersion,
                backend,
                backendOptions,
                arithmetic,
                bnGradient,
                input);
    }

    /** The one compact JSON line. */
    public String toJson() {
        return new String(ContractJson.write(this), StandardCharsets.UTF_8);
    }

    /** The text entry to give {@code ImageCodec.encode}. */
    public Map<String, String> imageText() {
        return Map.of(KEY, toJson());
    }

    /** A recipe's JSON line, strictly read ({@link ContractJson#readRecipe}). */
    public static Recipe fromJson(String json) {
        return ContractJson.readRecipe(json.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The recipe an image file carries; empty when it carries none.
     *
     * @throws ContractException when it carries one that cannot be read (damaged, or a schema
     *     version this code does not know)
     */
    public static Optional<Recipe> fromImage(byte[] file) {
        return ImageText.read(file, KEY).map(Recipe::fromJson);
    }

    /** Contract violations, one line each; empty when the recipe can be rerun. */
    @JsonIgnore
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (options == null) {
            problems.add("options are missing");
        } else {
            if (!options.isResolved()) {
                problems.add("options are not resolved (a default is missing): " + options);
            }
            options.problems().forEach(p -> problems.add(p.message()));
            if (options.rounds() != null && (round < 0 || round >= options.rounds())) {
                problems.add("round " + round + " is not one of the run's " + options.rounds() + " rounds");
            }
        }
        if (modelSha256 == null || !modelSha256.matches("[0-9a-f]{64}")) {
            problems.add("modelSha256 '" + modelSha256 + "' is not a SHA-256 (64 lower-case hex digits)");
        }
        if (engineVersion == null || engineVersion.isBlank()) {
            problems.add("engineVersion is missing");
        }
        if (backend == null || backend.isBlank()) {
            problems.add("backend is missing");
        }
        if (arithmetic != null && !arithmetic.equals("darknet") && !arithmetic.equals("fast")) {
            problems.add("arithmetic '" + arithmetic + "' is unknown; expected fast or darknet");
        }
        if (bnGradient != null && !bnGradient.equals("darknet") && !bnGradient.equals("exact")) {
            problems.add("bnGradient '" + bnGradient + "' is unknown; expected darknet or exact");
        }
        if (input != null && (input.width() < 1 || input.height() < 1)) {
            problems.add("input size " + input.width() + "×" + input.height() + " is not positive");
        }
        return problems;
    }
}
