"""What the bot remembers of the update ids it claimed, so new ones need no database read."""

from bot.process.once_per_update import ClaimedSinceStart


def test_above_the_floor_an_id_is_claimed_exactly_when_it_was_added() -> None:
    claimed = ClaimedSinceStart(floor=100)
    claimed.add(105)
    assert claimed.knows(101) and 101 not in claimed
    assert claimed.knows(105) and 105 in claimed
    assert not claimed.knows(100)  # stored before the start: the database knows
    claimed.add(99)  # a redelivery from before the start, claimed now
    assert 99 not in claimed and not claimed.knows(99)


def test_a_full_set_raises_the_floor_past_the_ids_it_lets_go() -> None:
    claimed = ClaimedSinceStart(floor=0, keep=3)
    for update_id in range(1, 8):  # seven ids: more than twice three
        claimed.add(update_id)
    assert claimed.floor == 4
    assert not claimed.knows(4) and not claimed.knows(1)  # let go: asked of the database
    assert all(update_id in claimed for update_id in (5, 6, 7))
    assert claimed.knows(8) and 8 not in claimed
