"""Services that need prior authorization: real CPT and ICD-10 codes, who orders them, denials."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceSpec:
    """A service that needs prior authorization, who orders it, and how payers judge it."""

    cpt: str
    description: str
    diagnoses: tuple[tuple[str, str], ...]
    taxonomies: tuple[str, ...]
    place_of_service: str
    units: int
    history: str
    denial_reason: str


SERVICES = (
    ServiceSpec(
        "72148",
        "MRI lumbar spine without contrast",
        (
            ("M54.16", "Radiculopathy, lumbar region"),
            ("M51.26", "Other intervertebral disc displacement, lumbar region"),
        ),
        ("207X00000X", "207Q00000X", "2084N0400X", "208100000X"),
        "22",
        1,
        "Low back pain radiating down the left leg for 9 weeks with numbness in the L5 "
        "distribution. Completed 6 weeks of physical therapy and NSAIDs without relief. "
        "Positive straight-leg raise on the left at 40 degrees.",
        "Six weeks of documented conservative therapy and a neurological deficit are required; "
        "neither is documented in the request.",
    ),
    ServiceSpec(
        "70553",
        "MRI brain without contrast, followed by contrast",
        (
            ("G43.909", "Migraine, unspecified, not intractable, without status migrainosus"),
            ("R51.9", "Headache, unspecified"),
        ),
        ("2084N0400X", "207R00000X"),
        "22",
        1,
        "New pattern of headaches over 6 weeks, worse on waking, with intermittent blurred "
        "vision. Failed sumatriptan and topiramate. Mild papilledema on fundoscopy.",
        "Headache without a documented neurological deficit or change in pattern does not meet "
        "advanced imaging criteria.",
    ),
    ServiceSpec(
        "73721",
        "MRI right knee (lower extremity joint) without contrast",
        (
            (
                "M23.221",
                "Derangement of posterior horn of medial meniscus due to old tear, right knee",
            ),
        ),
        ("207X00000X", "207Q00000X"),
        "11",
        1,
        "Right knee pain with locking and catching for 3 months after a twisting injury. "
        "Positive McMurray test. Radiographs show no fracture. 6 weeks of home exercise failed.",
        "Plain radiographs and a trial of conservative care must precede knee MRI; radiograph "
        "report not submitted.",
    ),
    ServiceSpec(
        "78815",
        "PET/CT imaging, skull base to mid-thigh",
        (("C34.90", "Malignant neoplasm of unspecified part of unspecified bronchus or lung"),),
        ("207RH0003X", "207RX0202X", "207RP1001X"),
        "22",
        1,
        "3.1 cm right upper lobe mass on chest CT; CT-guided biopsy confirmed non-small cell "
        "carcinoma. PET/CT requested for initial staging before treatment planning.",
        "Initial staging PET/CT requires a biopsy-confirmed diagnosis; pathology report not "
        "submitted.",
    ),
    ServiceSpec(
        "27447",
        "Total knee arthroplasty",
        (
            ("M17.11", "Unilateral primary osteoarthritis, right knee"),
            ("M17.12", "Unilateral primary osteoarthritis, left knee"),
        ),
        ("207X00000X",),
        "21",
        1,
        "Severe knee osteoarthritis with bone-on-bone medial compartment narrowing on standing "
        "radiographs. Failed 6 months of physical therapy, NSAIDs and two corticosteroid "
        "injections. Unable to walk more than one block.",
        "Failure of at least 3 months of non-operative treatment and weight-bearing radiographs "
        "are not documented.",
    ),
    ServiceSpec(
        "93306",
        "Transthoracic echocardiogram, complete, with spectral and color flow Doppler",
        (("I50.9", "Heart failure, unspecified"), ("R06.02", "Shortness of breath")),
        ("207RC0000X", "207R00000X", "207Q00000X"),
        "11",
        1,
        "Progressive exertional dyspnea and bilateral ankle edema for 4 weeks. BNP 820 pg/mL. "
        "Chest radiograph shows cardiomegaly. No echocardiogram in the past 12 months.",
        "A repeat echocardiogram within 12 months requires a change in clinical status; prior "
        "study results not provided.",
    ),
    ServiceSpec(
        "97110",
        "Therapeutic exercise, each 15 minutes (physical therapy)",
        (("M54.50", "Low back pain, unspecified"), ("M25.561", "Pain in right knee")),
        ("225100000X",),
        "11",
        12,
        "Initial evaluation: Oswestry disability index 42%, lumbar flexion limited to 40 "
        "degrees. Plan of care: 2 visits a week for 6 weeks, 1 unit of therapeutic exercise "
        "per visit, home program.",
        "Measurable functional goals and a signed plan of care are not documented.",
    ),
    ServiceSpec(
        "J0897",
        "Injection, denosumab, 1 mg (60 mg every 6 months)",
        (("M81.0", "Age-related osteoporosis without current pathological fracture"),),
        ("207RE0101X", "207RR0500X", "207R00000X"),
        "11",
        60,
        "DXA T-score -2.8 at the femoral neck. Alendronate stopped after 8 months for "
        "esophagitis. eGFR 48 mL/min. Calcium and vitamin D replete.",
        "Step therapy: a documented trial and failure of an oral bisphosphonate is required.",
    ),
    ServiceSpec(
        "43239",
        "Upper GI endoscopy with biopsy",
        (
            ("K21.9", "Gastro-esophageal reflux disease without esophagitis"),
            ("R13.10", "Dysphagia, unspecified"),
        ),
        ("207RG0100X",),
        "24",
        1,
        "Heartburn for 2 years with new solid-food dysphagia and 5 kg weight loss over 3 "
        "months despite 8 weeks of twice-daily omeprazole.",
        "Uncomplicated reflux without alarm features does not meet criteria for endoscopy.",
    ),
    ServiceSpec(
        "95810",
        "Polysomnography, attended, 4 or more parameters",
        (("G47.33", "Obstructive sleep apnea (adult) (pediatric)"),),
        ("207RP1001X", "207Q00000X"),
        "22",
        1,
        "Loud snoring, witnessed apneas and Epworth sleepiness score 16. BMI 36. Home sleep "
        "apnea test inconclusive because of poor signal.",
        "An attended sleep study requires a failed or contraindicated home sleep apnea test; "
        "home test report not submitted.",
    ),
)
