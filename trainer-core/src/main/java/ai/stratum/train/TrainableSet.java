package ai.stratum.train;

import ai.stratum.model.ParameterLayout;
import ai.stratum.model.TensorSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The tensors an optimizer updates, chosen by a filter over parameter names: everything for pretraining and
 * full fine-tuning, only adapter tensors for LoRA. The optimizer's moments are packed over these tensors alone
 * ({@link #stateLayout()}), so their memory is proportional to the trainable parameters.
 */
public final class TrainableSet {

    /** A run of tensors adjacent both in the parameter buffer and in the packed state buffer. */
    public record Segment(long paramOffset, long stateOffset, long length, boolean decays) {
    }

    private final ParameterLayout layout;
    private final List<TensorSpec> trainable;
    private final ParameterLayout stateLayout;
    private final List<Segment> segments;

    public TrainableSet(ParameterLayout layout, Predicate<String> isTrainable) {
        this.layout = layout;
        this.trainable = layout.select(isTrainable);
        if (trainable.isEmpty()) {
            throw new IllegalArgumentException("trainable: the filter selects no tensor of the model's "
                    + layout.tensors().size() + " tensors");
        }
        Map<String, long[]> shapes = new LinkedHashMap<>();
        trainable.forEach(t -> shapes.put(t.name(), t.shape()));
        this.stateLayout = ParameterLayout.of(shapes);
        this.segments = mergeAdjacent();
    }

    /** Every tensor trainable (pretraining, full fine-tuning). */
    public static TrainableSet all(ParameterLayout layout) {
        return new TrainableSet(layout, name -> true);
    }

    private List<Segment> mergeAdjacent() {
        List<Segment> out = new ArrayList<>();
        for (TensorSpec t : trainable) {
            long stateOffset = stateLayout.get(t.name()).offset();
            Segment last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && last.decays() == t.decays() && last.paramOffset() + last.length() == t.offset()) {
                out.set(out.size() - 1, new Segment(last.paramOffset(), last.stateOffset(),
                        last.length() + t.length(), last.decays()));
            } else {
                out.add(new Segment(t.offset(), stateOffset, t.length(), t.decays()));
            }
        }
        return List.copyOf(out);
    }

    public ParameterLayout layout() {
        return layout;
    }

    public List<TensorSpec> tensors() {
        return trainable;
    }

    /** The trainable tensors packed in layout order: the layout of the optimizer's moment buffers. */
    public ParameterLayout stateLayout() {
        return stateLayout;
    }

    /** Maximal runs of trainable tensors with the same weight-decay flag, in layout order. */
    public List<Segment> segments() {
        return segments;
    }

    public long size() {
        return stateLayout.size();
    }

    public long decayedSize() {
        return trainable.stream().filter(TensorSpec::decays).mapToLong(TensorSpec::length).sum();
    }

    /**
     * The counts printed at the start of a run, as nanoGPT does (the trainer adds the model's total, which for
     * LoRA includes the frozen base outside this layout).
     */
    public String describe() {
        long decayedTensors = trainable.stream().filter(TensorSpec::decays).count();
        return String.format("trainable: %,d params in %d tensors; weight decay on %d tensors (%,d params), "
                        + "none on %d tensors (%,d params)",
                size(), trainable.size(), decayedTensors, decayedSize(), trainable.size() - decayedTensors,
                size() - decayedSize());
    }
}
