"""The names data set of the character-level models (notebook 14, exercise 15)."""

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
