package ai.stratum.train.sft;

import ai.stratum.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.OptionalInt;

/**
 * Turns an {@link SftExample} into token ids and a per-token "trained" flag through a {@link ChatTemplate}.
 *
 * <p>The sequence is {@code [<|endoftext|>] (prefix content turn_end)*}: it opens with the end-of-text token as
 * every pretraining document does (when the tokenizer has one). By default only the assistant's content and
 * its turn end are trained (the prompt is masked); {@code trainOnInputs} trains on every token.
 */
public final class SftEncoder implements ChatEncoder {

    /** Tokens of one example and whether each one is a training target. */
    public record Encoded(int[] tokens, boolean[] trained) {
        public Encoded {
            if (tokens.length != trained.length) {
                throw new IllegalArgumentException("trained: must have one flag per token");
            }
        }

        public int length() {
            return tokens.length;
        }

        /** Targets that count: flags from the second token on (the first token is never predicted). */
        public int trainedTargets() {
            int n = 0;
            for (int i = 1; i < trained.length; i++) {
                n += trained[i] ? 1 : 0;
            }
            return n;
        }

        /** The first {@code n} tokens. */
        public Encoded truncate(int n) {
            return new Encoded(Arrays.copyOf(tokens, n), Arrays.copyOf(trained, n));
        }
    }

    private final Tokenizer tokenizer;
    private final boolean trainOnInputs;
    private final int[] prefixIds = new int[Message.Role.values().length];
    private final int turnEndId;
    private final OptionalInt bos;

    public SftEncoder(Tokenizer tokenizer, ChatTemplate template, boolean trainOnInputs) {
        this.tokenizer = tokenizer;
        this.trainOnInputs = trainOnInputs;
        for (Message.Role role : Message.Role.values()) {
            prefixIds[role.ordinal()] = require(tokenizer, template.prefix(role));
        }
        this.turnEndId = require(tokenizer, template.turnEnd());
        this.bos = tokenizer.specialTokenId(Tokenizer.END_OF_TEXT);
    }

    private static int require(Tokenizer tokenizer, String token) {
        OptionalInt id = tokenizer.specialTokenId(token);
        if (id.isEmpty()) {
            throw new IllegalArgumentException("the tokenizer has no special token '" + token
                    + "' that the chat template needs; add the template's tokens to it first "
                    + "(Tokenizer.withSpecialTokens(template.specialTokens()))");
        }
        return id.getAsInt();
    }

    @Override
    public Encoded encode(SftExample example) {
        IntBoolList out = new IntBoolList();
        if (bos.isPresent()) {
            out.add(bos.getAsInt(), false);
        }
        for (Message m : example.messages()) {
            boolean learn = trainOnInputs || m.role() == Message.Role.ASSISTANT;
            out.add(prefixIds[m.role().ordinal()], trainOnInputs);
            for (int id : tokenizer.encodeOrdinary(m.content())) {
                out.add(id, learn);
            }
            out.add(turnEndId, learn);
        }
        return out.build();
    }

    /** The prompt of a generation request: the conversation so far plus the assistant's prefix, untrained. */
    @Override
    public int[] encodePrompt(java.util.List<Message> messages) {
        IntBoolList out = new IntBoolList();
        if (bos.isPresent()) {
            out.add(bos.getAsInt(), false);
        }
        for (Message m : messages) {
            out.add(prefixIds[m.role().ordinal()], false);
            for (int id : tokenizer.encodeOrdinary(m.content())) {
                out.add(id, false);
            }
            out.add(turnEndId, false);
        }
        out.add(prefixIds[Message.Role.ASSISTANT.ordinal()], false);
        return out.build().tokens();
    }

    public int turnEndId() {
        return turnEndId;
    }

    @Override
    public int[] stopIds() {
        return new int[]{turnEndId};
    }

    @Override
    public String describe() {
        return "Stratum's special-token chat template";
    }

    private static final class IntBoolList {
        private int[] ids = new int[64];
        private boolean[] flags = new boolean[64];
        private int size;

        void add(int id, boolean flag) {
            if (size == ids.length) {
                ids = Arrays.copyOf(ids, size * 2);
                flags = Arrays.copyOf(flags, size * 2);
            }
            ids[size] = id;
            flags[size] = flag;
            size++;
        }

        Encoded build() {
            return new Encoded(Arrays.copyOf(ids, size), Arrays.copyOf(flags, size));
        }
    }
}
