"""Proposals: partners propose new places and changes; officers of the country decide.

* ``POST /collections/{id}/proposals`` (any token): a feature without ``id`` proposes a new
  item (the server assigns its id); with ``id``, a change of that item, against its current
  version (``If-Match`` optional; when given it must be the item's current strong ETag).
  ``X-Change-Reason`` says why. 201 with the proposal.
* ``GET /collections/{id}/proposals`` (any token): a partner sees its own proposals, an
  officer those of its countries, an admin all. ``status`` and ``country`` filter.
* ``GET /collections/{id}/proposals/{pid}``; ``POST …/{pid}/approve`` and ``…/{pid}/reject``
  (officers of the country, admins; ``X-Change-Reason`` is the decision's reason, required to
  reject). Approving applies the proposal as a new version (412 when the item moved on).

Proposals are never part of any public answer; a proposal the caller may not see answers 404
exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api import editing, ogc
from api.deps import (
    AnyCaller,
    BaseUrl,
    Collection,
    CurrentSettings,
    Reason,
    Store,
    Writer,
    check_query,
)
from geomap.errors import AuthenticationError, NotFoundError
from geomap.registry import changes
from geomap.registry.access import Caller
from geomap.registry.store import Proposal, RegistryStore

router = APIRouter(dependencies=[Depends(check_query)], tags=["Proposals"])

ProposalId = Annotated[str, Path(description="The proposal id.", max_length=64)]


def proposal_doc(p: Proposal, base: str) -> dict[str, Any]:
    """A proposal as JSON."""
    url = f"{base}/collections/{p.collection}/proposals/{p.id}"
    return {
        "id": p.id,
        "collection": p.collection,
        "featureId": p.feature_id,
        "status": p.status,
        "baseVersion": p.base_version,
        "proposedBy": p.proposed_by,
        "proposedAt": p.proposed_at,
        "why": p.why,
        "decidedBy": p.decided_by,
        "decidedAt": p.decided_at,
        "reason": p.reason,
        "feature": p.to_feature(),
        "links": [{"href": url, "rel": "self", "type": "application/json"}],
    }


def _token_holder(caller: Caller) -> Caller:
    if caller.is_anonymous:
        raise AuthenticationError("proposals need an API token: 'Authorization: Bearer <token>'")
    return caller


def _propose(
    store: RegistryStore,
    spec: Any,
    feature: Any,
    *,
    caller: Caller,
    why: str,
    if_match: str | None,
    tolerance: float,
) -> Proposal:
    return changes.propose(
        store, spec, feature, caller=caller, why=why, if_match=if_match,
        country_tolerance_km=tolerance,
    )  # fmt: skip


@router.post(
    "/collections/{collectionId}/proposals",
    summary="Propose a new item or a change",
    operation_id="createProposal",
    status_code=201,
)
async def create_proposal(
    *,
    request: Request,
    spec: Collection,
    caller: AnyCaller,
    why: Reason,
    store: Store,
    settings: CurrentSettings,
    base: BaseUrl,
) -> JSONResponse:
    """Store a proposal (never visible to the public); officers of its country decide."""
    _token_holder(caller)
    feature = await editing.read_json(request, editing.FEATURE_TYPES)
    if_match = request.headers.get("if-match")
    proposal = await run_in_threadpool(
        _propose,
        store,
        spec,
        feature,
        caller=caller,
        why=why,
        if_match=if_match,
        tolerance=settings.country_tolerance_km,
    )
    doc = proposal_doc(proposal, base)
    return JSONResponse(doc, status_code=201, headers={"Location": doc["links"][0]["href"]})


@router.get(
    "/collections/{collectionId}/proposals",
    summary="Proposals the caller may see",
    operation_id="getProposals",
)
def list_proposals(
    *,
    spec: Collection,
    caller: AnyCaller,
    store: Store,
    base: BaseUrl,
    status: Annotated[
        Literal["pending", "approved", "rejected"] | None, Query(description="Filter by state.")
    ] = None,
    country: Annotated[
        str | None, Query(min_length=2, max_length=2, description="ISO code of the country.")
    ] = None,
) -> JSONResponse:
    """A partner's own proposals; an officer's countries'; all for admins; oldest first."""
    _token_holder(caller)
    found = store.proposals(spec.id, caller, status=status, country=country)
    docs = [proposal_doc(p, base) for p in found]
    return JSONResponse({"proposals": docs, "numberReturned": len(docs)})


def _in_collection(store: RegistryStore, spec: Any, pid: str, caller: Caller) -> Proposal:
    proposal = store.proposal(pid, caller)
    if proposal.collection != spec.id:
        raise NotFoundError(f"no proposal {pid!r}")
    return proposal


@router.get(
    "/collections/{collectionId}/proposals/{proposalId}",
    summary="One proposal",
    operation_id="getProposal",
)
def get_proposal(
    *, spec: Collection, proposalId: ProposalId, caller: AnyCaller, store: Store, base: BaseUrl
) -> JSONResponse:
    """The proposal, if the caller may see it."""
    _token_holder(caller)
    return JSONResponse(proposal_doc(_in_collection(store, spec, proposalId, caller), base))


def _decide(
    store: RegistryStore, spec: Any, pid: str, caller: Caller, why: str, *, approve: bool
) -> tuple[Proposal, str | None]:
    _in_collection(store, spec, pid, caller)
    if not approve:
        return store.reject(pid, caller, why), None
    done = store.approve(pid, caller, why)
    return done, store.get(spec.id, done.feature_id, caller).etag


@router.post(
    "/collections/{collectionId}/proposals/{proposalId}/approve",
    summary="Approve a proposal (officers of its country, admins)",
    operation_id="approveProposal",
)
async def approve_proposal(
    *,
    request: Request,
    spec: Collection,
    proposalId: ProposalId,
    caller: Writer,
    why: Reason,
    store: Store,
    base: BaseUrl,
) -> JSONResponse:
    """Apply it as a new version of the item (one transaction); the item's ETag in `ETag`."""
    await editing.read_nothing(request)
    done, etag = await run_in_threadpool(
        _decide, store, spec, proposalId, caller, why, approve=True
    )
    headers = {"ETag": ogc.etag_header(etag)} if etag else None
    return JSONResponse(proposal_doc(done, base), headers=headers)


@router.post(
    "/collections/{collectionId}/proposals/{proposalId}/reject",
    summary="Reject a proposal, with a reason (officers of its country, admins)",
    operation_id="rejectProposal",
)
async def reject_proposal(
    *,
    request: Request,
    spec: Collection,
    proposalId: ProposalId,
    caller: Writer,
    why: Reason,
    store: Store,
    base: BaseUrl,
) -> JSONResponse:
    """Refuse it; the reason (``X-Change-Reason``, required) is kept with the proposal."""
    await editing.read_nothing(request)
    done, _ = await run_in_threadpool(_decide, store, spec, proposalId, caller, why, approve=False)
    return JSONResponse(proposal_doc(done, base))
