"""Test helpers: scrape /metrics as Prometheus does and read the samples."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families


class Samples:
    """One scrape: ``samples["nethcti_ami_up"]`` or ``samples.get("…", route="/x")``."""

    def __init__(self, text: str):
        self.samples = [s for family in text_string_to_metric_families(text) for s in family.samples]

    def get(self, name: str, default=None, **labels):
        for sample in self.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
        return default

    def labelled(self, name: str, label: str) -> dict[str, float]:
        return {s.labels[label]: s.value for s in self.samples if s.name == name}

    def __getitem__(self, name: str) -> float:
        value = self.get(name)
        assert value is not None, f"no sample {name}"
        return value


async def scrape(url: str, **kwargs) -> Samples:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{url}/metrics", **kwargs)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return Samples(response.text)
