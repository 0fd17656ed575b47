"""Precision and recall of the news geoparser on the annotated headlines, and its throughput.

tests/data/geoparse/headlines.jsonl holds real-style headlines and summaries
(US and non-US news, Title Case and all caps, people, teams, common words,
demonyms) with the places a careful reader would resolve from the text
alone: `places` (span + GeoNames id, county FIPS, admin1 or country) and
`ambiguous` (names the text leaves open: resolving them is a guess). A
"Springfield, Illinois" with its qualifier is one span. A resolved mention
counts as correct when it overlaps an expected span and names the same place;
the qualifier's own mention ("Illinois"), on a span another mention already
got right, counts neither way.
"""

from __future__ import annotations

import json
import time

from contextfeed.geo.geoparse import Geoparser
from contextfeed.geo.model import PlaceMention

from .conftest import GEOPARSE_DATA

MIN_PRECISION = 0.95
MIN_RECALL = 0.80


def _same_place(mention: PlaceMention, expected: dict) -> bool:
    if mention.precision.value != expected["precision"]:
        return False
    field = {"city": "geonameid", "county": "county_fips", "admin1": "admin1", "country": "country"}
    key = field[expected["precision"]]
    return getattr(mention, key) == expected[key]


def _overlaps(mention: PlaceMention, span: dict) -> bool:
    return mention.start < span["end"] and span["start"] < mention.end


def test_geoparser_precision_and_recall_on_annotated_headlines(geoparser: Geoparser) -> None:
    records = [json.loads(line) for line in (GEOPARSE_DATA / "headlines.jsonl").read_text().splitlines()]
    assert len(records) >= 300
    correct = wrong = missed = 0
    for record in records:
        found = set()
        # Nationalities and continents ("French striker") locate actors, not the story: the set leaves them out.
        for mention in (m for m in geoparser.parse(record["text"]) if m.resolved and m.kind == "name"):
            hits = [i for i, span in enumerate(record["places"]) if _overlaps(mention, span)]
            if hits and hits[0] in found:
                continue
            if hits and _same_place(mention, record["places"][hits[0]]):
                correct += 1
                found.add(hits[0])
            else:
                wrong += 1
        missed += len(record["places"]) - len(found)
    precision = correct / (correct + wrong)
    recall = correct / (correct + missed)
    print(
        f"\ngeoparse on {len(records)} texts: precision {precision:.3f}, recall {recall:.3f} "
        f"({correct} correct, {wrong} wrong, {missed} missed)"
    )
    assert precision >= MIN_PRECISION
    assert recall >= MIN_RECALL


def test_ten_thousand_texts_are_geoparsed_well_under_a_minute(geoparser: Geoparser) -> None:
    records = [json.loads(line)["text"] for line in (GEOPARSE_DATA / "headlines.jsonl").read_text().splitlines()]
    texts = [f"{records[i % len(records)]} {records[(i * 7) % len(records)]}" for i in range(10_000)]
    started = time.perf_counter()
    for text in texts:
        geoparser.parse(text)
    elapsed = time.perf_counter() - started
    print(f"\n10,000 texts geoparsed in {elapsed:.1f} s")
    assert elapsed < 30
