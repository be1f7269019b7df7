package dev.nightmare.cli;

import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.SyntheticWeights;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** {@code nightmare synth-weights CFG OUT [--seed N]}: deterministic weights (SYNTHETIC_WEIGHTS.md). */
final class SynthWeightsCommand {
    private final PrintStream out;

    SynthWeightsCommand(PrintStream out) {
        this.out = out;
    }

    int run(String[] words) throws Exception {
        Arguments args = Arguments.parse(words, Set.of("seed"), Set.of());
        List<String> pos = args.positionals();
        if (pos.size() != 2) {
            throw new UsageException(
                    "synth-weights expects CFG OUT, e.g. nightmare synth-weights vgg-conv.cfg vgg-conv.weights");
        }
        Path cfg = Path.of(pos.get(0));
        if (!Files.isRegularFile(cfg)) {
            throw new UsageException("cfg file " + cfg + " does not exist or is not a file");
        }
        NetworkSpec spec = NetworkSpec.read(cfg, w -> {});
        Path target = Path.of(pos.get(1));
        SyntheticWeights.write(spec, args.longValue("seed", SyntheticWeights.DEFAULT_SEED), target);
        out.println(target + " " + Files.size(target) + " bytes sha256 " + Model.sha256(target));
        return 0;
    }
}
