package dev.nightmare.engine.cuda;

import dev.nightmare.engine.cuda.KernelSignature.Param;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernels' parameter lists as the committed PTX declares them ({@code .param} types: what the
 * driver reads) and as the {@code .cu} sources declare them (C types: a pointer and an {@code
 * index_t} are both {@code .u64} in PTX), and how a {@link KernelSignature} differs from each.
 */
final class KernelDeclarations {
    private static final Pattern PTX_ENTRY = Pattern.compile("\\.visible\\s+\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)");
    private static final Pattern PTX_PARAM = Pattern.compile("\\.param\\s+\\.(\\w+)\\s+(\\w+)");
    private static final Pattern CUDA_KERNEL =
            Pattern.compile("extern\\s+\"C\"\\s+__global__\\s+void\\s+(\\w+)\\s*\\(([^)]*)\\)");

    private KernelDeclarations() {}

    /**
     * Each {@code .visible .entry}'s parameter types in order ({@code "u64"}, {@code "u32"}, …); a
     * parameter of another form (aligned, an array) is kept whole, so it matches no signature.
     */
    static Map<String, List<String>> ptxEntries(String ptx) {
        return declarations(PTX_ENTRY, ptx, (entry, param, index) -> {
            Matcher m = PTX_PARAM.matcher(param);
            return m.matches() && m.group(2).equals(entry + "_param_" + index) ? m.group(1) : param;
        });
    }

    /** Each {@code extern "C" __global__} kernel's parameters as C types. */
    static Map<String, List<Param>> cudaKernels(String cu) {
        return declarations(CUDA_KERNEL, cu, (kernel, param, index) -> cType(kernel, param));
    }

    private interface ParameterType<T> {
        T of(String function, String declaration, int index);
    }

    /** name → parameter types of each match of {@code function} (name, then the parameter list). */
    private static <T> Map<String, List<T>> declarations(Pattern function, String text, ParameterType<T> type) {
        Map<String, List<T>> functions = new LinkedHashMap<>();
        Matcher m = function.matcher(text);
        while (m.find()) {
            List<T> types = new ArrayList<>();
            for (String param : parameters(m.group(2))) {
                types.add(type.of(m.group(1), param, types.size()));
            }
            functions.put(m.group(1), types);
        }
        return functions;
    }

    private static List<String> parameters(String list) {
        List<String> params = new ArrayList<>();
        for (String p : list.split(",")) {
            String trimmed = p.strip().replaceAll("\\s+", " ");
            if (!trimmed.isEmpty()) {
                params.add(trimmed);
            }
        }
        return params;
    }

    /** A C parameter declaration's type: any pointer, index_t, int, float or double. */
    private static Param cType(String kernel, String declaration) {
        if (declaration.contains("*")) {
            return Param.PTR;
        }
        String type = declaration
                .replaceAll("\\bconst\\b|\\b__restrict__\\b", "")
                .strip()
                .replaceAll("\\s*\\w+$", "")
                .strip();
        return switch (type) {
            case "index_t", "long long" -> Param.S64;
            case "int" -> Param.S32;
            case "float" -> Param.F32;
            case "double" -> Param.F64;
            default ->
                throw new IllegalArgumentException(
                        kernel + ": no kernel parameter type for '" + declaration + "'; add it to Param");
        };
    }

    /** How {@code signature} differs from the PTX entries; empty when they agree. */
    static List<String> ptxMismatches(KernelSignature signature, Map<String, List<String>> entries) {
        List<String> declared = entries.get(signature.entry());
        if (declared == null) {
            return List.of(signature.entry() + " is not an entry of " + signature.module() + ".ptx");
        }
        List<String> given = signature.params().stream().map(Param::ptxType).toList();
        return differences(signature, "the PTX declares", declared, given);
    }

    /** How {@code signature} differs from the {@code .cu} declarations; empty when they agree. */
    static List<String> cudaMismatches(KernelSignature signature, Map<String, List<Param>> kernels) {
        List<Param> declared = kernels.get(signature.entry());
        if (declared == null) {
            return List.of(signature.entry() + " is not a kernel of " + signature.module() + ".cu");
        }
        return differences(signature, signature.module() + ".cu declares", declared, signature.params());
    }

    private static List<String> differences(KernelSignature signature, String where, List<?> declared, List<?> given) {
        List<String> problems = new ArrayList<>();
        if (declared.size() != given.size()) {
            problems.add(signature.entry() + ": " + where + " " + declared.size() + " parameters " + declared
                    + ", the launcher " + given.size() + " " + given);
        }
        for (int i = 0; i < Math.min(declared.size(), given.size()); i++) {
            if (!declared.get(i).equals(given.get(i))) {
                problems.add(signature.entry() + " parameter " + i + ": " + where + " " + declared.get(i)
                        + ", the launcher " + given.get(i));
            }
        }
        return problems;
    }
}
