package ai.stratum.data.read;

import ai.stratum.data.Document;
import ai.stratum.data.Reject;

/** Where a reader pushes what it reads: documents, and input it could not turn into a document. */
public interface DocumentSink {
    void accept(Document doc);

    void reject(Reject reject);
}
