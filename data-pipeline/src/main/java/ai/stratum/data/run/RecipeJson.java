package ai.stratum.data.run;

import ai.stratum.data.recipe.DataRecipe;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A resolved recipe as one JSON string and back, for executors that ship it to other JVMs (the record names of
 * the Java types, not the YAML's snake_case: this is a wire format, not a file users write).
 */
public final class RecipeJson {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private RecipeJson() {
    }

    public static String write(DataRecipe recipe) {
        try {
            return JSON.writeValueAsString(recipe);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a recipe always serializes", e);
        }
    }

    public static DataRecipe read(String json) {
        try {
            return JSON.readValue(json, DataRecipe.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a recipe written by RecipeJson.write: " + e.getMessage(), e);
        }
    }
}
