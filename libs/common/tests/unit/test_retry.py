import pytest

from switchyard.common.messaging.retry import RetryPolicy


def test_ceiling_grows_exponentially_then_caps():
    policy = RetryPolicy(base_delay=0.1, max_delay=1.0, multiplier=2.0)

    assert [policy.ceiling(n) for n in range(1, 7)] == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.0, 1.0])


def test_delay_is_between_half_and_full_ceiling():
    policy = RetryPolicy(base_delay=0.4, max_delay=10.0)

    assert policy.delay(2, rand=lambda: 0.0) == pytest.approx(0.4)
    assert policy.delay(2, rand=lambda: 0.5) == pytest.approx(0.6)
    assert policy.delay(2, rand=lambda: 1.0) == pytest.approx(0.8)


def test_delay_never_drops_below_half_the_base_delay():
    policy = RetryPolicy(base_delay=0.2, max_delay=5.0)

    assert min(policy.delay(n) for n in range(1, 50) for _ in range(20)) >= 0.1


def test_huge_attempt_numbers_stay_capped():
    policy = RetryPolicy(base_delay=0.5, max_delay=30.0)

    assert policy.ceiling(10_000) == 30.0


def test_attempts_are_bounded():
    policy = RetryPolicy(max_attempts=3)

    assert [policy.retries_left(n) for n in (1, 2, 3, 4)] == [True, True, False, False]


@pytest.mark.parametrize(
    "kwargs",
    [{"max_attempts": 0}, {"base_delay": 0}, {"base_delay": 2.0, "max_delay": 1.0}, {"multiplier": 0.5}],
)
def test_nonsense_policies_are_refused(kwargs: dict[str, float]):
    with pytest.raises(ValueError, match=r"policy|multiplier"):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]
