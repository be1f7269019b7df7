package dev.nightmare.cli;

import dev.nightmare.contracts.ModelPresets;
import dev.nightmare.contracts.Preset;
import dev.nightmare.contracts.Presets;
import dev.nightmare.engine.model.Model;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code nightmare presets [MODEL]}: the catalogue ({@link Presets}) as the command line uses it:
 * per model its description, the layers worth dreaming on and each preset with its darknet
 * options. MODEL is a model name or a cfg file (its base name is the model's name).
 */
final class PresetsCommand {
    private final PrintStream out;

    PresetsCommand(PrintStream out) {
        this.out = out;
    }

    int run(String[] words) {
        Arguments args = Arguments.parse(words, Set.of(), Set.of());
        List<String> pos = args.positionals();
        if (pos.size() > 1) {
            throw new UsageException("presets expects at most MODEL (a name or a cfg), e.g. nightmare presets tiny");
        }
        if (pos.isEmpty()) {
            for (ModelPresets m : Presets.models()) {
                print(m.model(), m);
            }
            print("any other model", Presets.fallback());
            return 0;
        }
        String name = pos.getFirst().endsWith(".cfg")
                ? NightmareCommand.modelName(Path.of(pos.getFirst()))
                : Model.baseName(pos.getFirst());
        if (Presets.described(name).isPresent()) {
            print(name, Presets.forModel(name));
        } else {
            print(name + " (not described: the general presets, with a LAYER of yours)", Presets.fallback());
        }
        return 0;
    }

    private void print(String title, ModelPresets m) {
        out.println(title + ": " + m.description());
        if (!m.recommendedLayers().isEmpty()) {
            out.println("  layers worth dreaming on: "
                    + m.recommendedLayers().stream()
                            .map(l -> l.layer() + " (" + l.why() + ")")
                            .collect(Collectors.joining(", ")));
        }
        int width = m.presets().stream().mapToInt(p -> p.name().length()).max().orElse(0) + 10;
        for (Preset p : m.presets()) {
            String name = p.name() + (p.name().equals(m.defaultPreset()) ? " (default)" : "");
            out.println("  --preset " + String.format("%-" + width + "s", name) + p.commandLine());
            out.println("  " + " ".repeat(width + 9) + p.description());
        }
        out.println();
    }

    /** One line per model for {@code --help}: its presets' names. */
    static String summary() {
        StringBuilder b = new StringBuilder("presets (nightmare presets [MODEL] shows their options and layers):\n");
        for (ModelPresets m : Presets.models()) {
            b.append("  ").append(m.model()).append(": ").append(names(m)).append('\n');
        }
        b.append("  any other model: ").append(names(Presets.fallback())).append('\n');
        return b.toString();
    }

    private static String names(ModelPresets m) {
        return m.presets().stream()
                .map(p -> p.name().equals(m.defaultPreset()) ? p.name() + " (default)" : p.name())
                .collect(Collectors.joining(", "));
    }
}
