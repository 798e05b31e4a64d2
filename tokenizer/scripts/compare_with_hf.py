#!/usr/bin/env python3
"""Checks that Hugging Face `tokenizers` loads a Stratum tokenizer.json and encodes a text file to the same ids.

Usage:
  stratum tokenizer encode --tokenizer tokenizer.json --input text.txt --allow-all-special --output ids.txt
  python3 compare_with_hf.py tokenizer.json text.txt ids.txt

Needs the `tokenizers` package (pip install tokenizers); Hugging Face matches special tokens in text by
default, hence --allow-all-special. Exits 1 on the first difference.
"""
import sys

from tokenizers import Tokenizer


def main(tokenizer_json, text_file, ids_file):
    tok = Tokenizer.from_file(tokenizer_json)
    text = open(text_file, encoding="utf-8").read()
    ours = [int(x) for x in open(ids_file).read().split()]
    theirs = tok.encode(text, add_special_tokens=False).ids
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if a != b:
            print(f"ids differ at token {i}: stratum {ours[i:i + 8]} vs tokenizers {theirs[i:i + 8]}")
            return 1
    if len(ours) != len(theirs):
        print(f"lengths differ: stratum {len(ours)} vs tokenizers {len(theirs)}")
        return 1
    if tok.decode(ours, skip_special_tokens=False) != text:
        print("tokenizers' decode of the ids differs from the text")
        return 1
    print(f"{len(ours)} ids identical; vocab_size {tok.get_vocab_size()}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
