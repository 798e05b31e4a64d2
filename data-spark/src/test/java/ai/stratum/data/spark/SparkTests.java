package ai.stratum.data.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** One local[2] Spark context per test class: starting one costs seconds. */
final class SparkTests {
    private SparkTests() {
    }

    static JavaSparkContext start(String name) {
        return new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName(name)
                .set("spark.ui.enabled", "false").set("spark.default.parallelism", "2")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1"));
    }
}
