package ai.stratum.cli.env;

import ai.stratum.cli.VersionProvider;
import ai.stratum.train.metrics.SgemmProbe;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code stratum env}: what this machine gives a training run, ending with the measured matmul peak. */
@Command(name = "env", mixinStandardHelpOptions = true,
        description = "Show Java, the ND4J backend and BLAS, threads, CPU vector flags, memory, and the measured sgemm peak.")
public final class EnvCommand implements Callable<Integer> {

    /** The CPU flags that decide which kernels are fast. */
    static final List<String> VECTOR_FLAGS = List.of("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f",
            "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "amx_bf16", "amx_tile");

    @Spec
    CommandSpec spec;

    @Option(names = "--no-probe", description = "Skip the sgemm probe.")
    boolean noProbe;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("stratum", VersionProvider.version());
        rows.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ", "
                + System.getProperty("os.arch") + ")");
        Runtime rt = Runtime.getRuntime();
        rows.put("jvm heap max", gib(rt.maxMemory()));
        Map<String, String> mem = meminfo();
        rows.put("memory", mem.getOrDefault("MemTotal", "?") + " total, " + mem.getOrDefault("MemAvailable", "?")
                + " available");
        Map<String, String> cpu = cpuinfo();
        rows.put("cpu", cpu.getOrDefault("model name", System.getProperty("os.arch")));
        rows.put("cores", String.valueOf(rt.availableProcessors()));
        String flags = cpu.getOrDefault("flags", "");
        List<String> present = new ArrayList<>();
        for (String f : VECTOR_FLAGS) {
            if ((" " + flags + " ").contains(" " + f + " ")) {
                present.add(f);
            }
        }
        rows.put("vector flags", present.isEmpty() ? "(none found)" : String.join(" ", present));
        rows.put("OMP_NUM_THREADS", envOr("OMP_NUM_THREADS", "(unset)"));
        rows.put("OMP_WAIT_POLICY", envOr("OMP_WAIT_POLICY", "(unset: set PASSIVE, the launcher does)"));

        rows.put("nd4j backend", Nd4j.getBackend().getClass().getSimpleName());
        Properties info = Nd4j.getExecutioner().getEnvironmentInformation();
        TreeMap<String, Object> sorted = new TreeMap<>();
        info.forEach((k, v) -> {
            if (!"memoryBandwidth".equals(k)) {
                sorted.put(String.valueOf(k), v);
            }
        });
        for (Map.Entry<String, Object> e : sorted.entrySet()) {
            rows.put("nd4j " + e.getKey(), String.valueOf(e.getValue()));
        }
        rows.put("nd4j threads", String.valueOf(Nd4j.getEnvironment().maxThreads()));
        rows.put("nd4j master threads", String.valueOf(Nd4j.getEnvironment().maxMasterThreads()));

        int width = rows.keySet().stream().mapToInt(String::length).max().orElse(10);
        rows.forEach((k, v) -> out.printf("%-" + width + "s  %s%n", k, v));
        if (!noProbe) {
            SgemmProbe.Result r = SgemmProbe.measure();
            StringBuilder detail = new StringBuilder();
            for (SgemmProbe.Sample s : r.samples()) {
                detail.append(String.format(" n=%d:%.0f", s.n(), s.bestGflops()));
            }
            out.printf("%-" + width + "s  %.1f GFLOP/s (Nd4j.gemm into a preallocated output;%s)%n",
                    "sgemm peak", r.peakGflops(), detail);
        }
        out.flush();
        return 0;
    }

    private static String envOr(String key, String fallback) {
        String v = System.getenv(key);
        return v == null ? fallback : v;
    }

    private static String gib(long bytes) {
        return String.format("%.1f GiB", bytes / (1024.0 * 1024 * 1024));
    }

    static Map<String, String> meminfo() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : readLines(Path.of("/proc/meminfo"))) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                String value = line.substring(colon + 1).strip();
                if (value.endsWith(" kB")) {
                    long kb = Long.parseLong(value.substring(0, value.length() - 3).strip());
                    value = gib(kb * 1024);
                }
                m.put(line.substring(0, colon).strip(), value);
            }
        }
        return m;
    }

    static Map<String, String> cpuinfo() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : readLines(Path.of("/proc/cpuinfo"))) {
            if (line.isBlank()) {
                break;
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                m.putIfAbsent(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        }
        return m;
    }

    private static List<String> readLines(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException | SecurityException e) {
            return List.of();
        }
    }
}
