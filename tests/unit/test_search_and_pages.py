"""Searches find text in any case and take a typed % or _ literally; page counts agree everywhere."""

import pytest

from app.client_list.queries import ListParams, list_clients
from app.core.queries import clamp_page, page_count
from app.review.services import list_unmatched, search_clients
from tests import factories as f


async def test_the_clients_list_takes_percent_and_underscore_literally(alice):
    await f.client(alice.workspace.id, "50% Off Studio")
    await f.client(alice.workspace.id, "500 Club")
    await f.client(alice.workspace.id, "Under_Score Ltd", emails=("ap@under_score.io",))
    await f.client(alice.workspace.id, "UnderXScore Ltd")

    async def names(q: str) -> list[str]:
        return [row["name"] for row in (await list_clients(alice.actor, ListParams(q=q))).rows]

    assert await names("50%") == ["50% Off Studio"]
    assert await names("under_") == ["Under_Score Ltd"]
    assert await names("UNDERXSCORE") == ["UnderXScore Ltd"]
    assert await names("%") == ["50% Off Studio"]


async def test_the_review_grid_and_client_picker_take_wildcards_literally(alice):
    await f.customer(alice.workspace.id, email="ap@fifty.io", name="50% Off Studio")
    await f.customer(alice.workspace.id, email="ap@club.io", name="500 Club")
    await f.client(alice.workspace.id, "A_B Partners")
    await f.client(alice.workspace.id, "AXB Partners")
    listing = await list_unmatched(alice.actor, "50%")
    assert [row["name"] for row in listing.rows] == ["50% Off Studio"]
    assert [row["name"] for row in (await list_unmatched(alice.actor, "CLUB")).rows] == ["500 Club"]
    assert [row["name"] for row in await search_clients(alice.actor, "a_b")] == ["A_B Partners"]


@pytest.mark.parametrize(("total", "pages"), [(0, 1), (1, 1), (25, 1), (26, 2), (50, 2), (51, 3)])
def test_page_count_rounds_up_and_never_says_zero(total, pages):
    assert page_count(total, 25) == pages


def test_a_page_past_the_end_or_before_the_start_is_brought_back():
    assert clamp_page(9, total=30, page_size=25) == 2
    assert clamp_page(0, total=30, page_size=25) == 1
    assert clamp_page(None, total=0, page_size=25) == 1
