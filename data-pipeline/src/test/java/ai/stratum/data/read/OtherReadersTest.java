package ai.stratum.data.read;

import ai.stratum.data.StepStats;
import ai.stratum.fixtures.web.SyntheticWeb;
import ai.stratum.fixtures.web.WordLists;
import blue.strategic.parquet.ParquetWriter;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.netpreserve.jwarc.HttpResponse;
import org.netpreserve.jwarc.MediaType;
import org.netpreserve.jwarc.WarcConversion;
import org.netpreserve.jwarc.WarcRequest;
import org.netpreserve.jwarc.WarcResponse;
import org.netpreserve.jwarc.WarcWriter;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OtherReadersTest {
    @TempDir
    Path dir;

    @Test
    void textFilesAreOneDocumentEachAndInvalidUtf8IsRejectedWithItsOffset() throws IOException {
        Path good = Files.writeString(dir.resolve("good.txt"), "Grüße aus Köln.\nZweite Zeile.");
        Path bad = Files.write(dir.resolve("bad.txt"), new byte[] {'o', 'k', ' ', (byte) 0xC3, '(', 'x'});
        Path empty = Files.write(dir.resolve("empty.txt"), new byte[0]);
        Collected c = new Collected();
        StepStats stats = new StepStats("read_text");
        TextReader reader = new TextReader(1 << 20);
        for (Path p : List.of(good, bad, empty)) {
            reader.read(p, "books", c, stats);
        }
        assertEquals(List.of("Grüße aus Köln.\nZweite Zeile."), c.texts());
        assertEquals("good.txt", c.docs.get(0).id());
        assertEquals(List.of("invalid_utf8"), c.reasons());
        assertEquals("bad.txt: not valid UTF-8 at byte 3", c.rejects.get(0).detail());
        assertEquals(1L, stats.counters().get("empty_files"));
    }

    @Test
    void warcResponsesAreExtractedOtherRecordsAreCountedOrRejected() throws IOException {
        SyntheticWeb web = new SyntheticWeb(3);
        String prose = web.prose(WordLists.EN, 4);
        Path warc = dir.resolve("crawl.warc.gz");
        try (WarcWriter writer = new WarcWriter(warc)) {
            writer.write(new WarcRequest.Builder(URI.create("http://example.com/a"))
                    .body(MediaType.HTTP_REQUEST, "GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII)).build());
            writer.write(response("http://example.com/a", "text/html; charset=utf-8",
                    web.htmlPage("A page", prose, 12).getBytes(StandardCharsets.UTF_8)));
            writer.write(response("http://example.com/logo.png", "image/png", new byte[] {(byte) 0x89, 'P', 'N', 'G'}));
            writer.write(response("http://example.com/blank", "text/html", "<html><body><nav>x</nav></body></html>"
                    .getBytes(StandardCharsets.UTF_8)));
            writer.write(new WarcConversion.Builder().recordId(URI.create("urn:uuid:00000000-0000-0000-0000-000000000001"))
                    .setHeader("WARC-Target-URI", "http://example.com/b")
                    .body(MediaType.PLAIN_TEXT, "Plain WET text.".getBytes(StandardCharsets.UTF_8)).build());
        }
        Collected c = new Collected();
        StepStats stats = new StepStats("read_warc");
        new WarcDocumentReader().read(warc, "crawl", c, stats);

        assertEquals(3, c.docs.size());
        assertEquals("text/html", c.docs.get(0).metadata().get("content_type"));
        assertEquals("http://example.com/a", c.docs.get(0).metadata().get("url"));
        HtmlExtractStep extract = new HtmlExtractStep(new StreamingHtmlExtractor());
        StepStats extractStats = new StepStats("extract");
        var page = (ai.stratum.data.step.StepResult.Keep) extract.apply(c.docs.get(0), extractStats);
        assertEquals("A page\n" + prose, page.doc().text());
        assertEquals(null, page.doc().metadata().get("content_type"));
        assertEquals("empty_extraction",
                ((ai.stratum.data.step.StepResult.Drop) extract.apply(c.docs.get(1), extractStats)).reason());
        assertEquals("Plain WET text.", c.docs.get(2).text());
        assertTrue(c.docs.get(2) == ((ai.stratum.data.step.StepResult.Keep) extract.apply(c.docs.get(2),
                extractStats)).doc(), "text passes the extract step untouched");
        assertEquals(List.of("not_html"), c.reasons());
        assertTrue(c.rejects.get(0).detail().contains("image/png"), c.rejects.get(0).detail());
        assertEquals(1L, stats.counters().get("skipped_request"));
    }

    @Test
    void htmlIsDecodedWithTheDeclaredOrSniffedCharset() throws IOException {
        Path warc = dir.resolve("latin.warc");
        String html = "<html><head><meta charset=\"iso-8859-1\"></head><body><p>Gr\u00fc\u00dfe</p></body></html>";
        try (WarcWriter writer = new WarcWriter(warc)) {
            writer.write(response("http://example.com/l", "text/html", html.getBytes(StandardCharsets.ISO_8859_1)));
            writer.write(response("http://example.com/u", "text/html; charset=utf-8",
                    html.replace("iso-8859-1", "x").getBytes(StandardCharsets.UTF_8)));
        }
        Collected c = new Collected();
        new WarcDocumentReader().read(warc, "crawl", c, new StepStats("read_warc"));
        HtmlExtractStep extract = new HtmlExtractStep(new StreamingHtmlExtractor());
        for (var doc : c.docs) {
            assertEquals("Gr\u00fc\u00dfe", ((ai.stratum.data.step.StepResult.Keep) extract.apply(doc,
                    new StepStats("extract"))).doc().text());
        }
        assertEquals(2, c.docs.size());
    }

    @Test
    void keptBytesAreTheUtf8LengthOfTheDecodedTextWhateverTheBytes() throws IOException {
        Path warc = dir.resolve("bytes.warc");
        byte[] valid = "<p>caf\u00e9 \u2014 \ud83d\ude00 \ufffd ok</p>".getBytes(StandardCharsets.UTF_8);
        byte[] malformed = {'<', 'p', '>', 'a', (byte) 0xC3, 'b', (byte) 0xE2, (byte) 0x82, '<', '/', 'p', '>'};
        byte[] latin = "<p>Gr\u00fc\u00dfe</p>".getBytes(StandardCharsets.ISO_8859_1);
        try (WarcWriter writer = new WarcWriter(warc)) {
            writer.write(response("http://example.com/v", "text/html; charset=utf-8", valid));
            writer.write(response("http://example.com/m", "text/html; charset=utf-8", malformed));
            writer.write(response("http://example.com/l", "text/html; charset=iso-8859-1", latin));
        }
        Collected c = new Collected();
        StepStats stats = new StepStats("read_warc");
        new WarcDocumentReader().read(warc, "crawl", c, stats);
        assertEquals(3, c.docs.size());
        long total = 0;
        for (var doc : c.docs) {
            long expected = doc.text().getBytes(StandardCharsets.UTF_8).length;
            assertEquals(expected, doc.utf8Length(), doc.text());
            total += expected;
        }
        assertEquals(valid.length, c.docs.get(0).utf8Length(), "valid UTF-8: the byte count");
        assertTrue(c.docs.get(1).utf8Length() != malformed.length, "malformed bytes decode to U+FFFD, 3 bytes each");
        assertEquals(total, stats.bytesOut());
    }

    @Test
    void garbageWarcIsOneRejectNotACrash() throws IOException {
        Path warc = Files.writeString(dir.resolve("junk.warc"), "WARC/1.0\r\nthis is not a header\r\n\r\n");
        Collected c = new Collected();
        new WarcDocumentReader().read(warc, "crawl", c, new StepStats("read_warc"));
        assertTrue(c.docs.isEmpty());
        assertEquals(List.of("bad_warc"), c.reasons());
        assertEquals("junk.warc@0", c.rejects.get(0).id());
    }

    private static WarcResponse response(String url, String type, byte[] body) throws IOException {
        HttpResponse http = new HttpResponse.Builder(200, "OK").body(MediaType.parse(type), body).build();
        return new WarcResponse.Builder(URI.create(url)).body(http).build();
    }

    @Test
    void parquetTextColumnIsRead() throws IOException {
        MessageType schema = Types.buildMessage()
                .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("id")
                .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("content")
                .required(PrimitiveTypeName.INT64).named("length")
                .named("doc");
        Path file = dir.resolve("docs.parquet");
        try (ParquetWriter<String[]> w = ParquetWriter.writeFile(schema, file.toFile(), (row, out) -> {
            out.write("id", row[0]);
            if (row[1] != null) {
                out.write("content", row[1]);
            }
            out.write("length", (long) (row[1] == null ? 0 : row[1].length()));
        })) {
            w.write(new String[] {"p1", "Parquet text één"});
            w.write(new String[] {"p2", null});
            w.write(new String[] {"p3", "more"});
        }
        Collected c = new Collected();
        new ParquetDocumentReader("content", "id").read(file, "pq", c, new StepStats("read_parquet"));
        assertEquals(List.of("Parquet text één", "more"), c.texts());
        assertEquals(List.of("p1", "p3"), c.docs.stream().map(d -> d.id()).toList());
        assertEquals(List.of("missing_text_field"), c.reasons());
        IOException e = assertThrows(IOException.class,
                () -> new ParquetDocumentReader("text", "id").read(file, "pq", new Collected(), new StepStats("x")));
        assertTrue(e.getMessage().contains("no column 'text'") && e.getMessage().contains("content"), e.getMessage());
    }

    @Test
    void boilerplateNamesAreWholeTokensOfIdsAndClasses() {
        for (String yes : List.of("site-nav", "Main_Menu", "comments area", "cookie-consent", "sidebar")) {
            assertTrue(ExtractionRules.namesBoilerplate(yes), yes);
        }
        for (String no : List.of("canvas", "snav", "navigator", "content", "advertisement", "")) {
            assertFalse(ExtractionRules.namesBoilerplate(no), no);
        }
    }

    @Test
    void extractorDropsBoilerplateAndKeepsParagraphs() {
        SyntheticWeb web = new SyntheticWeb(9);
        String prose = web.prose(WordLists.DE, 5);
        String text = new HtmlExtractor().extract(web.htmlPage("Titel", prose, 30));
        assertEquals("Titel\n" + prose, text);
        for (String marker : List.of("NAVMARK", "SIDEMARK", "FOOTMARK", "COOKIEMARK", "SCRIPTMARK")) {
            assertFalse(text.contains(marker), marker);
        }
        assertEquals("keep this\nand  this", new HtmlExtractor().extract(
                "<div><p>keep <b>this</b></p><pre>and  this</pre><ul><li><a href=x>link one</a></li></ul></div>"));
    }
}
