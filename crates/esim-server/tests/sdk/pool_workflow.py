"""The pool workflow through Microsoft's own Graph beta SDK for Python (msgraph-beta-sdk,
the version pinned in xtask/src/versions.rs), against this server instead of Graph.

Run by tests/graph_sdk.rs with a real `esim-server serve`:

    python pool_workflow.py BASE_URL TOKEN INCLUDED_GROUP EXCLUDED_GROUP

BASE_URL is the server's Graph beta root (http://127.0.0.1:PORT/beta). The SDK is used as
a Graph client would use it; only its authentication is replaced (a static bearer token
instead of Azure Identity) and its base URL points at this server. Each step prints one
JSON line, {"step": ..., ...}, which the Rust test checks; an SDK error ends the run with
its Graph error code.
"""

import asyncio
import json
import sys
from typing import Any

from kiota_abstractions.api_error import APIError
from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph_beta import GraphRequestAdapter, GraphServiceClient
from msgraph_beta.generated.device_management.embedded_s_i_m_activation_code_pools.embedded_s_i_m_activation_code_pools_request_builder import (
    EmbeddedSIMActivationCodePoolsRequestBuilder,
)
from msgraph_beta.generated.device_management.embedded_s_i_m_activation_code_pools.item.assign.assign_post_request_body import (
    AssignPostRequestBody,
)
from msgraph_beta.generated.device_management.embedded_s_i_m_activation_code_pools.item.device_states.count.count_request_builder import (
    CountRequestBuilder,
)
from msgraph_beta.generated.device_management.embedded_s_i_m_activation_code_pools.item.device_states.device_states_request_builder import (
    DeviceStatesRequestBuilder,
)
from msgraph_beta.generated.models.embedded_s_i_m_activation_code import (
    EmbeddedSIMActivationCode,
)
from msgraph_beta.generated.models.embedded_s_i_m_activation_code_pool import (
    EmbeddedSIMActivationCodePool,
)
from msgraph_beta.generated.models.embedded_s_i_m_activation_code_pool_assignment import (
    EmbeddedSIMActivationCodePoolAssignment,
)
from msgraph_beta.generated.models.embedded_s_i_m_device_state_value import (
    EmbeddedSIMDeviceStateValue,
)
from msgraph_beta.generated.models.exclusion_group_assignment_target import (
    ExclusionGroupAssignmentTarget,
)
from msgraph_beta.generated.models.group_assignment_target import GroupAssignmentTarget
from msgraph_beta.generated.models.o_data_errors.o_data_error import ODataError


class StaticToken(AccessTokenProvider):
    """The server's bearer token, for any URL (Azure Identity is Graph's own sign-in)."""

    def __init__(self, token: str) -> None:
        self.token = token

    async def get_authorization_token(
        self, uri: str, additional_authentication_context: dict[str, Any] = {}
    ) -> str:
        return self.token

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return AllowedHostsValidator([])


def emit(step: str, **fields: Any) -> None:
    print(json.dumps({"step": step, **fields}), flush=True)


def luhn(body: str) -> str:
    total = 0
    for i, d in enumerate(reversed(body)):
        v = int(d)
        if i % 2 == 0:
            v *= 2
            if v > 9:
                v -= 9
        total += v
    return body + str((10 - total % 10) % 10)


def codes(smdp: str, start: int, n: int) -> list[EmbeddedSIMActivationCode]:
    return [
        EmbeddedSIMActivationCode(
            integrated_circuit_card_identifier=luhn(f"8946{i:014d}"),
            matching_identifier=f"SDK-{i:06d}",
            smdp_plus_server_address=smdp,
        )
        for i in range(start, start + n)
    ]


async def main(base_url: str, token: str, included: str, excluded: str) -> None:
    adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(StaticToken(token)))
    adapter.base_url = base_url
    client = GraphServiceClient(request_adapter=adapter)
    pools = client.device_management.embedded_s_i_m_activation_code_pools

    # Create three pools (the documented body: displayName and activationCodes).
    created = []
    for i, name in enumerate(["SDK pool A", "SDK pool B", "SDK pool C"]):
        pool = await pools.post(
            EmbeddedSIMActivationCodePool(
                display_name=name,
                activation_codes=codes(f"sdk{i}.example.com", 900_000 + i * 10, 2 + i),
            )
        )
        created.append(pool.id)
        emit("create", id=pool.id, displayName=pool.display_name,
             activationCodeCount=pool.activation_code_count)

    # List with paging: $top=2, then @odata.nextLink followed through the SDK.
    config = RequestConfiguration(
        query_parameters=EmbeddedSIMActivationCodePoolsRequestBuilder.EmbeddedSIMActivationCodePoolsRequestBuilderGetQueryParameters(
            top=2, count=True, orderby=["displayName desc"]
        )
    )
    page = await pools.get(request_configuration=config)
    pages = [[p.display_name for p in page.value]]
    count = page.odata_count
    while page.odata_next_link:
        page = await pools.with_url(page.odata_next_link).get()
        pages.append([p.display_name for p in page.value])
    emit("list", pages=pages, count=count)

    # $skip.
    config = RequestConfiguration(
        query_parameters=EmbeddedSIMActivationCodePoolsRequestBuilder.EmbeddedSIMActivationCodePoolsRequestBuilderGetQueryParameters(
            skip=1, orderby=["displayName"]
        )
    )
    page = await pools.get(request_configuration=config)
    emit("skip", names=[p.display_name for p in page.value])

    # $filter on the pools.
    config = RequestConfiguration(
        query_parameters=EmbeddedSIMActivationCodePoolsRequestBuilder.EmbeddedSIMActivationCodePoolsRequestBuilderGetQueryParameters(
            filter="startswith(displayName,'SDK pool') and activationCodeCount ge 3",
            select=["id", "displayName"],
        )
    )
    page = await pools.get(request_configuration=config)
    emit("filter", names=sorted(p.display_name for p in page.value))

    # Patch: rename, and add codes (Graph's update body).
    pool_id = created[0]
    item = pools.by_embedded_s_i_m_activation_code_pool_id(pool_id)
    patched = await item.patch(
        EmbeddedSIMActivationCodePool(
            display_name="SDK pool A renamed",
            activation_codes=codes("sdk0.example.com", 900_100, 2),
        )
    )
    emit("patch", displayName=patched.display_name,
         activationCodeCount=patched.activation_code_count)

    # Assign: one included group, one excluded.
    body = AssignPostRequestBody(
        assignments=[
            EmbeddedSIMActivationCodePoolAssignment(
                target=GroupAssignmentTarget(group_id=included)
            ),
            EmbeddedSIMActivationCodePoolAssignment(
                target=ExclusionGroupAssignmentTarget(group_id=excluded)
            ),
        ]
    )
    assigned = await item.assign.post(body)
    listed = await item.assignments.get()
    emit(
        "assign",
        assigned=len(assigned.value),
        targets=sorted(
            [a.target.odata_type, a.target.group_id] for a in listed.value
        ),
    )

    # Device states with $filter (and $count, $orderby).
    config = RequestConfiguration(
        query_parameters=DeviceStatesRequestBuilder.DeviceStatesRequestBuilderGetQueryParameters(
            filter="state eq 'notEvaluated'", count=True, orderby=["deviceName"]
        )
    )
    states = await item.device_states.get(request_configuration=config)
    emit(
        "deviceStates",
        count=states.odata_count,
        devices=[s.device_name for s in states.value],
        notEvaluated=all(s.state == EmbeddedSIMDeviceStateValue.NotEvaluated for s in states.value),
    )
    counted = await item.device_states.count.get(
        request_configuration=RequestConfiguration(
            query_parameters=CountRequestBuilder.CountRequestBuilderGetQueryParameters(
                filter="state eq 'notEvaluated'"
            )
        )
    )
    emit("count", notEvaluated=counted)
    config = RequestConfiguration(
        query_parameters=DeviceStatesRequestBuilder.DeviceStatesRequestBuilderGetQueryParameters(
            filter="state eq 'installed'"
        )
    )
    states = await item.device_states.get(request_configuration=config)
    emit("installed", devices=[s.device_name for s in states.value])

    # A filter the server does not understand: Graph's 400 through the SDK's error type.
    config = RequestConfiguration(
        query_parameters=DeviceStatesRequestBuilder.DeviceStatesRequestBuilderGetQueryParameters(
            filter="contains(deviceName,'a')"
        )
    )
    try:
        await item.device_states.get(request_configuration=config)
        emit("refused", code=None)
    except ODataError as e:
        emit("refused", status=e.response_status_code, code=e.error.code,
             message=e.error.message)

    # Delete every pool; a deleted pool is Graph's 404.
    for p in created:
        await pools.by_embedded_s_i_m_activation_code_pool_id(p).delete()
    try:
        await item.get()
        emit("deleted", code=None)
    except ODataError as e:
        emit("deleted", status=e.response_status_code, code=e.error.code)
    remaining = await pools.get()
    emit("remaining", ids=[p.id for p in remaining.value])


if __name__ == "__main__":
    try:
        asyncio.run(main(*sys.argv[1:5]))
    except ODataError as e:
        emit("error", status=e.response_status_code,
             code=e.error.code if e.error else None,
             message=e.error.message if e.error else str(e))
        sys.exit(1)
    except APIError as e:
        emit("error", status=e.response_status_code, message=str(e))
        sys.exit(1)
