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
        System.setProperty("java.awt.headless", "true");
        List<Double> steps = new ArrayList<>();
        List<Double> losses = new ArrayList<>();
        List<Double> valSteps = new ArrayList<>();
        List<Double> valLosses = new ArrayList<>();
        for (JsonNode n : MetricsLog.read(runDir)) {
            if (n.hasNonNull("loss")) {
                steps.add(n.get("step").asDouble());
                losses.add(n.get("loss").asDouble());
            }
            if (n.hasNonNull("val_loss")) {
                valSteps.add(n.get("step").asDouble());
                valLosses.add(n.get("val_loss").asDouble());
            }
        }
        if (steps.isEmpty()) {
            throw new IOException(runDir.resolve(MetricsLog.FILE) + ": has no training loss to plot yet");
        }
        XYChart chart = new XYChartBuilder().width(900).height(540).title("loss: " + runDir.getFileName())
                .xAxisTitle("step").yAxisTitle("loss (nats/token)").build();
        chart.addSeries("train", steps, losses).setMarker(SeriesMarkers.NONE);
        if (!valSteps.isEmpty()) {
            chart.addSeries("val", valSteps, valLosses).setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        }
        byte[] bytes = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        AtomicFiles.writeBytes(png, bytes);
        return new Summary(steps.size(), valSteps.size());
    }
}
