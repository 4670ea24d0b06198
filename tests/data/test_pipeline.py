"""Helpers of the tf.data pipeline module."""
import numpy as np
import pytest

from emojify_lib.core.errors import DataError
from emojify_lib.data.pipeline import class_weights


def test_class_weights_are_balanced_and_refuse_bad_labels():
    w = class_weights([0, 0, 0, 1], num_classes=3)
    assert w == {0: 4 / 9, 1: 4 / 3, 2: 0.0}
    assert set(class_weights(np.arange(7).repeat(5)).values()) == {1.0}
    with pytest.raises(DataError, match="labels must lie in 0..6"):
        class_weights([0, 7])
    with pytest.raises(DataError, match="no labels"):
        class_weights([])
