import numpy as np
import pytest

from emojify_lib.core import emotions as E


def test_canonical_order_is_fer2013_ids():
    assert E.EMOTIONS == ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
    assert E.NUM_CLASSES == 7


def test_classic_order_is_alphabetical_folder_order():
    assert list(E.CLASSIC_ORDER) == sorted(E.CLASSIC_ORDER)
    # the classic dict {0 Angry, 1 Disgusted, 2 Fearful, 3 Happy, 4 Neutral, 5 Sad, 6 Surprised}
    assert E.CLASSIC_ORDER[4] == "neutral" and E.CLASSIC_ORDER[5] == "sad" and E.CLASSIC_ORDER[6] == "surprise"


def test_mapping_round_trip_and_meaning():
    classic = np.eye(7)  # row i: classic output unit i is certain
    canonical = E.classic_to_canonical(classic)
    for i, name in enumerate(E.CLASSIC_ORDER):
        assert E.EMOTIONS[int(np.argmax(canonical[i]))] == name
    rng = np.random.default_rng(0)
    p = rng.random((5, 7))
    np.testing.assert_array_equal(E.canonical_to_classic(E.classic_to_canonical(p)), p)
    assert not np.array_equal(E.classic_to_canonical(p), p)  # the orders really differ


@pytest.mark.parametrize("name,label", [("Angry", 0), ("disgusted", 1), ("disgust", 1), ("fearful", 2),
                                        ("fear", 2), ("HAPPY", 3), ("sad", 4), ("surprised", 5),
                                        ("surprise", 5), ("neutral", 6)])
def test_folder_names_map_by_name(name, label):
    assert E.label_of(name) == label


def test_unknown_name_is_explained():
    with pytest.raises(KeyError, match="not an emotion class"):
        E.label_of("contempt")


def test_every_class_has_display_name_and_emoji():
    assert set(E.DISPLAY_NAMES) == set(E.EMOTIONS) == set(E.EMOJI_FILES)
