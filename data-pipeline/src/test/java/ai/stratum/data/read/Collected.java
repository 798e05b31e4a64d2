package ai.stratum.data.read;

import ai.stratum.data.Document;
import ai.stratum.data.Reject;

import java.util.ArrayList;
import java.util.List;

/** A sink that keeps everything, for tests. */
final class Collected implements DocumentSink {
    final List<Document> docs = new ArrayList<>();
    final List<Reject> rejects = new ArrayList<>();

    @Override
    public void accept(Document doc) {
        docs.add(doc);
    }

    @Override
    public void reject(Reject reject) {
        rejects.add(reject);
    }

    List<String> texts() {
        return docs.stream().map(Document::text).toList();
    }

    List<String> reasons() {
        return rejects.stream().map(Reject::reason).toList();
    }
}
