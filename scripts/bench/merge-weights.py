#!/usr/bin/env python3
"""Merges weight files generated with scripts/templates/weight-template.hbs for different
benchmark groups into one: the header of the first, then the union of the trait's
functions and of both impls' bodies.

    scripts/bench/merge-weights.py OUT.rs PART.rs [PART.rs ...]
"""
import sys

BLOCKS = (
    "pub trait WeightInfo {",
    "impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {",
    "impl WeightInfo for () {",
)


def split(text):
    """(text before each block's opening line, block inner lines) for the three blocks."""
    lines = text.split("\n")
    parts, inner, outside, current = [], {}, [], None
    for line in lines:
        if current is None and line in BLOCKS:
            outside.append(line)
            parts.append(outside)
            outside, current = [], line
            inner[current] = []
        elif current is not None and line == "}":
            current = None
            outside.append(line)
        elif current is not None:
            inner[current].append(line)
        else:
            outside.append(line)
    parts.append(outside)
    return parts, inner


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, files = sys.argv[1], sys.argv[2:]
    texts = [open(f).read() for f in files]
    parts, merged = split(texts[0])
    for text in texts[1:]:
        _, inner = split(text)
        for block in BLOCKS:
            merged[block] += inner[block]
    result = []
    for k, block in enumerate(BLOCKS):
        result += parts[k]
        result += merged[block]
    result += parts[len(BLOCKS)]
    with open(out, "w") as f:
        f.write("\n".join(result))


if __name__ == "__main__":
    main()
