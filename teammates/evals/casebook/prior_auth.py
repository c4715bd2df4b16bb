"""Prior-authorization cases: real NPPES practitioners, real codes, scripted payer behaviours."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

from teammates.evals.casebook.identities import draw_contact, fictional_name, weekday_between
from teammates.evals.casebook.services import SERVICES, ServiceSpec
from teammates.evals.casebook.sources import (
    FAX_COLUMN,
    NETWORK_FILE,
    PRACTITIONER_FILE,
    TAXONOMY_FILE,
    Network,
    Practitioner,
    SourceFileError,
    read_networks,
    read_practitioners,
    read_specialties,
)
from teammates.evals.cases import (
    HeldDocument,
    IvrOption,
    Patient,
    Payer,
    PayerBehaviour,
    PriorAuthCase,
    PriorAuthExpectation,
    Provenance,
    Provider,
    Service,
)
from teammates.tools.payer import DATA_ELEMENTS

_IVR_LABELS = {
    "prior_authorization": "For prior authorization, precertification or referrals",
    "claims": "For claim status or payment questions",
    "eligibility": "To verify member eligibility and benefits",
    "pharmacy": "For pharmacy and prescription drug coverage",
    "other": "For all other questions, or to repeat these options",
}
_ELEMENTS = DATA_ELEMENTS
_SKIPPABLE_ELEMENTS = ("tax_id", "place_of_service", "units")


@dataclass(frozen=True)
class _PayerLine:
    """What stays the same about a payer across cases: its lines, menu and script."""

    network: Network
    phone: str
    fax: str
    ivr_menu: list[IvrOption]
    required_elements: list[str]
    member_prefix: str


def _payer_line(network: Network, number: int, seed: int) -> _PayerLine:
    rng = random.Random(f"{seed}:payer:{network.name}")
    others = rng.sample(["claims", "eligibility", "pharmacy"], rng.randint(1, 3))
    leads = [*others, "prior_authorization"]
    rng.shuffle(leads)
    leads.append("other")
    menu = [
        IvrOption(digit=str(i), label=f"{_IVR_LABELS[to]}, press {i}.", leads_to=to)
        for i, to in enumerate(leads, start=1)
    ]
    skipped = set(rng.sample(_SKIPPABLE_ELEMENTS, rng.randint(0, 2)))
    elements = [e for e in _ELEMENTS if e not in skipped]
    rng.shuffle(elements)
    prefix = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3))
    return _PayerLine(
        network,
        f"+1800555{number + 100:04d}",
        f"+1888555{number + 100:04d}",
        menu,
        elements,
        prefix,
    )


_BEHAVIOURS: tuple[PayerBehaviour, ...] = (
    "approved_on_call",
    "pended_for_clinical_notes",
    "denied_then_approved_on_appeal",
    "denied_final",
    "member_not_eligible",
)
_PA_TOOLS: dict[PayerBehaviour, list[str]] = {
    "approved_on_call": ["check_eligibility", "call_payer"],
    "pended_for_clinical_notes": [
        "check_eligibility",
        "call_payer",
        "fax_clinical_notes",
        "check_authorization_status",
    ],
    "denied_then_approved_on_appeal": [
        "check_eligibility",
        "call_payer",
        "fax_clinical_notes",
        "file_appeal",
        "check_authorization_status",
    ],
    "denied_final": [
        "check_eligibility",
        "call_payer",
        "fax_clinical_notes",
        "file_appeal",
        "check_authorization_status",
    ],
    "member_not_eligible": ["check_eligibility"],
}
_PA_STATUS = {
    "approved_on_call": "approved",
    "pended_for_clinical_notes": "approved",
    "denied_then_approved_on_appeal": "approved",
    "denied_final": "denied",
    "member_not_eligible": "not_eligible",
}
_STATE_AREA_CODES = {"MA": "617", "CT": "860", "RI": "401"}
_PA_GENERATED = [
    "patient",
    "provider.tax_id",
    "service.cpt",
    "service.icd10",
    "service.description",
    "service.place_of_service",
    "service.units",
    "service.urgency",
    "service.date_of_service",
    "payer.phone",
    "payer.fax",
    "payer.ivr_menu",
    "payer.required_elements",
    "payer.behaviour",
    "payer.decision_days",
    "payer.denial_reason",
    "requested_on",
    "member_eligible",
    "clinical_notes",
]
_PA_REAL = [
    "provider.npi",
    "provider.name",
    "provider.taxonomy_code",
    "provider.specialty",
    "provider.state",
    "provider.fax",
    "payer.name",
]
PA_CASES_PER_BEHAVIOUR = 5
"""Prior-authorization cases built for each payer behaviour."""
_EXPEDITED_PER_BEHAVIOUR = 2


@dataclass(frozen=True)
class _PriorAuthSources:
    practitioners: list[Practitioner]
    specialties: dict[str, str]
    payers: list[_PayerLine]


def _clinical_notes(
    rng: random.Random,
    patient: Patient,
    provider: Provider,
    spec: ServiceSpec,
    *,
    icd: tuple[str, str],
    visit: date,
) -> HeldDocument:
    text = "\n".join(
        [
            f"CLINICAL NOTE - Office visit {visit.isoformat()}",
            f"Patient: {patient.name}    DOB: {patient.date_of_birth.isoformat()}    "
            f"Member ID: {patient.member_id}",
            f"Provider: {provider.name} (NPI {provider.npi}), {provider.specialty}",
            f"Diagnosis: {icd[0]} {icd[1]}",
            f"History and findings: {spec.history}",
            f"Plan: request prior authorization for {spec.description} (CPT/HCPCS {spec.cpt}), "
            f"{spec.units} unit(s).",
            f"Electronically signed: {provider.name} {visit.isoformat()}",
        ]
    )
    return HeldDocument(
        doc_type="clinical_notes",
        issued_on=visit,
        name_on_document=patient.name,
        text=text,
        sends_after_requests=rng.choice([1, 1, 1, 2]),
        delay_hours=rng.choice([2.0, 4.0, 8.0, 24.0]),
    )


_PA_REQUEST_TEMPLATES = (
    "Get the prior authorization for {service} (CPT {cpt}) for {patient}, DOB {dob}, member "
    "{member} with {payer}. Ordered by {provider}, NPI {npi}; diagnosis {icd}. {urgency}",
    "Please obtain prior auth: {patient} (member {member}, {payer}) needs {service}, CPT "
    "{cpt}, ICD-10 {icd}. Ordering provider {provider} (NPI {npi}). {urgency}",
)
_AGE_BY_CPT = {"J0897": (60, 85), "27447": (50, 84), "78815": (45, 85)}


def _prior_auth_case(
    index: int,
    behaviour: PayerBehaviour,
    spec: ServiceSpec,
    urgency: Literal["standard", "expedited"],
    *,
    used: set[int],
    sources: _PriorAuthSources,
    seed: int,
) -> PriorAuthCase:
    rng = random.Random(f"{seed}:prior_auth:{index}")
    pool = [
        p for p in sources.practitioners if p.taxonomy_code in spec.taxonomies and p.row not in used
    ]
    doctor = rng.choice(pool)
    used.add(doctor.row)
    payer = rng.choice([p for p in sources.payers if p.network.state == doctor.state])
    requested = weekday_between(rng, date(2022, 3, 1), date(2022, 11, 30))

    name = fictional_name(rng)
    low, high = _AGE_BY_CPT.get(spec.cpt, (22, 80))
    born = date(requested.year - rng.randint(low, high), rng.randint(1, 12), rng.randint(1, 28))
    patient = Patient(
        name=name,
        date_of_birth=born,
        member_id=f"{payer.member_prefix}{rng.randint(100_000_000, 999_999_999)}",
        contact=draw_contact(rng, name, _STATE_AREA_CODES[doctor.state], "America/New_York"),
    )
    provider = Provider(
        npi=doctor.npi,
        name=doctor.name,
        taxonomy_code=doctor.taxonomy_code,
        specialty=_specialty(sources, doctor.taxonomy_code),
        state=doctor.state,
        tax_id=f"00-{rng.randint(1_000_000, 9_999_999)}",
        fax=f"+1{doctor.fax_digits}",
    )
    icd = rng.choice(spec.diagnoses)
    lead_days = rng.randint(2, 4) if urgency == "expedited" else rng.randint(10, 30)
    service = Service(
        cpt=spec.cpt,
        icd10=icd[0],
        description=spec.description,
        place_of_service=spec.place_of_service,
        units=spec.units,
        urgency=urgency,
        date_of_service=requested + timedelta(days=lead_days),
    )
    notes = _clinical_notes(
        rng,
        patient,
        provider,
        spec,
        icd=icd,
        visit=requested - timedelta(days=rng.randint(1, 10)),
    )
    quick = behaviour in ("approved_on_call", "member_not_eligible")
    days = [1.0, 2.0] if urgency == "expedited" else [2.0, 3.0, 5.0]
    denies = behaviour in ("denied_then_approved_on_appeal", "denied_final")
    appeal = denies
    return PriorAuthCase(
        case_id=f"pa-{index:04d}",
        tags=_prior_auth_tags(behaviour, urgency, spec.cpt, notes),
        request=rng.choice(_PA_REQUEST_TEMPLATES).format(
            service=spec.description,
            cpt=spec.cpt,
            patient=name,
            dob=born.isoformat(),
            member=patient.member_id,
            payer=payer.network.name,
            provider=doctor.name,
            npi=doctor.npi,
            icd=icd[0],
            urgency="Expedited review: clinically urgent."
            if urgency == "expedited"
            else "Standard review.",
        ),
        patient=patient,
        provider=provider,
        service=service,
        payer=Payer(
            name=payer.network.name,
            phone=payer.phone,
            fax=payer.fax,
            ivr_menu=payer.ivr_menu,
            required_elements=payer.required_elements,
            behaviour=behaviour,
            decision_days=0.0 if quick else rng.choice(days),
            denial_reason=spec.denial_reason if denies else None,
        ),
        requested_on=requested,
        member_eligible=behaviour != "member_not_eligible",
        clinical_notes=notes,
        expected=PriorAuthExpectation(
            status=_PA_STATUS[behaviour],
            reference_number_required=behaviour != "member_not_eligible",
            clinical_notes_faxed=behaviour not in ("approved_on_call", "member_not_eligible"),
            appeal_filed=appeal,
            deadline_days=(3 if urgency == "expedited" else 7) + (14 if appeal else 0),
            expected_tools=_PA_TOOLS[behaviour],
        ),
        provenance=Provenance(
            source=f"{PRACTITIONER_FILE}#row={doctor.row}; {TAXONOMY_FILE}#code="
            f"{doctor.taxonomy_code}; {NETWORK_FILE}#row={payer.network.row}",
            real_fields=_PA_REAL,
            generated_fields=_PA_GENERATED,
            seed=seed,
            source_values={
                "NPI": doctor.npi,
                "name": doctor.name,
                "primary_taxonomy": doctor.taxonomy_code,
                "state": doctor.state,
                FAX_COLUMN: doctor.fax_digits,
                "network_name": payer.network.name,
            },
        ),
    )


def _specialty(sources: _PriorAuthSources, code: str) -> str:
    if code not in sources.specialties:
        raise SourceFileError(
            f"{TAXONOMY_FILE} has no taxonomy code {code!r}, which a practitioner in "
            f"{PRACTITIONER_FILE} holds; restore the full NUCC taxonomy file"
        )
    return sources.specialties[code]


def _prior_auth_tags(
    behaviour: PayerBehaviour, urgency: str, cpt: str, notes: HeldDocument
) -> list[str]:
    tags = [behaviour, urgency, f"cpt_{cpt}"]
    if notes.sends_after_requests > 1:
        tags.append("needs_reminders")
    simple_behaviour = behaviour in ("approved_on_call", "pended_for_clinical_notes")
    if simple_behaviour and urgency == "standard" and notes.sends_after_requests == 1:
        tags.append("simple")
    return tags


def build_prior_auth_cases(data_dir: Path, seed: int) -> list[PriorAuthCase]:
    """Prior-authorization cases: every payer behaviour, real practitioners, seeded the rest."""
    rng = random.Random(f"{seed}:prior_auth")
    networks = read_networks(data_dir / NETWORK_FILE)
    sources = _PriorAuthSources(
        practitioners=read_practitioners(data_dir / PRACTITIONER_FILE),
        specialties=read_specialties(data_dir / TAXONOMY_FILE),
        payers=[_payer_line(n, i, seed) for i, n in enumerate(networks, start=1)],
    )
    plan: list[tuple[PayerBehaviour, ServiceSpec, Literal["standard", "expedited"]]] = []
    for behaviour in _BEHAVIOURS:
        for j, spec in enumerate(rng.sample(SERVICES, PA_CASES_PER_BEHAVIOUR)):
            plan.append(
                (behaviour, spec, "expedited" if j < _EXPEDITED_PER_BEHAVIOUR else "standard")
            )
    rng.shuffle(plan)
    used: set[int] = set()
    return [
        _prior_auth_case(i, b, spec, urgency, used=used, sources=sources, seed=seed)
        for i, (b, spec, urgency) in enumerate(plan, start=1)
    ]
