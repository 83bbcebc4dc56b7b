"""Titles that only look different (UTS #39 confusables) are the same title."""

from __future__ import annotations

import pytest

from site_builder.crosscheck import title_skeleton

ORIGINAL = "Medical Anomaly Detection"


@pytest.mark.parametrize("lookalike", [
    "Medic\u0430l Anomaly Detection",  # Cyrillic а
    "Medical An\u03bfmaly Detection",  # Greek omicron
    "Med\u200dical Anomaly\u200b Detection",  # zero-width joiner and space
    "Ｍｅｄｉｃａｌ Anomaly Detection",  # full-width letters
    "MEDICAL ANOMALY DETECTION",
])
def test_lookalike_titles_share_a_skeleton(lookalike: str) -> None:
    assert title_skeleton(lookalike) == title_skeleton(ORIGINAL)


@pytest.mark.parametrize("other", ["Medical Anomaly Segmentation", "Medical Anomaly Detection 2",
                                   "Μεδικαλ"])
def test_different_titles_stay_different(other: str) -> None:
    assert title_skeleton(other) != title_skeleton(ORIGINAL)


def test_accents_still_fold_as_before() -> None:
    assert title_skeleton("Frénay’s Straße") == title_skeleton("Frenay's Strasse")
