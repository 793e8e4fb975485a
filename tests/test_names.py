"""The names data set of the character-level models (notebook 14, exercise 15)."""

import fnmatch
import re
from pathlib import Path

import numpy as np

import micrograd_nb as mg


def test_load_names_gives_the_census_first_names():
    names = mg.data.load_names()
    assert len(names) == 5163 and names == sorted(set(names))
    assert {"emma", "olivia", "james", "mary"} <= set(names)
    assert set("".join(names)) == set("abcdefghijklmnopqrstuvwxyz")


def test_vocabulary_and_contexts_of_emma():
    stoi, itos = mg.data.char_vocabulary(mg.data.load_names())
    assert len(stoi) == 27 and stoi["."] == 0 and stoi["a"] == 1 and itos[26] == "z"
    X, Y = mg.data.char_ngrams(["emma"], stoi, block_size=3)
    contexts = ["".join(itos[i] for i in row) for row in X]
    assert contexts == ["...", "..e", ".em", "emm", "mma"]
    assert "".join(itos[i] for i in Y) == "emma."
    X, Y = mg.data.char_ngrams(["ab", "c"], stoi, block_size=2)
    assert X.shape == (5, 2) and X.dtype == np.int64
    np.testing.assert_array_equal(Y, [1, 2, 0, 3, 0])


def test_the_wheel_carries_the_names_and_their_source_note():
    """Every file under micrograd_nb/data/ matches a package-data pattern of pyproject.toml."""
    root = Path(__file__).resolve().parents[1]
    text = (root / "pyproject.toml").read_text()
    table = re.search(
        r"\[tool\.setuptools\.package-data\][^\[]*micrograd_nb\s*=\s*\[([^\]]*)\]", text
    )
    patterns = re.findall(r'"([^"]+)"', table.group(1))
    files = sorted(
        p.relative_to(root / "micrograd_nb").as_posix()
        for p in (root / "micrograd_nb" / "data").iterdir()
    )
    assert files == ["data/NAMES_SOURCE.md", "data/names.txt"]
    for name in files:
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns), name
    assert "public domain" in (root / "micrograd_nb" / "data" / "NAMES_SOURCE.md").read_text()
