"""randomized fault runs in CI: a fixed slice of the soak's seeds

Each example is one seeded run of ``soak.py`` (random edits on 3 nodes, a
sync killed or failed at a random named point, syncs until converged,
invariants checked).  Four chunks of 50 seeds, so ``-n 2`` shares them.
"""

import pytest

import soak

CHUNK = 50


@pytest.mark.parametrize('chunk', range(4))
def test_random_kills_lose_nothing(chunk):
    figures = soak.soak(CHUNK, seed=1000 + chunk * CHUNK, perworld=25)
    assert figures['runs'] == CHUNK
    assert figures['lost'] == 0
    assert figures['rounds'] <= 2
