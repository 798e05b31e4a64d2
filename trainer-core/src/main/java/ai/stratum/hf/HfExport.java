package ai.stratum.hf;

import ai.stratum.io.AtomicFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A model directory (a Stratum checkpoint, a merged fine-tune, or a Hugging Face download) written again as its
 * family's Hugging Face directory, the way {@code save_pretrained} lays it out: weights in {@code dtype}
 * (F32 or BF16; F64 for checks), sharded with an index above {@code shardBytes}; {@code config.json} with
 * {@code architectures}, {@code model_type}, {@code torch_dtype} and the family's keys, keeping the source's
 * {@code bos_token_id}/{@code eos_token_id}/{@code pad_token_id} as written (Llama 3 lists several eos ids); and
 * the tokenizer files ({@link TokenizerFiles#CARRIED}). Optimizer and trainer state are not exported.
 */
public final class HfExport {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private HfExport() {
    }

    /**
     * What was written.
     *
     * @param family    the family of the exported config
     * @param tokenizer the tokenizer files copied (empty when the source has none: the export then loads in
     *                  {@code transformers} but carries no tokenizer)
     */
    public record Result(Family family, List<String> tokenizer) {
    }

    public static Result export(Path source, Path out, Safetensors.Dtype dtype, long shardBytes) throws IOException {
        if (source.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
            throw new IllegalArgumentException("out: must differ from the source directory " + source);
        }
        HfConfig.Parsed parsed = HfConfig.parse(source);
        WeightMap map = WeightMap.of(parsed.family(), parsed.config());
        INDArray params = Nd4j.zeros(dtype == Safetensors.Dtype.F64 ? DataType.DOUBLE : DataType.FLOAT,
                map.layout().size());
        try {
            HfCheckpoint.load(source, map, map.layout(), params);
            Files.createDirectories(out);
            HfCheckpoint.save(out, map, params, dtype, shardBytes);
        } finally {
            params.close();
        }
        ObjectNode config = HfConfig.toJson(map.config(), map.family(), HfConfig.eosTokenId(source),
                dtype.torchName());
        JsonNode original = JSON.readTree(source.resolve(HfConfig.FILE).toFile());
        for (String ids : new String[] {"bos_token_id", "eos_token_id", "pad_token_id"}) {
            if (original.has(ids)) {
                config.set(ids, original.get(ids));
            }
        }
        AtomicFiles.writeString(out.resolve(HfConfig.FILE), JSON.writeValueAsString(config));
        List<String> tokenizer = TokenizerFiles.copy(source, out);
        AtomicFiles.fsyncDirectory(out);
        return new Result(map.family(), tokenizer);
    }
}
