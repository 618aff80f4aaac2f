"""Reading a Prometheus text exposition in tests: every sample by name and labels."""
from __future__ import annotations

from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families


@dataclass(frozen=True)
class Samples:
    """The samples of one scrape: (sample name, sorted labels) → value."""

    values: dict[tuple[str, tuple[tuple[str, str], ...]], float]

    @classmethod
    def parse(cls, text: str) -> "Samples":
        values = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
        return cls(values)

    def get(self, name: str, **labels: str) -> float | None:
        """The one sample with exactly these labels, or None."""
        return self.values.get((name, tuple(sorted(labels.items()))))

    def value(self, name: str, **labels: str) -> float:
        """Like `get`, with an absent sample read as 0 (a counter not incremented yet)."""
        return self.get(name, **labels) or 0.0

    def total(self, name: str, **labels: str) -> float:
        """The sum of every sample of `name` whose labels include these."""
        wanted = set(labels.items())
        return sum(v for (n, ls), v in self.values.items() if n == name and wanted <= set(ls))

    def names(self) -> set[str]:
        return {n for n, _ in self.values}

    def label_values(self, name: str, label: str) -> set[str]:
        """Every value `label` takes among the samples of `name`."""
        return {dict(ls)[label] for n, ls in self.values if n == name and label in dict(ls)}
