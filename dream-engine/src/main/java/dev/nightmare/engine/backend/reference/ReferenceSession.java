package dev.nightmare.engine.backend.reference;

import dev.nightmare.engine.backend.Backend;
import dev.nightmare.engine.backend.DreamSession;
import dev.nightmare.engine.backend.Jitter;
import dev.nightmare.engine.backend.LayerStack;
import dev.nightmare.engine.backend.Regions;
import dev.nightmare.engine.backend.SessionOptions;
import dev.nightmare.engine.backend.SessionStats;
import dev.nightmare.engine.backend.Tensor;
import dev.nightmare.engine.image.ImageOps;
import dev.nightmare.engine.model.Model;
import dev.nightmare.engine.model.Shape;
import java.util.HashMap;
import java.util.Map;

/** The reference session: every step in plain Java on heap arrays, written to be obviously right. */
final class ReferenceSession implements DreamSession {
    private record StackKey(int layer, int width, int height) {}

    private final ReferenceBackend backend;
    private final Model model;
    private final SessionOptions options;
    private final Parallel parallel;
    private final Map<StackKey, ReferenceStack> stacks = new HashMap<>();
    private long skippedSteps;
    private double lastMagnitude = Double.NaN;

    ReferenceSession(ReferenceBackend backend, Model model, SessionOptions options, Parallel parallel) {
        this.backend = backend;
        this.model = model;
        this.options = options;
        this.parallel = parallel;
    }

    @Override
    public Model model() {
        return model;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public SessionOptions options() {
        return options;
    }

    private static ArrayTensor array(Tensor t) {
        return (ArrayTensor) t;
    }

    @Override
    public Tensor allocate(Shape shape) {
        return new ArrayTensor(shape);
    }

    @Override
    public void write(Tensor tensor, float[] chw) {
        float[] data = array(tensor).data;
        checkLength(chw.length, data.length);
        System.arraycopy(chw, 0, data, 0, data.length);
    }

    @Override
    public void read(Tensor tensor, float[] chw) {
        float[] data = array(tensor).data;
        checkLength(chw.length, data.length);
        System.arraycopy(data, 0, chw, 0, data.length);
    }

    private static void checkLength(int host, int device) {
        if (host < device) {
            throw new IllegalArgumentException(
                    "host array of " + host + " floats is shorter than the tensor's " + device);
        }
    }

    @Override
    public void readRegion(Tensor tensor, int x, int y, int width, int height, float[] chw) {
        Shape s = tensor.shape();
        Regions.copy(
                array(tensor).data, s.width(), s.height(), x, y, chw, width, height, 0, 0, width, height, s.channels());
    }

    @Override
    public void writeRegion(Tensor tensor, int x, int y, int width, int height, float[] chw) {
        Shape s = tensor.shape();
        Regions.copy(
                chw, width, height, 0, 0, array(tensor).data, s.width(), s.height(), x, y, width, height, s.channels());
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        write(dst, array(src).data);
    }

    @Override
    public LayerStack stack(int targetLayer, int width, int height) {
        return stacks.computeIfAbsent(
                new StackKey(targetLayer, width, height),
                k -> new ReferenceStack(model, options.batchNormGradient(), parallel, targetLayer, width, height));
    }

    @Override
    public void jitter(Tensor image, Jitter jitter, LayerStack stack) {
        ArrayTensor im = array(image);
        ReferenceStack s = (ReferenceStack) stack;
        Shape is = im.shape();
        int w = is.width(), h = is.height(), c = is.channels();
        float[] cropped = new float[w * h * c];
        ImageOps.crop(im.data, c, w, h, jitter.dx(), jitter.dy(), cropped, w, h);
        int ws = s.inputShape.width(), hs = s.inputShape.height();
        ImageOps.resize(cropped, c, w, h, s.input.data, ws, hs);
        if (jitter.flip()) {
            ImageOps.flip(s.input.data, c, ws, hs);
        }
    }

    @Override
    public void forward(LayerStack stack) {
        ReferenceStack s = (ReferenceStack) stack;
        for (int i = 0; i <= s.targetLayer; i++) {
            s.layers[i].forward(s.layerInput(i));
        }
    }

    @Override
    public void thresholdGradient(LayerStack stack, float thresh) {
        ReferenceStack s = (ReferenceStack) stack;
        float[] out = s.output().data;
        float[] grad = s.outputGradient.data;
        float mean = mean(out);
        float variance = variance(out, mean);
        // darknet calculate_loss: mean + thresh·sqrt(var), compared in double.
        double threshold = mean + thresh * Math.sqrt(variance);
        for (int i = 0; i < out.length; i++) {
            grad[i] = out[i] > threshold ? out[i] : 0f;
        }
    }

    @Override
    public void backward(LayerStack stack) {
        ReferenceStack s = (ReferenceStack) stack;
        float[] delta = s.layers[s.targetLayer].delta;
        System.arraycopy(s.outputGradient.data, 0, delta, 0, delta.length);
        for (int i = s.targetLayer; i >= 0; i--) {
            s.layers[i].backward(s.layerInputGradient(i));
        }
    }

    @Override
    public void unjitter(LayerStack stack, Jitter jitter, Tensor imageGradient) {
        ReferenceStack s = (ReferenceStack) stack;
        ArrayTensor out = array(imageGradient);
        int ws = s.inputShape.width(), hs = s.inputShape.height(), c = s.inputShape.channels();
        int w = out.shape().width(), h = out.shape().height();
        if (jitter.flip()) {
            ImageOps.flip(s.inputGradient.data, c, ws, hs);
        }
        float[] resized = new float[w * h * c];
        ImageOps.resize(s.inputGradient.data, c, ws, hs, resized, w, h);
        ImageOps.crop(resized, c, w, h, -jitter.dx(), -jitter.dy(), out.data, w, h);
    }

    @Override
    public void ascend(Tensor image, Tensor imageGradient, float rate, boolean normalize) {
        float[] im = array(image).data;
        float[] d = array(imageGradient).data;
        for (int i = 0; i < d.length; i++) {
            d[i] += 0.1f * (0.5f - im[i]);
        }
        if (normalize) {
            float mu = mean(d);
            float sigma = (float) Math.sqrt(variance(d, mu));
            if (sigma == 0) {
                skippedSteps++;
                return;
            }
            for (int i = 0; i < d.length; i++) {
                d[i] = (d[i] - mu) / sigma;
            }
        }
        for (int i = 0; i < d.length; i++) {
            im[i] = Math.clamp(im[i] + rate * d[i], 0f, 1f);
        }
    }

    @Override
    public void reconstructionGradient(LayerStack stack, Tensor features) {
        ReferenceStack s = (ReferenceStack) stack;
        float[] f = array(features).data;
        float[] out = s.output().data;
        float[] grad = s.outputGradient.data;
        for (int i = 0; i < grad.length; i++) {
            grad[i] = f[i] - out[i];
        }
    }

    @Override
    public void momentumStep(Tensor image, Tensor update, LayerStack stack, float rate, float momentum) {
        float[] r = array(image).data;
        float[] u = array(update).data;
        float[] d = ((ReferenceStack) stack).inputGradient.data;
        double squares = 0;
        for (int i = 0; i < r.length; i++) {
            u[i] += d[i];
            r[i] += rate * u[i];
            u[i] *= momentum;
            r[i] = Math.clamp(r[i], 0f, 1f);
            squares += (double) d[i] * d[i];
        }
        lastMagnitude = Math.sqrt(squares);
    }

    @Override
    public void rotate(Tensor image, float radians) {
        ArrayTensor im = array(image);
        Shape s = im.shape();
        float[] out = new float[im.data.length];
        ImageOps.rotate(im.data, s.channels(), s.width(), s.height(), radians, out);
        System.arraycopy(out, 0, im.data, 0, out.length);
    }

    @Override
    public void zoom(Tensor image, float zoom) {
        ArrayTensor im = array(image);
        Shape s = im.shape();
        ImageOps.ZoomWindow win = ImageOps.ZoomWindow.of(s.width(), s.height(), zoom);
        float[] cropped = new float[win.width() * win.height() * s.channels()];
        ImageOps.crop(
                im.data, s.channels(), s.width(), s.height(), win.dx(), win.dy(), cropped, win.width(), win.height());
        ImageOps.resize(cropped, s.channels(), win.width(), win.height(), im.data, s.width(), s.height());
    }

    @Override
    public SessionStats takeStats() {
        SessionStats stats = new SessionStats(skippedSteps, lastMagnitude);
        skippedSteps = 0;
        lastMagnitude = Double.NaN;
        return stats;
    }

    @Override
    public void close() {
        stacks.clear();
    }

    /** Mean in double, rounded to float (darknet's mean_array is a float sum; any order is within tolerance). */
    static float mean(float[] a) {
        double sum = 0;
        for (float v : a) {
            sum += v;
        }
        return (float) (sum / a.length);
    }

    /** Population variance about a float mean (darknet variance_array), accumulated in double. */
    static float variance(float[] a, float mean) {
        double sum = 0;
        for (float v : a) {
            float d = v - mean;
            sum += d * d;
        }
        return (float) (sum / a.length);
    }
}
