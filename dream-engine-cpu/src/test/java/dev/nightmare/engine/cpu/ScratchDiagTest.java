package dev.nightmare.engine.cpu;

import dev.nightmare.engine.backend.*;
import dev.nightmare.engine.backend.reference.ReferenceBackend;
import dev.nightmare.engine.cpu.onednn.OneDnnBackendProvider;
import dev.nightmare.engine.image.*;
import dev.nightmare.engine.model.*;
import dev.nightmare.engine.testing.*;
import java.util.*;
import org.junit.jupiter.api.Test;

class ScratchDiagTest {
    @Test
    void diag() throws Exception {
        String cfg = System.getProperty("diag.cfg", "jnet-conv");
        int layer = Integer.getInteger("diag.layer", 11);
        Model model = Model.load(Shared.models().resolve(cfg + ".cfg"), Shared.syntheticWeights(cfg), w -> {});
        Image im = ImageCodec.read(Shared.images().resolve("dog_256.png"), ImageCodec.DEFAULT_MAX_PIXELS);
        int w = im.width(), h = im.height();
        if (Boolean.getBoolean("diag.noise")) {
            im = new Image(w, h, 3, TestModels.uniform(5, 3 * w * h, 0, 1));
        }
        int ties = 0;
        float[] d = im.data();
        for (int i = 1; i < d.length; i++) if (d[i] == d[i - 1]) ties++;
        System.out.println("equal neighbours " + ties);
        Jitter j = new Jitter(Integer.getInteger("diag.dx", 2), Integer.getInteger("diag.dy", 6), false);
        try (Backend ref = new ReferenceBackend(2);
                Backend dnn = new OneDnnBackendProvider().create(new BackendConfig(2, Map.of()));
                DreamSession a = ref.open(model, SessionOptions.DEFAULT);
                DreamSession b = dnn.open(model, SessionOptions.DEFAULT)) {
            Map<String, List<float[]>> got = new LinkedHashMap<>();
            for (DreamSession s : new DreamSession[] {a, b}) {
                Tensor image = s.upload(im);
                Tensor grad = s.allocate(new Shape(3, h, w));
                LayerStack st = s.stack(layer, Integer.getInteger("diag.ws", w), Integer.getInteger("diag.ws", h));
                s.jitter(image, j, st);
                got.computeIfAbsent("jitter", k -> new ArrayList<>()).add(read(s, st.input()));
                s.forward(st);
                got.computeIfAbsent("forward", k -> new ArrayList<>()).add(read(s, st.output()));
                s.thresholdGradient(st, 1f);
                got.computeIfAbsent("threshold", k -> new ArrayList<>()).add(read(s, st.outputGradient()));
                s.backward(st);
                got.computeIfAbsent("backward", k -> new ArrayList<>()).add(read(s, st.inputGradient()));
                s.unjitter(st, j, grad);
                got.computeIfAbsent("unjitter", k -> new ArrayList<>()).add(read(s, grad));
                s.ascend(image, grad, 0.04f, true);
                got.computeIfAbsent("ascend-grad", k -> new ArrayList<>()).add(read(s, grad));
                got.computeIfAbsent("ascend-image", k -> new ArrayList<>()).add(read(s, image));
            }
            got.forEach((k, v) -> System.out.println(k + ": " + Compare.of(v.get(0), v.get(1))));
            float[] t0 = got.get("threshold").get(0), t1 = got.get("threshold").get(1);
            int nz0 = 0, nz1 = 0;
            for (int i = 0; i < t0.length; i++) {
                if (t0[i] != 0) nz0++;
                if (t1[i] != 0) nz1++;
            }
            System.out.println("nonzero " + nz0 + " vs " + nz1);
        }
    }

    static float[] read(DreamSession s, Tensor t) {
        float[] o = new float[(int) t.shape().size()];
        s.read(t, o);
        return o;
    }
}
