package ai.stratum.data.step;

import ai.stratum.data.Document;
import ai.stratum.data.Reject;
import ai.stratum.data.StepStats;
import ai.stratum.data.recipe.LanguageConfig;
import ai.stratum.data.recipe.PiiConfig;
import ai.stratum.fixtures.web.SyntheticWeb;
import ai.stratum.fixtures.web.WordLists;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OtherStepsTest {
    private static Document doc(String text) {
        return new Document("d", text, "s");
    }

    @Test
    void normalizerComposesAndStripsControls() {
        UnicodeNormalizer n = new UnicodeNormalizer("NFC");
        StepResult r = n.apply(doc("Cafe\u0301\r\nline\u0000two\u200b\rend\u00ad"), new StepStats("normalize"));
        assertEquals("Caf\u00e9\nlinetwo\nend", ((StepResult.Keep) r).doc().text());
        assertEquals("\ufb01", ((StepResult.Keep) n.apply(doc("\ufb01"), new StepStats("n"))).doc().text());
        assertEquals("fi", ((StepResult.Keep) new UnicodeNormalizer("NFKC").apply(doc("\ufb01"), new StepStats("n")))
                .doc().text());
        assertEquals("empty_after_normalization",
                ((StepResult.Drop) n.apply(doc("\u200b \u0007\n"), new StepStats("n"))).reason());
        Document same = doc("plain ascii");
        assertTrue(((StepResult.Keep) n.apply(same, new StepStats("n"))).doc() == same);
    }

    /**
     * The fast path skips the Normalizer on texts made only of characters below U+0300 (NFC), U+00C0 (NFD, dedup)
     * or U+0080 (NFKC); the JDK's Normalizer must agree that every such pair of characters is normalized.
     */
    @Test
    void normalizerFastPathBoundsAgreeWithTheJdkNormalizer() {
        for (char a = 0; a < 0x300; a++) {
            for (char b = 0; b < 0x300; b++) {
                String pair = new String(new char[] {a, b});
                if (!java.text.Normalizer.isNormalized(pair, java.text.Normalizer.Form.NFC)) {
                    throw new AssertionError("NFC changes U+" + Integer.toHexString(a) + " U+" + Integer.toHexString(b));
                }
                if (a < 0xc0 && b < 0xc0 && !java.text.Normalizer.isNormalized(pair, java.text.Normalizer.Form.NFD)) {
                    throw new AssertionError("NFD changes U+" + Integer.toHexString(a) + " U+" + Integer.toHexString(b));
                }
                if (a < 0x80 && b < 0x80 && !java.text.Normalizer.isNormalized(pair, java.text.Normalizer.Form.NFKC)) {
                    throw new AssertionError("NFKC changes U+" + Integer.toHexString(a) + " U+" + Integer.toHexString(b));
                }
            }
        }
        // just above the bounds the Normalizer still runs: a Latin-1 fraction under NFKC, a combining accent under NFC
        assertEquals("1\u20442", ((StepResult.Keep) new UnicodeNormalizer("NFKC").apply(doc("\u00bd"),
                new StepStats("n"))).doc().text());
        assertEquals("caf\u00e9 \u00e9", ((StepResult.Keep) new UnicodeNormalizer("NFC")
                .apply(doc("caf\u00e9 e\u0301"), new StepStats("n"))).doc().text());
    }

    /** Piecewise normalization against the JDK's Normalizer on the whole string, on generated mixed-script text. */
    @Test
    void piecewiseNormalizationEqualsTheWholeStringNormalizer() {
        String[] pieces = {"a", "e", "A", " ", "\n", "1", "\u00e9", "\u00bd", "\u00a0", "\u0132", "\u0301", "\u0327",
            "\u0308", "\u0340", "\u1100", "\u1161", "\u11a8", "\uac00", "\ufb01", "\u2044", "\u201c", "\u212b",
            "\u0958", "\u0b47", "\u0b3e", "\u0f73", "\ud834\udd5e", "\u3099", "\u304b", "\uff21"};
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        int changed = 0;
        for (int t = 0; t < 20_000; t++) {
            StringBuilder sb = new StringBuilder();
            for (int k = random.nextInt(12); k > 0; k--) {
                sb.append(pieces[random.nextInt(pieces.length)]);
            }
            String text = sb.toString();
            for (java.text.Normalizer.Form form : java.text.Normalizer.Form.values()) {
                String expected = java.text.Normalizer.normalize(text, form);
                char bound = switch (form) {
                    case NFC -> '\u0300';
                    case NFD -> '\u00c0';
                    case NFKC, NFKD -> '\u0080';
                };
                String actual = UnicodeNormalizer.normalize(text, bound, form);
                assertEquals(expected, actual, form + " of " + text.chars().mapToObj(Integer::toHexString).toList());
                // the step counts "renormalized" by identity: a new string exactly when the text changes
                assertEquals(!expected.equals(text), actual != text);
                changed += actual != text ? 1 : 0;
            }
        }
        assertTrue(changed > 20_000, "the generated texts exercise renormalization: " + changed);
    }

    /**
     * The characters piecewise normalization skips without asking the Normalizer are really inert: each is in every
     * form on its own, and none is a later character of any code point's decomposition (the only characters that
     * can compose with a character before them).
     */
    @Test
    void inertCharactersNeitherChangeNorCompose() {
        java.util.BitSet seconds = new java.util.BitSet(65536);
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            if (cp >= 0xD800 && cp <= 0xDFFF) {
                continue;
            }
            String s = new String(Character.toChars(cp));
            String d = java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFD);
            if (!d.equals(s)) {
                d.codePoints().skip(1).filter(x -> x <= 0xFFFF).forEach(seconds::set);
            }
        }
        int inert = 0;
        for (java.text.Normalizer.Form form : java.text.Normalizer.Form.values()) {
            for (char c = '\u0080'; c < '\uffff'; c++) {
                if (UnicodeNormalizer.inert(c, form)) {
                    inert++;
                    String s = String.valueOf(c);
                    // a starter (combining class 0): 'a' before it neither composes with nor reorders past the accent
                    String blocked = java.text.Normalizer.normalize("a" + s + "\u0301", form);
                    assertTrue(!seconds.get(c) && java.text.Normalizer.isNormalized(s, form)
                            && blocked.charAt(0) == 'a' && blocked.charAt(1) != '\u0301',
                            form + " " + Integer.toHexString(c));
                }
            }
        }
        assertTrue(UnicodeNormalizer.inert('\u2014', java.text.Normalizer.Form.NFC), "an em dash is inert");
        assertFalse(UnicodeNormalizer.inert('\u1161', java.text.Normalizer.Form.NFC), "a Hangul vowel composes");
        assertFalse(UnicodeNormalizer.inert('\u0b3e', java.text.Normalizer.Form.NFC), "an Oriya vowel sign composes");
        assertFalse(UnicodeNormalizer.inert('\u2126', java.text.Normalizer.Form.NFC), "the ohm sign becomes omega");
        assertTrue(inert > 100_000, "most characters are inert: " + inert);
    }

    /** The Jackson-parsed built-in profiles equal the library's own reading of them, gram for gram. */
    @Test
    void builtInProfilesReadWithJacksonEqualTheLibrarysReader() throws java.io.IOException {
        List<com.optimaize.langdetect.profiles.LanguageProfile> ours = LanguageFilter.readBuiltInProfiles();
        List<com.optimaize.langdetect.profiles.LanguageProfile> theirs =
                new com.optimaize.langdetect.profiles.LanguageProfileReader().readAllBuiltIn();
        assertEquals(theirs.size(), ours.size());
        long grams = 0;
        for (int i = 0; i < ours.size(); i++) {
            var a = theirs.get(i);
            var b = ours.get(i);
            assertEquals(a.getLocale(), b.getLocale());
            assertEquals(a.getGramLengths(), b.getGramLengths());
            assertEquals(a.getNumGrams(), b.getNumGrams(), a.getLocale().toString());
            for (int n : a.getGramLengths()) {
                assertEquals(a.getNumGramOccurrences(n), b.getNumGramOccurrences(n));
            }
            for (var e : a.iterateGrams()) {
                assertEquals(e.getValue().intValue(), b.getFrequency(e.getKey()), a.getLocale() + " " + e.getKey());
                grams++;
            }
        }
        assertTrue(grams > 100_000, "profiles compared: " + grams + " grams");
    }

    @Test
    void languageFilterKeepsAllowedLanguagesAndNamesTheOthers() {
        SyntheticWeb web = new SyntheticWeb(11);
        LanguageFilter en = new LanguageFilter(LanguageConfig.defaults(), 42);
        LanguageFilter de = new LanguageFilter(new LanguageConfig(true, List.of("de", "fr"), 0.65, 5, 200), 42);
        StepStats stats = new StepStats("language");
        for (WordLists lang : WordLists.values()) {
            for (int i = 0; i < 5; i++) {
                String text = web.prose(lang, 3);
                StepResult r = en.apply(doc(text), stats);
                if (lang == WordLists.EN) {
                    Document kept = ((StepResult.Keep) r).doc();
                    assertEquals("en", kept.metadata().get("language"));
                    assertTrue(Double.parseDouble(kept.metadata().get("language_score")) >= 0.65);
                } else {
                    StepResult.Drop d = (StepResult.Drop) r;
                    assertEquals("language_not_allowed", d.reason());
                    assertEquals(lang.code(), d.detail());
                }
                boolean allowed = lang == WordLists.DE || lang == WordLists.FR;
                assertEquals(allowed, de.apply(doc(text), new StepStats("language")) instanceof StepResult.Keep, lang + ": " + text);
            }
        }
        assertEquals(5L, stats.counters().get("top_es"));
    }

    /** Persian sentences written for this test; shuffled with a seed into a body of any length. */
    private static final String[] PERSIAN = {
        "این یک متن ساده به زبان فارسی است که برای آزمایش نوشته شده است.",
        "ما در این خانه زندگی می‌کنیم و هر روز کتاب می‌خوانیم.",
        "کودکان در مدرسه درس می‌خوانند و معلم به آنها کمک می‌کند.",
        "شهر تهران بزرگ است و مردم زیادی در آن کار می‌کنند.",
        "هوا امروز خوب است و ما با دوستان خود به پارک رفتیم.",
        "اگر چه راه دور بود، ما پیاده به خانه برگشتیم و شام خوردیم.",
    };

    private static String persian(int chars, long seed) {
        java.util.Random r = new java.util.Random(seed);
        StringBuilder b = new StringBuilder();
        while (b.length() < chars) {
            b.append(PERSIAN[r.nextInt(PERSIAN.length)]).append(r.nextInt(4) == 0 ? "\n" : " ");
        }
        return b.toString();
    }

    /**
     * The case: an English header over a Persian page. Detection over the first 1000 characters called
     * it English with 1.0; sampled over the whole page the English score is about its share of the page.
     */
    @Test
    void mostlyPersianPageUnderAnEnglishHeaderIsNotEnglish() {
        SyntheticWeb web = new SyntheticWeb(5);
        StringBuilder header = new StringBuilder();
        while (header.length() < 1100) {
            header.append(web.sentence(WordLists.EN)).append(' ');
        }
        String page = header + "\n" + persian(5000, 1);
        LanguageFilter en = new LanguageFilter(LanguageConfig.defaults(), 42);
        Map<String, Double> scores = en.scores(page);
        double share = header.length() / (double) page.length(); // ~0.18
        assertEquals(share, scores.getOrDefault("en", 0.0), 0.12, scores.toString());
        assertTrue(scores.getOrDefault("fa", 0.0) > 0.6, scores.toString());
        StepResult.Drop d = (StepResult.Drop) en.apply(doc(page), new StepStats("language"));
        assertEquals("language_not_allowed", d.reason());
        assertTrue(d.detail().startsWith("fa"), d.detail());
        // half and half: neither language above 0.65, and their scores near the shares
        String half = header + "\n" + persian(header.length(), 2);
        Map<String, Double> h = en.scores(half);
        assertEquals(0.5, h.getOrDefault("en", 0.0), 0.2, h.toString());
        assertEquals(0.5, h.getOrDefault("fa", 0.0), 0.2, h.toString());
        // a whole English page: the score stays near 1
        String english = web.prose(WordLists.EN, 6);
        assertTrue(en.scores(english).get("en") > 0.9, en.scores(english).toString());
        // the same decisions on a rerun (seeded sampling)
        assertEquals(scores, new LanguageFilter(LanguageConfig.defaults(), 42).scores(page));
    }

    @Test
    void windowsCoverTheWholeTextWithoutCuttingWords() {
        String text = "word ".repeat(1000); // 5000 chars
        List<int[]> w = LanguageFilter.windows(text, 5, 200);
        assertEquals(5, w.size());
        assertEquals(0, w.get(0)[0]);
        assertTrue(w.get(4)[1] >= 4950, "the last window reaches the end: " + w.get(4)[1]);
        for (int[] s : w) {
            assertTrue(s[0] == 0 || text.charAt(s[0] - 1) == ' ', "starts after a space: " + s[0]);
            assertTrue(s[1] == text.length() || text.charAt(s[1]) == ' ', "ends before a space: " + s[1]);
            assertTrue(s[1] - s[0] >= 150 && s[1] - s[0] <= 260, "width " + (s[1] - s[0]));
        }
        List<int[]> short3 = LanguageFilter.windows("x".repeat(450), 5, 200);
        assertEquals(List.of(0, 150, 150, 300, 300, 450), short3.stream().flatMap(s -> java.util.stream.Stream.of(
                s[0], s[1])).toList(), "a short text is covered by consecutive windows");
        assertEquals(0, LanguageFilter.windows("", 5, 200).size());
    }

    @Test
    void languageScoreThresholdBothSides() {
        String mixed = new SyntheticWeb(2).prose(WordLists.EN, 2) + " " + new SyntheticWeb(3).prose(WordLists.DE, 1);
        LanguageFilter loose = new LanguageFilter(new LanguageConfig(true, List.of("en", "de"), 0.0, 5, 200), 1);
        Document kept = ((StepResult.Keep) loose.apply(doc(mixed), new StepStats("l"))).doc();
        double score = Double.parseDouble(kept.metadata().get("language_score"));
        LanguageFilter below = new LanguageFilter(new LanguageConfig(true, List.of("en", "de"), score - 0.01,
                5, 200), 1);
        LanguageFilter above = new LanguageFilter(new LanguageConfig(true, List.of("en", "de"),
                Math.min(1, score + 0.01), 5, 200), 1);
        assertTrue(below.apply(doc(mixed), new StepStats("l")) instanceof StepResult.Keep);
        assertEquals("language_low_score", ((StepResult.Drop) above.apply(doc(mixed), new StepStats("l"))).reason());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LanguageFilter(new LanguageConfig(true, List.of("xx"), 0.5, 5, 100), 1));
        assertTrue(e.getMessage().startsWith("languages: 'xx'"), e.getMessage());
    }

    @Test
    void piiRedactsEmailsAndAddressesButNotLookAlikes() {
        PiiRedactor pii = new PiiRedactor(PiiConfig.defaults());
        StepStats stats = new StepStats("pii");
        String text = "Write to anna.berg42@mail-example.org or j.smith@post.example.net today. "
                + "Server 192.168.1.20 and 10.0.0.1, not 256.1.1.1 nor version 1.2.3.4.5. "
                + "IPv6 2001:0db8:85a3:0000:0000:8a2e:0370:7334 and fe80::1ff:fe23:4567:890a, "
                + "not the time 12:30:45 nor ::1 nor an @handle.";
        String out = ((StepResult.Keep) pii.apply(doc(text), stats)).doc().text();
        assertEquals("Write to email@example.com or email@example.com today. "
                + "Server 0.0.0.0 and 0.0.0.0, not 256.1.1.1 nor version 1.2.3.4.5. "
                + "IPv6 :: and ::, not the time 12:30:45 nor ::1 nor an @handle.", out);
        assertEquals(2L, stats.counters().get("emails"));
        assertEquals(2L, stats.counters().get("ipv4"));
        assertEquals(2L, stats.counters().get("ipv6"));
        PiiRedactor emailsOnly = new PiiRedactor(new PiiConfig(true, true, false, false, "<EMAIL>", "", ""));
        assertEquals("<EMAIL> at 10.0.0.1", ((StepResult.Keep) emailsOnly.apply(doc("a@b.io at 10.0.0.1"),
                new StepStats("p"))).doc().text());
    }

    @Test
    void generatedPiiIsAlwaysFound() {
        SyntheticWeb web = new SyntheticWeb(17);
        PiiRedactor pii = new PiiRedactor(PiiConfig.defaults());
        for (int i = 0; i < 200; i++) {
            String email = web.email();
            String v4 = web.ipv4();
            String v6 = web.ipv6();
            String out = ((StepResult.Keep) pii.apply(doc("Mail " + email + ", hosts " + v4 + " and " + v6 + "."),
                    new StepStats("p"))).doc().text();
            assertEquals("Mail email@example.com, hosts 0.0.0.0 and ::.", out, email + " " + v4 + " " + v6);
        }
    }

    @Test
    void chainCountsEveryStepAndRoutesDrops() {
        DocumentStep upper = new DocumentStep() {
            public String name() {
                return "upper";
            }

            public StepResult apply(Document d, StepStats s) {
                return StepResult.keep(d.withText(d.text().toUpperCase()));
            }
        };
        DocumentStep noShort = new DocumentStep() {
            public String name() {
                return "no_short";
            }

            public StepResult apply(Document d, StepStats s) {
                return d.text().length() < 4 ? StepResult.drop("short", "len " + d.text().length()) : StepResult.keep(d);
            }
        };
        StepChain chain = new StepChain(List.of(upper, noShort));
        List<Reject> rejects = new ArrayList<>();
        assertEquals("LONGER", chain.apply(doc("longer"), rejects::add).text());
        assertNull(chain.apply(new Document("x1", "ab", "src"), rejects::add));
        assertEquals(List.of(new Reject("x1", "src", "no_short", "short", "len 2", "AB")), rejects);
        StepStats up = chain.stats().get(0);
        StepStats ns = chain.stats().get(1);
        assertEquals(List.of(2L, 2L, 8L, 8L), List.of(up.documentsIn(), up.kept(), up.bytesIn(), up.bytesOut()));
        assertEquals(List.of(2L, 1L, 1L, 6L), List.of(ns.documentsIn(), ns.kept(), ns.droppedTotal(), ns.bytesOut()));
        assertFalse(ns.dropped().isEmpty());
    }
}
