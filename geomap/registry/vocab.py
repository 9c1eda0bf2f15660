"""Controlled vocabularies of the registry.

Service codes follow the support-space minimum package and the response sectors of the
regional platform; each has labels in Spanish, Portuguese and English and a humanitarian
sector code (:data:`SECTORS`) for HXL and HDX exports.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """A vocabulary entry: a stable code and its labels."""

    code: str
    es: str
    pt: str
    en: str
    sector: str = ""


#: Humanitarian sector codes (``#sector+code`` in HXL): the IASC global clusters and areas of
#: responsibility, multipurpose cash, and two sectors of the R4V regional platform that have no
#: global cluster (humanitarian transportation, integration).
SECTORS: dict[str, str] = {
    "PRO": "Protection",
    "PRO-GBV": "Gender-Based Violence",
    "PRO-CPN": "Child Protection",
    "HEA": "Health",
    "WSH": "Water Sanitation Hygiene",
    "FSC": "Food Security",
    "SHL": "Shelter",
    "ETC": "Emergency Telecommunications",
    "MPC": "Multipurpose Cash",
    "HTR": "Humanitarian Transportation",
    "INT": "Integration",
}


KINDS: dict[str, Term] = {
    t.code: t
    for t in (
        Term("support_space", "Espacio de apoyo", "Espaço de apoio", "Support space"),
        Term(
            "information_point", "Punto de información", "Ponto de informação", "Information point"
        ),
        Term("service_point", "Punto de servicio", "Ponto de serviço", "Service point"),
    )
}

SERVICES: dict[str, Term] = {
    t.code: t
    for t in (
        Term(
            "information_orientation",
            "Información y orientación",
            "Informação e orientação",
            "Information and orientation",
            "PRO",
        ),
        Term(
            "legal_documentation",
            "Orientación legal y documentación",
            "Orientação jurídica e documentação",
            "Legal orientation and documentation",
            "PRO",
        ),
        Term(
            "psychosocial_support",
            "Apoyo psicosocial",
            "Apoio psicossocial",
            "Psychosocial support",
            "HEA",
        ),
        Term(
            "first_aid_health",
            "Primeros auxilios y salud",
            "Primeiros socorros e saúde",
            "First aid and health",
            "HEA",
        ),
        Term(
            "water_sanitation",
            "Agua, baños y duchas",
            "Água, banheiros e chuveiros",
            "Water, toilets and showers",
            "WSH",
        ),
        Term("food", "Alimentación", "Alimentação", "Food", "FSC"),
        Term(
            "overnight_shelter",
            "Alojamiento temporal",
            "Abrigo temporário",
            "Overnight shelter",
            "SHL",
        ),
        Term(
            "humanitarian_transport",
            "Transporte humanitario",
            "Transporte humanitário",
            "Humanitarian transport",
            "HTR",
        ),
        Term(
            "protection_gbv_referral",
            "Protección y remisión VBG",
            "Proteção e encaminhamento VBG",
            "Protection and GBV referral",
            "PRO-GBV",
        ),
        Term(
            "child_protection",
            "Protección de la niñez y espacio amigable",
            "Proteção da infância e espaço amigável",
            "Child protection and child-friendly space",
            "PRO-CPN",
        ),
        Term(
            "connectivity",
            "Conectividad: carga de teléfono, wifi, llamadas",
            "Conectividade: carregar telefone, wifi, chamadas",
            "Connectivity: phone charging, wifi, calls",
            "ETC",
        ),
        Term(
            "cash_assistance",
            "Transferencias monetarias",
            "Transferências monetárias",
            "Cash assistance",
            "MPC",
        ),
        Term(
            "integration_employment",
            "Integración y empleo",
            "Integração e emprego",
            "Integration and employment",
            "INT",
        ),
    )
}

POPULATIONS: dict[str, Term] = {
    t.code: t
    for t in (
        Term("everyone", "Todas las personas", "Todas as pessoas", "Everyone"),
        Term("women", "Mujeres", "Mulheres", "Women"),
        Term(
            "children_adolescents",
            "Niñas, niños y adolescentes",
            "Crianças e adolescentes",
            "Children and adolescents",
        ),
        Term("lgbtiq", "Personas LGBTIQ+", "Pessoas LGBTIQ+", "LGBTIQ+ people"),
        Term(
            "disabilities",
            "Personas con discapacidad",
            "Pessoas com deficiência",
            "People with disabilities",
        ),
        Term("indigenous", "Pueblos indígenas", "Povos indígenas", "Indigenous peoples"),
        Term("older_people", "Personas mayores", "Pessoas idosas", "Older people"),
    )
}

STATUSES = ("active", "temporarily_closed", "closed")
VISIBILITIES = ("public", "partners", "restricted")
WHEELCHAIR = ("yes", "limited", "no", "unknown")

#: Labels of the status, visibility and wheelchair codes (for forms and pages).
STATUS_TERMS: dict[str, Term] = {
    t.code: t
    for t in (
        Term("active", "Abierto", "Aberto", "Open"),
        Term("temporarily_closed", "Cerrado temporalmente", "Fechado temporariamente",
             "Temporarily closed"),
        Term("closed", "Cerrado", "Fechado", "Closed"),
    )
}  # fmt: skip
VISIBILITY_TERMS: dict[str, Term] = {
    t.code: t
    for t in (
        Term("public", "Pública", "Pública", "Public"),
        Term("partners", "Solo socios", "Somente parceiros", "Partners only"),
        Term("restricted", "Restringida (casa segura)", "Restrita (casa segura)",
             "Restricted (safe house)"),
    )
}  # fmt: skip
WHEELCHAIR_TERMS: dict[str, Term] = {
    t.code: t
    for t in (
        Term("yes", "Accesible", "Acessível", "Accessible"),
        Term("limited", "Accesible en parte", "Acessível em parte", "Partly accessible"),
        Term("no", "No accesible", "Não acessível", "Not accessible"),
        Term("unknown", "No se sabe", "Não se sabe", "Unknown"),
    )
}  # fmt: skip
#: Languages offered in field forms (ISO 639): the corridor's, indigenous ones included.
FORM_LANGUAGES = ("es", "pt", "en", "fr", "ht", "qu", "ay", "gn", "guc", "wba")
