package ai.stratum.cli.train;

import ai.stratum.io.AtomicFiles;
import ai.stratum.train.metrics.MetricsLog;
import com.fasterxml.jackson.databind.JsonNode;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Draws {@code metrics.jsonl}'s loss (and validation loss) against the step with XChart. */
final class LossPlot {

    record Summary(int trainPoints, int valPoints) {
    }

    private LossPlot() {
    }

    static Summary write(Path runDir, Path png) throws IOException {
        return write(List.of(runDir), png);
    }

    /**
     * One chart of every run's training loss, its parts when it logs them (a distillation run's {@code loss_ce} and
     * {@code loss_kl}) and its validation loss; with several runs each series is named after its run directory.
     */
    static Summary write(List<Path> runDirs, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        String title = runDirs.size() == 1 ? "loss: " + runDirs.get(0).getFileName()
                : "loss: " + runDirs.stream().map(d -> String.valueOf(d.getFileName()))
                .collect(java.util.stream.Collectors.joining(" vs "));
        XYChart chart = new XYChartBuilder().width(900).height(540).title(title)
                .xAxisTitle("step").yAxisTitle("loss (nats/token)").build();
        int train = 0;
        int val = 0;
        long distinctNames = runDirs.stream().map(d -> String.valueOf(d.getFileName())).distinct().count();
        for (Path runDir : runDirs) {
            // series are named after the run directory: its name, or its whole path when two runs share a name
            String prefix = runDirs.size() == 1 ? ""
                    : (distinctNames == runDirs.size() ? runDir.getFileName() : runDir) + " ";
            java.util.Map<String, List<double[]>> series = new java.util.LinkedHashMap<>();
            for (JsonNode n : MetricsLog.read(runDir)) {
                double step = n.path("step").asDouble();
                n.fieldNames().forEachRemaining(key -> {
                    boolean wanted = key.equals("loss") || key.startsWith("loss_") || key.equals("val_loss");
                    if (wanted && n.get(key).isNumber()) {
                        series.computeIfAbsent(key, k -> new ArrayList<>()).add(new double[] {step, n.get(key).asDouble()});
                    }
                });
            }
            if (!series.containsKey("loss")) {
                throw new IOException(runDir.resolve(MetricsLog.FILE) + ": has no training loss to plot yet");
            }
            for (var e : series.entrySet()) {
                List<Double> xs = new ArrayList<>();
                List<Double> ys = new ArrayList<>();
                for (double[] p : e.getValue()) {
                    xs.add(p[0]);
                    ys.add(p[1]);
                }
                String name = switch (e.getKey()) {
                    case "loss" -> "train";
                    case "val_loss" -> "val";
                    default -> "train " + e.getKey().substring("loss_".length());
                };
                XYSeries s = chart.addSeries(prefix + name, xs, ys);
                if (e.getKey().equals("val_loss")) {
                    s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
                    val += xs.size();
                } else {
                    s.setMarker(SeriesMarkers.NONE);
                    train += e.getKey().equals("loss") ? xs.size() : 0;
                }
            }
        }
        byte[] bytes = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        AtomicFiles.writeBytes(png, bytes);
        return new Summary(train, val);
    }
}
