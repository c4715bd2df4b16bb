"""The shared public files the cases are built from, and readers that keep their real figures."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

HMDA_FILE = "hmda_tx_2022_sample.csv"
LIMITS_FILE = "county_loan_limits_2022.txt"
PRACTITIONER_FILE = "sample-nppes-practitioner_20181204-data.csv"
TAXONOMY_FILE = "nucc_provider_taxonomy.csv"
NETWORK_FILE = "sample-nppes-network_20181204-data.csv"

SOURCE_FILES = (HMDA_FILE, LIMITS_FILE, PRACTITIONER_FILE, TAXONOMY_FILE, NETWORK_FILE)
"""Every shared file the cases are built from."""

DATA_ENV = "TEAMMATES_SHARED_DATA"


class SourceFileError(ValueError):
    """A shared public file is missing or not in the layout of its public release."""


def shared_data_dir() -> Path:
    """Folder of the shared public data: `$TEAMMATES_SHARED_DATA`, else `<repo>/../shared/data`."""
    configured = os.environ.get(DATA_ENV)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3].parent / "shared" / "data"


@contextmanager
def open_source(path: Path) -> Iterator[TextIO]:
    """Open a shared file for reading; however it fails to read, the error names it and the fix."""
    restore = f"restore {path.name} from the source its README names, or point {DATA_ENV} at it"
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            yield handle
    except FileNotFoundError as exc:
        raise SourceFileError(f"{path} is missing; {restore}") from exc
    except KeyError as exc:
        raise SourceFileError(
            f"{path.name} has no column {exc.args[0]!r}; it must keep the header of its public "
            f"release: {restore}"
        ) from exc
    except (OSError, UnicodeDecodeError, csv.Error, ValueError) as exc:
        if isinstance(exc, SourceFileError):
            raise
        raise SourceFileError(f"{path.name} cannot be read ({exc}); {restore}") from exc


@dataclass(frozen=True)
class HmdaRow:
    """One usable HMDA record, with its 1-based data row number in the file."""

    row: int
    raw: dict[str, str]
    approved: bool
    amount_usd: float
    income_usd: float
    property_value_usd: float
    purpose: Literal["purchase", "home_improvement", "refinance", "cash_out_refinance", "other"]
    occupancy: Literal["principal_residence", "second_home", "investment"]
    dti_bin: str
    ltv_percent: float | None
    age_bin: str


_PURPOSES = {
    "1": "purchase",
    "2": "home_improvement",
    "31": "refinance",
    "32": "cash_out_refinance",
    "4": "other",
}
_OCCUPANCIES = {"1": "principal_residence", "2": "second_home", "3": "investment"}
AGE_BINS = {
    "<25": (20, 24),
    "25-34": (25, 34),
    "35-44": (35, 44),
    "45-54": (45, 54),
    "55-64": (55, 64),
    "65-74": (65, 74),
    ">74": (75, 86),
}


def read_hmda(path: Path) -> list[HmdaRow]:
    """Rows with every value a case needs (no NA, Exempt, zero income or unknown purpose)."""
    usable: list[HmdaRow] = []
    with open_source(path) as handle:
        for number, raw in enumerate(csv.DictReader(handle), start=1):
            parsed = _parse_hmda(number, raw)
            if parsed is not None:
                usable.append(parsed)
    return usable


def _parse_hmda(number: int, raw: dict[str, str]) -> HmdaRow | None:
    try:
        amount, income = float(raw["loan_amount"]), float(raw["income"]) * 1000
        value = float(raw["property_value"])
    except ValueError:
        return None
    dti, age = raw["debt_to_income_ratio"], raw["applicant_age"]
    if income <= 0 or value <= 0 or dti in ("", "Exempt", "NA") or age not in AGE_BINS:
        return None
    if raw["loan_purpose"] not in _PURPOSES or raw["occupancy_type"] not in _OCCUPANCIES:
        return None
    ltv = raw["loan_to_value_ratio"]
    return HmdaRow(
        row=number,
        raw=dict(raw),
        approved=raw["approved"] == "1",
        amount_usd=amount,
        income_usd=income,
        property_value_usd=value,
        purpose=_PURPOSES[raw["loan_purpose"]],  # type: ignore[arg-type]
        occupancy=_OCCUPANCIES[raw["occupancy_type"]],  # type: ignore[arg-type]
        dti_bin=dti,
        ltv_percent=float(ltv) if ltv else None,
        age_bin=age,
    )


@dataclass(frozen=True)
class County:
    """A Texas county and its 2022 one-unit conforming loan limit."""

    fips: str
    name: str
    area_code: str
    limit_usd: int


# Populous Texas counties (FIPS -> display name, phone area code); names are checked against the
# limits file. El Paso and Hudspeth keep Mountain time.
_TX_COUNTIES = {
    "48201": ("Harris", "713"),
    "48113": ("Dallas", "214"),
    "48439": ("Tarrant", "817"),
    "48029": ("Bexar", "210"),
    "48453": ("Travis", "512"),
    "48085": ("Collin", "972"),
    "48121": ("Denton", "940"),
    "48215": ("Hidalgo", "956"),
    "48157": ("Fort Bend", "281"),
    "48491": ("Williamson", "512"),
    "48339": ("Montgomery", "936"),
    "48303": ("Lubbock", "806"),
    "48355": ("Nueces", "361"),
    "48039": ("Brazoria", "979"),
    "48167": ("Galveston", "409"),
    "48309": ("McLennan", "254"),
    "48423": ("Smith", "903"),
    "48027": ("Bell", "254"),
    "48141": ("El Paso", "915"),
    "48229": ("Hudspeth", "915"),
}
MOUNTAIN_TIME_COUNTIES = {"48141", "48229"}


def read_tx_counties(path: Path) -> dict[str, County]:
    """The curated Texas counties with their 2022 one-unit limits from the FHFA file."""
    counties: dict[str, County] = {}
    with open_source(path) as handle:
        for raw in csv.DictReader(handle, delimiter="|"):
            fips = raw["FIPSStateCode"] + raw["FIPSCountyCode"]
            if raw["State"] != "TX" or fips not in _TX_COUNTIES:
                continue
            name, area_code = _TX_COUNTIES[fips]
            if raw["CountyName"] != name.replace(" ", "").upper() + "COUNTY":
                raise ValueError(f"{path.name}: FIPS {fips} is {raw['CountyName']!r}, not {name!r}")
            counties[fips] = County(fips, name, area_code, int(raw["One-UnitLimit"]))
    return counties


@dataclass(frozen=True)
class Practitioner:
    """A real NPPES practitioner with a primary taxonomy and a practice fax number."""

    row: int
    npi: str
    name: str
    taxonomy_code: str
    state: str
    fax_digits: str


def _practitioner_name(raw: dict[str, str]) -> str:
    parts = [
        raw["Provider First Name"],
        raw["Provider Middle Name"],
        raw["Provider Last Name (Legal Name)"],
    ]
    name = " ".join(p for p in parts if p)
    credential = raw["Provider Credential Text"]
    return f"{name}, {credential}" if credential else name


def read_practitioners(path: Path) -> list[Practitioner]:
    """Practitioners with a flagged primary taxonomy and a practice fax, in file order."""
    found: list[Practitioner] = []
    with open_source(path) as handle:
        for number, raw in enumerate(csv.DictReader(handle), start=1):
            primary = [
                raw[f"Healthcare Provider Taxonomy Code_{i}"]
                for i in range(1, 16)
                if raw[f"Healthcare Provider Primary Taxonomy Switch_{i}"] == "Y"
            ]
            fax = "".join(ch for ch in raw[FAX_COLUMN] if ch.isdigit())
            if primary and len(fax) == 10:
                found.append(
                    Practitioner(
                        number,
                        raw["NPI"],
                        _practitioner_name(raw),
                        primary[0],
                        raw["Provider Business Practice Location Address State Name"],
                        fax,
                    )
                )
    return found


FAX_COLUMN = "Provider Business Practice Location Address Fax Number"


def read_specialties(path: Path) -> dict[str, str]:
    """NUCC code -> specialization, or classification where the code has none."""
    with open_source(path) as handle:
        return {
            r["Code"]: r["Specialization"] or r["Classification"] for r in csv.DictReader(handle)
        }


@dataclass(frozen=True)
class Network:
    row: int
    name: str
    state: str


def read_networks(path: Path) -> list[Network]:
    """The sample's fictional payer networks with the state they cover."""
    with open_source(path) as handle:
        return [
            Network(n, r["name"], r["coverage"])
            for n, r in enumerate(csv.DictReader(handle), start=1)
        ]
