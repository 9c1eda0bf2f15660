"""The walking networks a deployment serves, and the places that lie on none of them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from api.deps import AnyCaller, Networks, check_query
from api.responses import FastJSONResponse
from geomap.errors import AuthenticationError, PermissionDeniedError
from geomap.registry.access import Caller

router = APIRouter(dependencies=[Depends(check_query)], tags=["Walking networks"])

NetworkId = Annotated[str, Path(description="A network id, as listed by `/networks`.")]


def _officer(caller: Caller) -> Caller:
    if caller.is_anonymous:
        raise AuthenticationError("this list is for officers: send 'Authorization: Bearer <token>'")
    if caller.role not in ("officer", "admin"):
        raise PermissionDeniedError(f"{caller.role} {caller.name!r} may not list unmatched places")
    return caller


@router.get("/networks", summary="The walking networks served")
def list_networks(networks: Networks) -> FastJSONResponse:
    """Every network with its description.

    Id, name, countries, bbox, centre, counts, source extract, build time, and the towns it
    covers (the map page's town list).
    """
    return FastJSONResponse({"networks": networks.info()})


@router.get("/networks/unmatched", summary="Places that lie on no network (officers)")
def unmatched(networks: Networks, caller: AnyCaller) -> FastJSONResponse:
    """Places the caller may see that are farther than the snapping limit from every network.

    They are candidates for nobody until a network covers them or their location is fixed.
    """
    return FastJSONResponse({"places": networks.unmatched(_officer(caller))})


@router.get("/networks/{networkId}", summary="One walking network")
def get_network(networkId: NetworkId, networks: Networks) -> FastJSONResponse:
    """The network's description."""
    return FastJSONResponse(networks.get(networkId).info)


@router.get("/networks/{networkId}/unmatched", summary="Places near a network but off it")
def network_unmatched(networkId: NetworkId, networks: Networks, caller: AnyCaller) -> Any:
    """The unmatched places whose nearest network is this one (officers)."""
    entry = networks.get(networkId)
    rows = [r for r in networks.unmatched(_officer(caller)) if r["nearest_network"] == entry.id]
    return FastJSONResponse({"network": entry.id, "places": rows})
