"""Token costs from the one price table, and usage summed per call and per request."""
import pytest

from server.llm.pricing import cost_usd, price_of
from server.llm.usage import Usage, UsageLedger


def test_cost_is_tokens_times_the_price_per_million() -> None:
    # gpt-4o-mini: $0.15 in, $0.60 out per million tokens.
    assert cost_usd("gpt-4o-mini", 1_000_000, 0) == pytest.approx(0.15)
    assert cost_usd("gpt-4o-mini", 2000, 500) == pytest.approx((2000 * 0.15 + 500 * 0.60) / 1e6)
    assert cost_usd("claude-haiku-4-5", 1000, 1000) == pytest.approx((1000 * 1.00 + 1000 * 5.00) / 1e6)


def test_dated_snapshots_price_like_their_family_by_longest_prefix() -> None:
    assert price_of("gpt-4o-mini-2024-07-18") == price_of("gpt-4o-mini")
    assert price_of("gpt-4o-2024-08-06") == price_of("gpt-4o") != price_of("gpt-4o-mini")
    assert price_of("claude-haiku-4-5-20251001") == price_of("claude-haiku-4-5")


def test_an_unknown_model_costs_nothing_rather_than_failing() -> None:
    assert price_of("mystery-model") is None
    assert cost_usd("mystery-model", 10_000, 10_000) == 0.0


def test_usage_adds_up() -> None:
    total = Usage.of("gpt-4o-mini", 100, 10) + Usage.of("claude-haiku-4-5", 50, 5)
    assert (total.input_tokens, total.output_tokens, total.calls, total.total_tokens) == (150, 15, 2, 165)
    assert total.cost_usd == pytest.approx(cost_usd("gpt-4o-mini", 100, 10) + cost_usd("claude-haiku-4-5", 50, 5))


def test_ledger_keeps_each_answer_and_the_total() -> None:
    ledger = UsageLedger()
    ledger.add("openai", "gpt-4o-mini", "classify", Usage.of("gpt-4o-mini", 100, 10))
    ledger.add("anthropic", "claude-haiku-4-5", "synthesis", Usage.of("claude-haiku-4-5", 7, 3))
    assert [(e.provider, e.kind) for e in ledger.entries] == [("openai", "classify"), ("anthropic", "synthesis")]
    assert ledger.total.input_tokens == 107 and ledger.total.calls == 2
