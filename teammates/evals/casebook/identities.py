"""Generated identities: fictional names, SSNs, phones, dates of birth and contact habits."""

from __future__ import annotations

import random
from datetime import date, timedelta

from teammates.evals.casebook.sources import AGE_BINS
from teammates.evals.cases import Channel, Contact

_FIRST_NAMES = [
    "Jane",
    "Marcus",
    "Priya",
    "Luis",
    "Avery",
    "Dana",
    "Tomas",
    "Keisha",
    "Wei",
    "Rosa",
    "Caleb",
    "Nadia",
    "Oscar",
    "Imani",
    "Grant",
    "Lucia",
    "Hector",
    "Mei",
    "Darius",
    "Elena",
    "Jordan",
    "Farah",
    "Victor",
    "Noor",
    "Rowan",
    "Beatriz",
]
_FICTIONAL_SURNAMES = [
    "Sampleton",
    "Testwell",
    "Mockley",
    "Demoson",
    "Exampleton",
    "Fauxley",
    "Placeholt",
    "Specimen",
    "Dummond",
    "Fabler",
    "Pretendo",
    "Inventa",
    "Figmentz",
    "Notreal",
    "Madeup",
    "Fictor",
]


def fictional_name(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST_NAMES)} {rng.choice(_FICTIONAL_SURNAMES)}"


def fictional_ssn(rng: random.Random) -> str:
    """An SSN in the 900-999 area, which the SSA never assigns."""
    return f"{rng.randint(900, 999)}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def _fictional_phone(rng: random.Random, area_code: str) -> str:
    """E.164 number in the 555-0100..0199 range reserved for fiction."""
    return f"+1{area_code}5550{rng.randint(100, 199)}"


def draw_date_of_birth(rng: random.Random, age_bin: str, on: date) -> date:
    """A birth date that makes the person's age on `on` fall in the HMDA age bin."""
    age = rng.randint(*AGE_BINS[age_bin])
    latest = date(on.year - age, on.month, min(on.day, 28))
    return latest - timedelta(days=rng.randint(0, 360))


def age_on(born: date, on: date) -> int:
    """Completed years of age on a date."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def weekday_between(rng: random.Random, first: date, last: date) -> date:
    while True:
        day = first + timedelta(days=rng.randint(0, (last - first).days))
        if day.weekday() < 5:
            return day


def draw_contact(
    rng: random.Random,
    name: str,
    area_code: str,
    time_zone: str,
    *,
    unresponsive: Channel | None = None,
    opt_out: bool = False,
) -> Contact:
    preferred: Channel = "email" if opt_out else rng.choice(["sms", "sms", "email", "voice"])
    consent: set[Channel] = {preferred, "email", rng.choice(["sms", "voice"])}
    if opt_out or unresponsive == "sms":
        consent.add("sms")
    if unresponsive is not None and unresponsive == preferred:
        preferred = "email" if unresponsive != "email" else "voice"
        consent.add(preferred)
    handle = name.lower().replace(" ", ".")
    return Contact(
        phone=_fictional_phone(rng, area_code),
        email=f"{handle}@example.com",
        time_zone=time_zone,
        consent=sorted(consent),
        preferred_channel=preferred,
        unresponsive_channels=[unresponsive] if unresponsive else [],
        opt_out_reply="STOP" if opt_out else None,
    )


def usd_text(amount: float) -> str:
    """Dollars as printed on a document: `$1,234.50`."""
    return f"${amount:,.2f}"
