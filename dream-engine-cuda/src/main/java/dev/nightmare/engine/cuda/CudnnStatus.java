package dev.nightmare.engine.cuda;

import java.util.Map;

/**
 * Names for cuDNN status codes in both numberings: cuDNN 8's (0–14), which JCudnn knows, and cuDNN
 * 9's (success 0, then families of thousands), which the compatibility library passes through
 * unchanged from cuDNN 9.
 */
final class CudnnStatus {
    private CudnnStatus() {}

    static final int SUCCESS = 0;

    private static final Map<Integer, String> VERSION_8 = Map.ofEntries(
            Map.entry(0, "CUDNN_STATUS_SUCCESS"),
            Map.entry(1, "CUDNN_STATUS_NOT_INITIALIZED"),
            Map.entry(2, "CUDNN_STATUS_ALLOC_FAILED"),
            Map.entry(3, "CUDNN_STATUS_BAD_PARAM"),
            Map.entry(4, "CUDNN_STATUS_INTERNAL_ERROR"),
            Map.entry(5, "CUDNN_STATUS_INVALID_VALUE"),
            Map.entry(6, "CUDNN_STATUS_ARCH_MISMATCH"),
            Map.entry(7, "CUDNN_STATUS_MAPPING_ERROR"),
            Map.entry(8, "CUDNN_STATUS_EXECUTION_FAILED"),
            Map.entry(9, "CUDNN_STATUS_NOT_SUPPORTED"),
            Map.entry(10, "CUDNN_STATUS_LICENSE_ERROR"),
            Map.entry(11, "CUDNN_STATUS_RUNTIME_PREREQUISITE_MISSING"),
            Map.entry(12, "CUDNN_STATUS_RUNTIME_IN_PROGRESS"),
            Map.entry(13, "CUDNN_STATUS_RUNTIME_FP_OVERFLOW"),
            Map.entry(14, "CUDNN_STATUS_VERSION_MISMATCH"));

    /** cuDNN 9 (cudnn_graph.h): the family is the thousands, the detail the rest. */
    private static final Map<Integer, String> VERSION_9_FAMILIES = Map.of(
            1000, "CUDNN_STATUS_NOT_INITIALIZED",
            2000, "CUDNN_STATUS_BAD_PARAM",
            3000, "CUDNN_STATUS_NOT_SUPPORTED",
            4000, "CUDNN_STATUS_INTERNAL_ERROR",
            5000, "CUDNN_STATUS_EXECUTION_FAILED");

    private static final Map<Integer, String> VERSION_9_DETAILS = Map.ofEntries(
            Map.entry(1001, "CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH"),
            Map.entry(1002, "CUDNN_STATUS_SERIALIZATION_VERSION_MISMATCH"),
            Map.entry(1003, "CUDNN_STATUS_DEPRECATED"),
            Map.entry(1004, "CUDNN_STATUS_LICENSE_ERROR"),
            Map.entry(1005, "CUDNN_STATUS_RUNTIME_IN_PROGRESS"),
            Map.entry(1006, "CUDNN_STATUS_RUNTIME_FP_OVERFLOW"),
            Map.entry(1007, "CUDNN_STATUS_SUBLIBRARY_LOADING_FAILED"),
            Map.entry(2001, "CUDNN_STATUS_BAD_PARAM_NULL_POINTER"),
            Map.entry(2002, "CUDNN_STATUS_BAD_PARAM_MISALIGNED_POINTER"),
            Map.entry(2003, "CUDNN_STATUS_BAD_PARAM_NOT_FINALIZED"),
            Map.entry(2004, "CUDNN_STATUS_BAD_PARAM_OUT_OF_BOUND"),
            Map.entry(2005, "CUDNN_STATUS_BAD_PARAM_SIZE_INSUFFICIENT"),
            Map.entry(2006, "CUDNN_STATUS_BAD_PARAM_STREAM_MISMATCH"),
            Map.entry(2007, "CUDNN_STATUS_BAD_PARAM_SHAPE_MISMATCH"),
            Map.entry(2008, "CUDNN_STATUS_BAD_PARAM_DUPLICATED_ENTRIES"),
            Map.entry(2009, "CUDNN_STATUS_BAD_PARAM_ATTRIBUTE_TYPE"),
            Map.entry(3001, "CUDNN_STATUS_NOT_SUPPORTED_GRAPH_PATTERN"),
            Map.entry(3002, "CUDNN_STATUS_NOT_SUPPORTED_SHAPE"),
            Map.entry(3003, "CUDNN_STATUS_NOT_SUPPORTED_DATA_TYPE"),
            Map.entry(3004, "CUDNN_STATUS_NOT_SUPPORTED_LAYOUT"),
            Map.entry(3005, "CUDNN_STATUS_NOT_SUPPORTED_INCOMPATIBLE_CUDA_DRIVER"),
            Map.entry(3006, "CUDNN_STATUS_NOT_SUPPORTED_INCOMPATIBLE_CUDART"),
            Map.entry(3007, "CUDNN_STATUS_NOT_SUPPORTED_ARCH_MISMATCH"),
            Map.entry(3008, "CUDNN_STATUS_NOT_SUPPORTED_RUNTIME_PREREQUISITE_MISSING"),
            Map.entry(3009, "CUDNN_STATUS_NOT_SUPPORTED_SUBLIBRARY_UNAVAILABLE"),
            Map.entry(3010, "CUDNN_STATUS_NOT_SUPPORTED_SHARED_MEMORY_INSUFFICIENT"),
            Map.entry(3011, "CUDNN_STATUS_NOT_SUPPORTED_PADDING"),
            Map.entry(3012, "CUDNN_STATUS_NOT_SUPPORTED_BAD_LAUNCH_PARAM"),
            Map.entry(3013, "CUDNN_STATUS_NOT_SUPPORTED_CUDA_GRAPH_NATIVE_API"),
            Map.entry(4001, "CUDNN_STATUS_INTERNAL_ERROR_COMPILATION_FAILED"),
            Map.entry(4002, "CUDNN_STATUS_INTERNAL_ERROR_UNEXPECTED_VALUE"),
            Map.entry(4003, "CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED"),
            Map.entry(4004, "CUDNN_STATUS_INTERNAL_ERROR_DEVICE_ALLOCATION_FAILED"),
            Map.entry(4005, "CUDNN_STATUS_INTERNAL_ERROR_BAD_LAUNCH_PARAM"),
            Map.entry(4006, "CUDNN_STATUS_INTERNAL_ERROR_TEXTURE_CREATION_FAILED"),
            Map.entry(5001, "CUDNN_STATUS_EXECUTION_FAILED_CUDA_DRIVER"),
            Map.entry(5002, "CUDNN_STATUS_EXECUTION_FAILED_CUBLAS"),
            Map.entry(5003, "CUDNN_STATUS_EXECUTION_FAILED_CUDART"),
            Map.entry(5004, "CUDNN_STATUS_EXECUTION_FAILED_CURAND"));

    /**
     * The status's name as the loaded cuDNN numbers it.
     *
     * @param cudnnMajor the loaded cuDNN's major version (8 or 9)
     */
    static String name(int status, int cudnnMajor) {
        String name;
        if (cudnnMajor >= 9) {
            name = VERSION_9_DETAILS.getOrDefault(status, VERSION_9_FAMILIES.get(status - status % 1000));
            if (status == 0) {
                name = "CUDNN_STATUS_SUCCESS";
            }
        } else {
            name = VERSION_8.get(status);
        }
        return (name == null ? "unknown cuDNN status" : name) + " (" + status + ")";
    }
}
