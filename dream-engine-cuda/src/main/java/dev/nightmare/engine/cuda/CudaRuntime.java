package dev.nightmare.engine.cuda;

import dev.nightmare.engine.backend.BackendUnavailableException;
import java.util.Optional;
import jcuda.CudaException;
import jcuda.driver.JCudaDriver;
import jcuda.jcudnn.JCudnn;

/**
 * What this process can use of CUDA, probed once: the driver (libcuda.so.1 through JCuda's driver
 * API), at least one device, a driver new enough for the kernels' PTX, and cuDNN (see {@link
 * CudnnLibrary}). A failure at any step becomes a one-line reason, never a crash: missing native
 * libraries surface as {@link LinkageError}, driver errors as {@link CudaException}.
 */
final class CudaRuntime {
    /** The committed PTX declares ISA 8.0, which CUDA 12.0 drivers accept. */
    static final int MINIMUM_DRIVER_VERSION = 12_000;

    private static CudaRuntime instance;
    private static String failure;

    final int driverVersion;
    final int deviceCount;
    final CudnnLibrary.Loaded cudnn;

    private CudaRuntime(int driverVersion, int deviceCount, CudnnLibrary.Loaded cudnn) {
        this.driverVersion = driverVersion;
        this.deviceCount = deviceCount;
        this.cudnn = cudnn;
    }

    /** Empty when CUDA and cuDNN can run here; otherwise why not, in one line. */
    static synchronized Optional<String> unavailableReason() {
        probe();
        return Optional.ofNullable(failure);
    }

    /** The probed runtime, or {@link BackendUnavailableException} with the reason. */
    static synchronized CudaRuntime get() {
        probe();
        if (failure != null) {
            throw new BackendUnavailableException(failure);
        }
        return instance;
    }

    private static void probe() {
        if (instance != null || failure != null) {
            return;
        }
        try {
            instance = start();
        } catch (LinkageError e) {
            failure = linkageReason(e);
        } catch (CudaException e) {
            failure = "CUDA driver error: " + firstLine(e.getMessage());
        } catch (CudnnLibrary.Unavailable e) {
            failure = e.getMessage();
        } catch (RuntimeException e) {
            failure = "CUDA probe failed: " + firstLine(String.valueOf(e));
        }
    }

    private static CudaRuntime start() throws CudnnLibrary.Unavailable {
        JCudaDriver.setExceptionsEnabled(true);
        try {
            JCudaDriver.cuInit(0);
        } catch (CudaException e) {
            String message = String.valueOf(e.getMessage());
            if (message.contains("NO_DEVICE")) {
                throw new CudaException("no CUDA device (cuInit: CUDA_ERROR_NO_DEVICE)");
            }
            throw e;
        }
        int[] count = new int[1];
        JCudaDriver.cuDeviceGetCount(count);
        if (count[0] < 1) {
            throw new CudaException("no CUDA device");
        }
        int[] version = new int[1];
        JCudaDriver.cuDriverGetVersion(version);
        if (version[0] < MINIMUM_DRIVER_VERSION) {
            throw new CudaException("the NVIDIA driver supports CUDA " + versionString(version[0])
                    + "; Nightmare's kernels need CUDA " + versionString(MINIMUM_DRIVER_VERSION) + " or newer");
        }
        CudnnLibrary.Loaded cudnn = CudnnLibrary.load();
        JCudnn.setExceptionsEnabled(false);
        long seen = JCudnn.cudnnGetVersion();
        if (seen != cudnn.version()) {
            throw new CudnnLibrary.Unavailable(
                    "JCudnn sees cuDNN " + seen + " but " + cudnn.how() + " reported " + cudnn.version());
        }
        return new CudaRuntime(version[0], count[0], cudnn);
    }

    static String versionString(int cudaVersion) {
        return cudaVersion / 1000 + "." + (cudaVersion % 1000) / 10;
    }

    /** JCuda's loader explains a missing native over many lines; the cause's first line says it. */
    static String linkageReason(LinkageError e) {
        Throwable deepest = e;
        while (deepest.getCause() != null) {
            deepest = deepest.getCause();
        }
        String all = e + " " + deepest;
        if (all.contains("libcuda.so")) {
            return "no NVIDIA driver: libcuda.so.1 cannot be loaded";
        }
        if (all.contains("libcudnn")) {
            return "cuDNN cannot be loaded: " + firstLine(deepest.getMessage());
        }
        return "CUDA native libraries cannot be loaded: " + firstLine(deepest.getMessage());
    }

    static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        String trimmed = message.strip();
        int newline = trimmed.indexOf('\n');
        return (newline < 0 ? trimmed : trimmed.substring(0, newline)).strip();
    }

    /** Throws a {@link CudaException} naming the call when a cuDNN status is not success. */
    void check(int status, String call) {
        if (status != CudnnStatus.SUCCESS) {
            throw new CudaException(call + ": " + CudnnStatus.name(status, cudnn.major()));
        }
    }
}
