package dev.nightmare.engine.cpu.onednn;

import static dev.nightmare.engine.cpu.onednn.OneDnnRuntime.check;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_execute;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_wait;

import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;

/**
 * A primitive made once per working size with its argument array: the arguments that change per
 * run (the tensors) are given to {@link #run}, the others (workspaces, per-channel constants) are
 * bound once. Runs on the session's stream and waits for it.
 */
final class BoundPrimitive implements AutoCloseable {
    private final OneDnnRuntime runtime;
    private final dnnl_stream stream;
    private final Handle<dnnl_primitive> primitive;
    private final dnnl_exec_arg_t args;
    private final int count;
    private final String what;

    /** The primitive of {@code pd} (oneDNN generates its code now), with arguments of the kinds {@code argKinds}. */
    BoundPrimitive(
            OneDnnRuntime runtime, dnnl_stream stream, Handle<dnnl_primitive_desc> pd, String what, int... argKinds) {
        this.runtime = runtime;
        this.stream = stream;
        this.primitive = Dnnl.primitive(pd.get(), "primitive_create (" + what + ")");
        this.count = argKinds.length;
        this.what = what;
        this.args = new dnnl_exec_arg_t(count);
        for (int i = 0; i < count; i++) {
            args.getPointer(i).arg(argKinds[i]);
        }
    }

    /** Binds argument {@code index} for every later run. */
    void bind(int index, dnnl_memory m) {
        args.getPointer(index).memory(m);
    }

    /** Runs with arguments {@code 0 .. tensors.length − 1} set to {@code tensors}, the rest as bound. */
    void run(dnnl_memory... tensors) {
        for (int i = 0; i < tensors.length; i++) {
            args.getPointer(i).memory(tensors[i]);
        }
        runtime.pinThreads();
        check(dnnl_primitive_execute(primitive.get(), stream, count, args), what);
        check(dnnl_stream_wait(stream), "stream_wait");
    }

    @Override
    public void close() {
        primitive.close();
        args.close();
    }

    /** Closes each of {@code resources} (nulls skipped), all of them even when one fails; throws the first failure. */
    static void closeAll(Iterable<? extends AutoCloseable> resources) {
        RuntimeException failure = null;
        for (AutoCloseable c : resources) {
            if (c == null) {
                continue;
            }
            try {
                c.close();
            } catch (Exception e) {
                RuntimeException r = e instanceof RuntimeException re ? re : new IllegalStateException(e);
                if (failure == null) {
                    failure = r;
                } else {
                    failure.addSuppressed(r);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
