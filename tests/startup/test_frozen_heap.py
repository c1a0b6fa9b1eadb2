"""``brm()`` runs with the objects alive at its call frozen out of cyclic garbage collection.

:func:`brmsjax.brm_steps.frozen_heap` freezes them for the call and unfreezes them after it,
returned or raised, and leaves a process that froze objects itself as it was.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from brmsjax.brm_steps import frozen_heap


@pytest.fixture
def no_frozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def _count_inside() -> int:
    return gc.get_freeze_count()


def _raise() -> int:
    raise ValueError("inside")


@pytest.mark.parametrize(
    ("user_frozen", "fn", "frozen_inside", "error"),
    [
        (False, _count_inside, True, None),
        (False, _raise, None, ValueError),
        (True, _count_inside, True, None),
        (True, _raise, None, ValueError),
    ],
)
def test_frozen_during_the_call_and_as_before_after_it(
    no_frozen: None, user_frozen: bool, fn: object, frozen_inside: bool | None, error: type | None
) -> None:
    if user_frozen:
        gc.freeze()
    before = gc.get_freeze_count()
    wrapped = frozen_heap(fn)  # type: ignore[type-var]
    if error is None:
        assert (wrapped() > 0) is frozen_inside
    else:
        with pytest.raises(error, match="inside"):
            wrapped()
    # unfrozen after the call, or the user's frozen objects left as they were
    assert gc.get_freeze_count() == before
    assert (before > 0) is user_frozen


def test_brm_keeps_its_name_and_signature() -> None:
    import inspect

    from brmsjax import brm

    assert brm.__module__ == "brmsjax.api"
    assert brm.__name__ == "brm"
    assert list(inspect.signature(brm).parameters)[:3] == ["formula", "data", "family"]
