"""Countries, admin1 units and continents as places: a representative point and a bounding box, and the words for them.

The points and boxes are read from `data/regions.json.gz`, built by
`python -m contextfeed.geo.regions_build` from installed data packages (its
docstring says which). The word lists are general English usage, curated by
hand: the adjectives of nationality news uses as modifiers ("Russian
troops", "a Georgian official") and the names of continents.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REGIONS_FILE = Path(__file__).parent / "data" / "regions.json.gz"


@dataclass(frozen=True)
class Region:
    """A representative point and a bounding box (south, west, north, east; degrees)."""

    lat: float
    lon: float
    bbox: tuple[float, float, float, float]


@cache
def _regions() -> dict[str, dict[str, list[float]]]:
    with gzip.open(REGIONS_FILE, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def region(kind: str, code: str) -> Region | None:
    """The point and box of a country (ISO 3166-1 alpha-2), admin1 unit (ISO 3166-2) or continent (GeoNames code)."""
    row = _regions()[{"country": "countries", "admin1": "admin1", "continent": "continents"}[kind]].get(code)
    return Region(row[0], row[1], (row[2], row[3], row[4], row[5])) if row else None


# Abbreviations news writes for a place on its own, not as a qualifier ("crews in D.C.", "L.A. traffic").
PLACE_ABBREVIATIONS = {
    "D.C.": ("admin1", "US-DC", ""),
    "L.A.": ("city", "US-CA", "Los Angeles"),
    "N.Y.C.": ("city", "US-NY", "New York City"),
    "NYC": ("city", "US-NY", "New York City"),
}

# Continent names -> GeoNames continent code.
CONTINENTS = {
    "Africa": "AF",
    "Asia": "AS",
    "Europe": "EU",
    "North America": "NA",
    "South America": "SA",
    "Oceania": "OC",
    "Antarctica": "AN",
    # The European Union is read where Europe is: what the union does, it does in Europe.
    "EU": "EU",
    "European Union": "EU",
}
CONTINENT_ADJECTIVES = {"African": "AF", "Asian": "AS", "European": "EU", "Antarctic": "AN"}

# Adjectives of nationality -> ISO 3166-1 alpha-2. Singular adjectives only: news uses them as
# modifiers of a place's people or institutions ("Russian forces"); plurals ("Mexicans") name people.
DEMONYMS = {
    "Afghan": "AF",
    "Albanian": "AL",
    "Algerian": "DZ",
    "American": "US",
    "Angolan": "AO",
    "Argentine": "AR",
    "Argentinian": "AR",
    "Armenian": "AM",
    "Australian": "AU",
    "Austrian": "AT",
    "Azerbaijani": "AZ",
    "Bahraini": "BH",
    "Bangladeshi": "BD",
    "Belarusian": "BY",
    "Belgian": "BE",
    "Bolivian": "BO",
    "Bosnian": "BA",
    "Brazilian": "BR",
    "British": "GB",
    "Bulgarian": "BG",
    "Burmese": "MM",
    "Burundian": "BI",
    "Cambodian": "KH",
    "Cameroonian": "CM",
    "Canadian": "CA",
    "Chadian": "TD",
    "Chilean": "CL",
    "Chinese": "CN",
    "Colombian": "CO",
    "Congolese": "CD",
    "Croatian": "HR",
    "Cuban": "CU",
    "Cypriot": "CY",
    "Czech": "CZ",
    "Danish": "DK",
    "Dominican": "DO",
    "Dutch": "NL",
    "Ecuadorian": "EC",
    "Egyptian": "EG",
    "Emirati": "AE",
    "Eritrean": "ER",
    "Estonian": "EE",
    "Ethiopian": "ET",
    "Fijian": "FJ",
    "Filipino": "PH",
    "Finnish": "FI",
    "French": "FR",
    "Georgian": "GE",
    "German": "DE",
    "Ghanaian": "GH",
    "Greek": "GR",
    "Guatemalan": "GT",
    "Haitian": "HT",
    "Honduran": "HN",
    "Hungarian": "HU",
    "Icelandic": "IS",
    "Indian": "IN",
    "Indonesian": "ID",
    "Iranian": "IR",
    "Iraqi": "IQ",
    "Irish": "IE",
    "Israeli": "IL",
    "Italian": "IT",
    "Ivorian": "CI",
    "Jamaican": "JM",
    "Japanese": "JP",
    "Jordanian": "JO",
    "Kazakh": "KZ",
    "Kenyan": "KE",
    "Kosovar": "XK",
    "Kuwaiti": "KW",
    "Kyrgyz": "KG",
    "Lao": "LA",
    "Latvian": "LV",
    "Lebanese": "LB",
    "Liberian": "LR",
    "Libyan": "LY",
    "Lithuanian": "LT",
    "Luxembourgish": "LU",
    "Macedonian": "MK",
    "Malagasy": "MG",
    "Malawian": "MW",
    "Malaysian": "MY",
    "Malian": "ML",
    "Maltese": "MT",
    "Mauritanian": "MR",
    "Mexican": "MX",
    "Moldovan": "MD",
    "Mongolian": "MN",
    "Montenegrin": "ME",
    "Moroccan": "MA",
    "Mozambican": "MZ",
    "Namibian": "NA",
    "Nepalese": "NP",
    "Nepali": "NP",
    "Nicaraguan": "NI",
    "Nigerian": "NG",
    "Nigerien": "NE",
    "Norwegian": "NO",
    "Omani": "OM",
    "Pakistani": "PK",
    "Palestinian": "PS",
    "Panamanian": "PA",
    "Paraguayan": "PY",
    "Peruvian": "PE",
    "Philippine": "PH",
    "Polish": "PL",
    "Portuguese": "PT",
    "Qatari": "QA",
    "Romanian": "RO",
    "Russian": "RU",
    "Rwandan": "RW",
    "Salvadoran": "SV",
    "Saudi": "SA",
    "Senegalese": "SN",
    "Serbian": "RS",
    "Singaporean": "SG",
    "Slovak": "SK",
    "Slovenian": "SI",
    "Somali": "SO",
    "Spanish": "ES",
    "Sri Lankan": "LK",
    "Sudanese": "SD",
    "Swedish": "SE",
    "Swiss": "CH",
    "Syrian": "SY",
    "Taiwanese": "TW",
    "Tajik": "TJ",
    "Tanzanian": "TZ",
    "Thai": "TH",
    "Tunisian": "TN",
    "Turkish": "TR",
    "Turkmen": "TM",
    "Ugandan": "UG",
    "Ukrainian": "UA",
    "Uruguayan": "UY",
    "Uzbek": "UZ",
    "Venezuelan": "VE",
    "Vietnamese": "VN",
    "Yemeni": "YE",
    "Zambian": "ZM",
    "Zimbabwean": "ZW",
    "North Korean": "KP",
    "South Korean": "KR",
    "South African": "ZA",
    "South Sudanese": "SS",
    "Saudi Arabian": "SA",
    "Costa Rican": "CR",
    "Puerto Rican": "PR",
}
# A nationality word names a language, not a place, before these ("French speakers", "in Spanish").
LANGUAGE_FOLLOWERS = frozenset(
    {
        "language",
        "languages",
        "speaker",
        "speakers",
        "speaking",
        "translation",
        "subtitles",
        "lessons",
        "class",
        "classes",
        "teacher",
        "dub",
        "version",
    }
)
LANGUAGE_PRECEDERS = frozenset(
    {
        "in",
        "speak",
        "speaks",
        "spoke",
        "speaking",
        "learn",
        "learning",
        "into",
        "from",
        "fluent",
        "native",
        "teach",
        "teaches",
        "taught",
        "translated",
    }
)
# "North American", "Latin American": a region that is not the country the bare word names.
REGION_QUALIFIERS = frozenset(
    {"north", "south", "central", "latin", "east", "west", "southeast", "sub-saharan", "pan", "anglo", "afro", "euro"}
)
