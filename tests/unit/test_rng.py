import numpy as np

from sim.rng import Streams


def test_same_name_same_numbers_whatever_the_creation_order() -> None:
    a = Streams(7, 3)
    first = a.generator("demand/S01/A").random(5)
    a.generator("other").random(100)
    b = Streams(7, 3)
    b.generator("x").random(3)
    assert np.array_equal(b.generator("demand/S01/A").random(5), first)


def test_names_replications_and_seeds_give_different_streams() -> None:
    base = Streams(7, 3).generator("demand/S01/A").random(4)
    assert not np.array_equal(Streams(7, 3).generator("demand/S01/B").random(4), base)
    assert not np.array_equal(Streams(7, 4).generator("demand/S01/A").random(4), base)
    assert not np.array_equal(Streams(8, 3).generator("demand/S01/A").random(4), base)
