package dev.nightmare.engine.cfg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nightmare.engine.model.Activation;
import dev.nightmare.engine.model.AvgpoolSpec;
import dev.nightmare.engine.model.ConvolutionalSpec;
import dev.nightmare.engine.model.MaxpoolSpec;
import dev.nightmare.engine.model.NetworkSpec;
import dev.nightmare.engine.model.Shape;
import dev.nightmare.engine.model.ShapeException;
import dev.nightmare.engine.model.SoftmaxSpec;
import dev.nightmare.engine.testing.Shared;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetworkSpecTest {
    @Test
    void parsesVggConvWithItsLayerTable() throws IOException {
        NetworkSpec vgg = NetworkSpec.read(Shared.models().resolve("vgg-conv.cfg"), w -> {});
        assertThat(vgg.size()).isEqualTo(18);
        assertThat(vgg.layer(10)).isEqualTo(new ConvolutionalSpec(512, 3, 1, 1, false, Activation.RELU));
        assertThat(vgg.layer(2)).isEqualTo(new MaxpoolSpec(2, 2, 1));
        assertThat(vgg.weightFloats()).isEqualTo(14_714_688);
        assertThat(vgg.outputShapes(512, 512, 10).get(10)).isEqualTo(new Shape(512, 64, 64));
    }

    @Test
    void maxpoolOutputIsCeilOfHalfForOddSizes() throws IOException {
        NetworkSpec jnet = NetworkSpec.read(Shared.models().resolve("jnet-conv.cfg"), w -> {});
        List<Shape> shapes = jnet.outputShapes(101, 75, 11);
        assertThat(shapes.get(2)).isEqualTo(new Shape(32, 38, 51));
        assertThat(shapes.get(11)).isEqualTo(new Shape(256, 5, 7));
    }

    @Test
    void parsesTinyWithBatchNormOneByOneAndClassifierTailWarningOnTrainingKeys() throws IOException {
        List<String> warnings = new ArrayList<>();
        NetworkSpec tiny = NetworkSpec.read(Shared.models().resolve("tiny.cfg"), warnings::add);
        assertThat(tiny.layer(4)).isEqualTo(new ConvolutionalSpec(16, 1, 1, 0, true, Activation.LEAKY));
        assertThat(tiny.layer(tiny.size() - 2)).isInstanceOf(AvgpoolSpec.class);
        assertThat(tiny.layer(tiny.size() - 1)).isInstanceOf(SoftmaxSpec.class);
        assertThat(tiny.lastTargetableLayer())
                .as("darknet targets every layer of tiny, its avgpool (20) and softmax (21) too")
                .isEqualTo(tiny.size() - 1)
                .isEqualTo(21);
        assertThat(tiny.layer(21)).isEqualTo(new SoftmaxSpec(1, 1f, false));
        assertThat(tiny.outputShapes(144, 144, 21).subList(19, 22))
                .containsExactly(new Shape(1000, 9, 9), new Shape(1000, 1, 1), new Shape(1000, 1, 1));
        assertThat(warnings)
                .anySatisfy(w -> assertThat(w)
                        .contains("tiny.cfg:")
                        .contains("max_crop=320")
                        .contains("not used"));
        assertThat(warnings).anySatisfy(w -> assertThat(w).contains("policy=poly"));
    }

    @Test
    void netTrainingSettingsAreReportedApartFromOtherUnusedKeys() throws IOException {
        List<String> warnings = new ArrayList<>();
        List<String> netSettings = new ArrayList<>();
        NetworkSpec.read(Shared.models().resolve("tiny.cfg"), warnings::add, netSettings::add);
        assertThat(warnings).as("a stock cfg uses every key of its layers").isEmpty();
        assertThat(netSettings).hasSize(12).allSatisfy(w -> assertThat(w).contains("[net]"));

        NetworkSpec.parse(
                "typo.cfg",
                "[net]\nmomentum=0.9\n[convolutional]\nfitlers=8\nactivation=relu\n",
                warnings::add,
                netSettings::add);
        assertThat(warnings)
                .singleElement()
                .isEqualTo("typo.cfg:4: [convolutional] fitlers=8 is not used by nightmare (ignored)");
    }

    @Test
    void unknownSectionIsAnErrorNamingFileLineAndWhatWasExpected() {
        String cfg = "[net]\nwidth=8\n\n[convolutional]\nfilters=2\nactivation=relu\n[shortcut]\nfrom=-3\n";
        assertThatThrownBy(() -> NetworkSpec.parse("bad.cfg", cfg, w -> {}))
                .isInstanceOf(CfgException.class)
                .hasMessageStartingWith("bad.cfg:7:")
                .hasMessageContaining("unknown section [shortcut]")
                .hasMessageContaining("expected one of [convolutional]");
    }

    @Test
    void badValuesAreErrorsNamingTheLine() {
        assertThatThrownBy(() ->
                        NetworkSpec.parse("a.cfg", "[net]\n[convolutional]\nfilters=abc\nactivation=relu\n", w -> {}))
                .hasMessage(
                        "a.cfg:3: filters=abc in [convolutional] is not valid; expected an integer between 1 and 65536");
        assertThatThrownBy(() ->
                        NetworkSpec.parse("a.cfg", "[net]\n[convolutional]\nfilters=2\nactivation=tanh\n", w -> {}))
                .hasMessageContaining("a.cfg:4: activation=tanh")
                .hasMessageContaining("one of relu, leaky, linear");
        assertThatThrownBy(() -> NetworkSpec.parse("a.cfg", "[net]\n[convolutional]\nfilters=2\n", w -> {}))
                .hasMessageContaining("needs activation");
        assertThatThrownBy(() -> NetworkSpec.parse("a.cfg", "[convolutional]\nfilters=2\n", w -> {}))
                .hasMessageContaining("a.cfg:1: first section is [convolutional]; expected [net]");
        assertThatThrownBy(() -> NetworkSpec.parse("a.cfg", "[net]\nwidth 3\n", w -> {}))
                .hasMessageContaining("a.cfg:2:")
                .hasMessageContaining("expected key=value");
        assertThatThrownBy(() -> NetworkSpec.parse("a.cfg", "[net]\n", w -> {})).hasMessageContaining("no layers");
    }

    private static NetworkSpec cfg(String layers) {
        return NetworkSpec.parse(
                "c.cfg", "[net]\n[convolutional]\nfilters=4\nsize=1\nstride=1\nactivation=linear\n" + layers, w -> {});
    }

    @Test
    void everyLayerDarknetCanDreamThroughIsTargetableAndTheOthersSayWhyNot() {
        NetworkSpec classifier = cfg("[avgpool]\n[softmax]\ngroups=2\ntemperature=0.5\n[cost]\n");
        assertThat(classifier.layer(2)).isEqualTo(new SoftmaxSpec(2, 0.5f, false));
        assertThat(classifier.lastTargetableLayer()).isEqualTo(2);
        assertThat(classifier.untargetable(1)).isEmpty();
        assertThat(classifier.untargetable(2)).isEmpty();
        assertThat(classifier.untargetable(3))
                .hasValueSatisfying(
                        r -> assertThat(r).startsWith("layer 3 is [cost]: ").contains("training loss"));

        NetworkSpec early = cfg("[softmax]\n[avgpool]\n");
        assertThat(early.lastTargetableLayer()).isZero();
        assertThat(early.untargetable(1))
                .hasValueSatisfying(
                        r -> assertThat(r).contains("layer 1 is [softmax]").contains("cannot resize"));
        assertThat(early.untargetable(2))
                .hasValueSatisfying(r -> assertThat(r).startsWith("layer 2 is above layer 1, which is [softmax]"));
        assertThatThrownBy(() -> early.outputShapes(8, 8, 2))
                .isInstanceOf(ShapeException.class)
                .hasMessageContaining("cannot resize a [softmax]");

        NetworkSpec aboveSoftmax = cfg("[avgpool]\n[softmax]\n[maxpool]\n");
        assertThat(aboveSoftmax.lastTargetableLayer()).isEqualTo(2);
        assertThat(aboveSoftmax.untargetable(3))
                .hasValueSatisfying(r -> assertThat(r)
                        .contains("above layer 2, which is [softmax]")
                        .contains("can only be the target"));

        assertThat(cfg("[dropout]\n").untargetable(1))
                .hasValueSatisfying(r -> assertThat(r).contains("cannot resize a [dropout]"));
        assertThat(cfg("[avgpool]\n[dropout]\n").untargetable(2))
                .hasValueSatisfying(r -> assertThat(r).contains("zeroes the gradient"));
        assertThat(cfg("[avgpool]\n[softmax]\ntree=data/9k.tree\n").untargetable(2))
                .hasValueSatisfying(r -> assertThat(r).contains("hierarchical softmax"));
        assertThatThrownBy(() -> cfg("[avgpool]\n[softmax]\ngroups=3\n").outputShapes(8, 8, 2))
                .hasMessage("layer 2 [softmax] has groups=3, which does not divide its 4 inputs");
        assertThatThrownBy(() -> cfg("[avgpool]\n[softmax]\ntemperature=0\n"))
                .hasMessageContaining("temperature=0 in [softmax] is not valid; expected a number above 0");
    }

    @Test
    void shapesThatReachNothingAreRefusedWithTheLayerAndSize() {
        NetworkSpec strided = NetworkSpec.parse(
                "s.cfg", "[net]\n[convolutional]\nfilters=1\nsize=5\nstride=2\npad=0\nactivation=linear\n", w -> {});
        assertThatThrownBy(() -> strided.outputShapes(3, 3, 0))
                .isInstanceOf(ShapeException.class)
                .hasMessageContaining("layer 0 [convolutional] gets a 3×3 input");
        assertThatThrownBy(() -> strided.outputShapes(8, 8, 1)).hasMessageContaining("layer 1 is out of range");
    }
}
