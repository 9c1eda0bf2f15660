"""The common bank of key messages: the registry collection ``messages``.

A message is a short text agreed between agencies (self-care, rights, asylum and
regularisation, warnings against trafficking, answers to rumours …), in the languages people
speak: ``text`` and ``title`` are keyed by ISO 639 code (``es``, ``pt``, ``en``, ``guc`` for
Wayuunaiki …). It has no location (``"geometry": null``); ``countries`` says where it is in
force, ``valid_from``/``valid_until`` when. ``country`` is the country whose officers keep it
(as for every record: they write it and decide its proposals); it is always one of
``countries``. ``answers`` lists the rumour topics it answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
    model_validator,
)

from geomap.errors import RegistryValidationError
from geomap.registry.pathways import model_problems
from geomap.registry.texts import PAGE_LANGUAGES, LongTexts, ShortTexts, pick
from geomap.registry.validate import FeatureFrame, PlaceProperties, served_dropped
from geomap.registry.vocab import Term

COLLECTION = "messages"

#: Topics of the message bank.
TOPICS: dict[str, Term] = {
    t.code: t
    for t in (
        Term("self_care", "Autocuidado", "Autocuidado", "Self-care"),
        Term("rights", "Derechos", "Direitos", "Rights"),
        Term("asylum", "Cómo pedir asilo o refugio", "Como pedir refúgio", "How to ask for asylum"),
        Term("regularisation", "Regularización migratoria", "Regularização migratória",
             "Regularisation"),
        Term("documentation", "Documentos", "Documentos", "Documents"),
        Term("trafficking", "Trata y tráfico de personas", "Tráfico de pessoas",
             "Trafficking and smuggling"),
        Term("gbv", "Violencia basada en género", "Violência baseada em gênero",
             "Gender-based violence"),
        Term("child_protection", "Protección de la niñez", "Proteção da infância",
             "Child protection"),
        Term("health", "Salud", "Saúde", "Health"),
        Term("safety_on_the_route", "Seguridad en el camino", "Segurança no caminho",
             "Safety on the route"),
        Term("services", "Servicios y ayuda", "Serviços e ajuda", "Services and help"),
        Term("rumours", "Respuestas a rumores", "Respostas a boatos", "Answers to rumours"),
    )
}  # fmt: skip

#: Topics of the rumours partners hear (and the messages that answer them).
RUMOUR_TOPICS: dict[str, Term] = {
    t.code: t
    for t in (
        Term("border_closure", "Cierre de frontera", "Fechamento da fronteira", "Border closure"),
        Term("document_requirements", "Requisitos de documentos", "Exigência de documentos",
             "Document requirements"),
        Term("deportation", "Deportaciones", "Deportações", "Deportation"),
        Term("regularisation_deadlines", "Plazos de regularización", "Prazos de regularização",
             "Regularisation deadlines"),
        Term("job_offers", "Ofertas de trabajo", "Ofertas de trabalho", "Job offers"),
        Term("aid_and_cash", "Ayudas y dinero", "Ajudas e dinheiro", "Aid and cash"),
        Term("service_costs", "Costo de los servicios", "Custo dos serviços", "Service costs"),
        Term("shelter_and_transport", "Albergues y transporte", "Abrigos e transporte",
             "Shelter and transport"),
        Term("health_and_vaccines", "Salud y vacunas", "Saúde e vacinas", "Health and vaccines"),
        Term("other", "Otros", "Outros", "Other"),
    )
}  # fmt: skip


def _codes(values: list[str], vocabulary: dict[str, Term], what: str) -> list[str]:
    unknown = [v for v in values if v not in vocabulary]
    if unknown:
        raise ValueError(
            f"unknown {what} {', '.join(map(repr, unknown))}; known: {', '.join(vocabulary)}"
        )
    if len(set(values)) != len(values):
        raise ValueError(f"repeated {what}")
    return values


class MessageProperties(BaseModel):
    """The properties of a key message."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    topic: str
    title: ShortTexts
    text: LongTexts
    country: str
    countries: list[str] = Field(default_factory=list, max_length=30)
    agencies: list[str] = Field(min_length=1, max_length=20)
    approved_by: str = Field(min_length=1, max_length=200)
    valid_from: date | None = None
    valid_until: date | None = None
    answers: list[str] = Field(default_factory=list)
    visibility: Literal["public", "partners", "restricted"] = "public"
    source: str | None = Field(default=None, max_length=500)
    sample: StrictBool = False

    @field_validator("topic")
    @classmethod
    def _topic(cls, value: str) -> str:
        return _codes([value], TOPICS, "topic")[0]

    @field_validator("answers")
    @classmethod
    def _answers(cls, values: list[str]) -> list[str]:
        return _codes(values, RUMOUR_TOPICS, "rumour topic")

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return str(PlaceProperties._country(value))

    @field_validator("countries")
    @classmethod
    def _countries(cls, values: list[str]) -> list[str]:
        codes = [str(PlaceProperties._country(v)) for v in values]
        if len(set(codes)) != len(codes):
            raise ValueError("repeated country codes")
        return codes

    @field_validator("agencies")
    @classmethod
    def _agencies(cls, values: list[str]) -> list[str]:
        if any(not v.strip() or len(v) > 200 for v in values):
            raise ValueError("agency names must be 1-200 characters")
        return values

    @model_validator(mode="after")
    def _consistent(self) -> MessageProperties:
        if not self.countries:
            self.countries = [self.country]
        elif self.country not in self.countries:
            raise ValueError(f"countries must include the message's own country {self.country}")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        missing = sorted(set(self.text) ^ set(self.title))
        if missing:
            raise ValueError(
                f"title and text must come in the same languages (see {', '.join(missing)})"
            )
        return self


@dataclass(frozen=True)
class MessageItem:
    """A validated message (no geometry)."""

    id: str
    properties: dict[str, Any]

    def geometry(self) -> Any:
        """Always None: a message has no location."""
        return None


def validate_message(
    feature: Any,
    *,
    index: int | None = None,
    require_id: bool = True,
    country_tolerance_km: float = 0.0,
) -> MessageItem:
    """Validate one GeoJSON Feature as a key message (``geometry`` null or absent).

    Raises
    ------
    RegistryValidationError
        Listing every problem.
    """
    del country_tolerance_km
    frame = FeatureFrame(feature, index=index, require_id=require_id)
    if feature.get("geometry") is not None:
        frame.problem("geometry", 'a message has no location: give "geometry": null')
    properties = served_dropped(feature.get("properties"))
    model: MessageProperties | None = None
    if not isinstance(properties, dict):
        frame.problem("properties", "required: an object")
    else:
        try:
            model = MessageProperties.model_validate(properties)
        except ValidationError as exc:
            for field, message in model_problems(exc):
                frame.problem(field, message)
    if frame.problems or model is None:
        raise RegistryValidationError(frame.problems)
    return MessageItem(frame.id or "", model.model_dump(mode="json", exclude_none=True))


def in_force(properties: dict[str, Any], *, country: str, today: date) -> bool:
    """Whether a message is in force in ``country`` on ``today``."""
    if country not in properties.get("countries", [properties.get("country")]):
        return False
    start, end = properties.get("valid_from"), properties.get("valid_until")
    if start and date.fromisoformat(start) > today:
        return False
    return not (end and date.fromisoformat(end) < today)


def shown(fid: str, properties: dict[str, Any], lang: str) -> dict[str, Any]:
    """A message as the page and booklets show it, in ``lang`` when it has it.

    Without ``lang`` the text falls back to Spanish, Portuguese, English, then any; ``lang``
    says which language the text is in.
    """
    texts = properties["text"]
    used = lang if lang in texts else next(c for c in (*PAGE_LANGUAGES, *texts) if c in texts)
    topic = TOPICS[properties["topic"]]
    return {
        "id": fid,
        "topic": properties["topic"],
        "topic_label": pick({"es": topic.es, "pt": topic.pt, "en": topic.en}, lang),
        "lang": used,
        "title": properties["title"][used],
        "text": texts[used],
        "languages": sorted(texts),
        "agencies": list(properties.get("agencies", [])),
        "approved_by": properties.get("approved_by"),
        "valid_from": properties.get("valid_from"),
        "valid_until": properties.get("valid_until"),
        "answers": list(properties.get("answers", [])),
        "sample": bool(properties.get("sample", False)),
    }


def order_key(item: dict[str, Any]) -> tuple[int, str, str]:
    """Messages in the order of the topic vocabulary, then by title."""
    return (list(TOPICS).index(item["topic"]), item["title"].casefold(), item["id"])


__all__ = [
    "COLLECTION",
    "RUMOUR_TOPICS",
    "TOPICS",
    "MessageItem",
    "MessageProperties",
    "in_force",
    "shown",
    "validate_message",
]
