"""Lessons 04 and 05: the exercise graders accept right answers and catch typical wrong ones with a useful hint."""
import math

import numpy as np
import pytest

from emojify_lib import exercises as ex
from conftest import fails


def test_exported():
    for name in ("check_conv_output_size", "check_conv_params", "check_receptive_field",
                 "check_steps_per_epoch", "check_cross_entropy"):
        assert name in ex.__all__


# --- Lesson 04 ---------------------------------------------------------------------------------------------

def right_size(n, k, s, padding):
    return (n - k) // s + 1 if padding == "valid" else math.ceil(n / s)


def test_conv_output_size(capsys):
    ex.check_conv_output_size(right_size)
    assert "✅ Correct" in capsys.readouterr().out
    fails(ex.check_conv_output_size, lambda n, k, s, p: (n - k) // s + 1, match="'valid' formula")
    fails(ex.check_conv_output_size, lambda n, k, s, p: n if p == "same" else (n - k) // s + 1, match="stride > 1")
    fails(ex.check_conv_output_size, lambda n, k, s, p: n // s if p == "same" else (n - k) // s + 1,
          match="round UP")
    fails(ex.check_conv_output_size, lambda n, k, s, p: math.ceil(n / s) if p == "same" else (n - k) / s + 1,
          match="round down")
    fails(ex.check_conv_output_size, lambda n, k, s, p: math.ceil(n / s) if p == "same" else (n - k) // s,
          match="first window")
    fails(ex.check_conv_output_size, lambda n, k, s, p: math.ceil(n / s) if p == "same" else n - k + 1,
          match="stride")
    fails(ex.check_conv_output_size, lambda n, k, s, p: str(right_size(n, k, s, p)), match="expected an int")
    fails(ex.check_conv_output_size, lambda n, k, s: n, match="raised TypeError")


def test_conv_params(capsys):
    ex.check_conv_params(lambda k, ci, co: (k * k * ci + 1) * co)
    assert "✅ Correct" in capsys.readouterr().out
    fails(ex.check_conv_params, lambda k, ci, co: k * k * ci * co, match="biases")
    fails(ex.check_conv_params, lambda k, ci, co: (k * k + 1) * co, match="ALL input channels")
    fails(ex.check_conv_params, lambda k, ci, co: (k * k * co + 1) * ci, match="swapped")
    fails(ex.check_conv_params, lambda k, ci, co: (k * ci + 1) * co, match="k × k")
    fails(ex.check_conv_params, lambda k, ci, co: 18496, match="expected")


def right_rf(layers):
    r, j = 1, 1
    for k, s in layers:
        r, j = r + (k - 1) * j, j * s
    return r


def test_receptive_field(capsys):
    ex.check_receptive_field(right_rf)
    assert "✅ Correct" in capsys.readouterr().out
    fails(ex.check_receptive_field, lambda layers: 1 + sum(k - 1 for k, _ in layers), match="jump")

    def jump_first(layers):
        r, j = 1, 1
        for k, s in layers:
            j *= s
            r += (k - 1) * j
        return r

    fails(ex.check_receptive_field, jump_first, match="update r first")
    fails(ex.check_receptive_field, lambda layers: sum(k for k, _ in layers), match="k - 1")
    fails(ex.check_receptive_field, lambda layers: 24, match="expected")


def test_classic_receptive_field_matches_anatomy():
    from emojify_lib.lessons import anatomy
    from emojify_lib.model import networks as models

    fields = {f.name: f.size for f in anatomy.receptive_fields(models.classic_cnn())}
    assert fields["pool3"] == right_rf([(3, 1), (3, 1), (2, 2), (3, 1), (2, 2), (3, 1), (2, 2)]) == 24
