"""Walks a case with the Python client openapi-python-client generated from
Accord's live OpenAPI document (issue 19), as an integrator's system would:
signs in, makes an API token, raises a disagreement, records the Stage One
discussion, escalates (as a manager), and reads the case back. Every answer
is the typed model the document promises, or the generated client raises.

Usage: python walk.py BASE_URL PASSWORD RAISE_JSON; prints what it read as
JSON for the Rust test to check against the server's own record.
"""

import datetime
import json
import sys

from accord_client import AuthenticatedClient, Client
from accord_client.api.case_commands import escalate_case, record_discussion
from accord_client.api.cases import list_events, raise_case, show_case
from accord_client.api.sign_in import create_token, sign_in
from accord_client.models import (
    CaseView,
    DiscussionRecord,
    Escalate,
    EventList,
    Me,
    NewTokenBody,
    NewTokenRequest,
    RaiseRequest,
    RecordDiscussion,
    SignIn,
)

base, password, raise_json = sys.argv[1], sys.argv[2], sys.argv[3]


def expect(value, model):
    """The answer must be the model the document promises."""
    if not isinstance(value, model):
        raise SystemExit(f"expected a {model.__name__}, got {value!r}")
    return value


def token_for(name: str, scopes: list[str]) -> AuthenticatedClient:
    """Signs `name` in with a password, then makes an API token with the
    session: the way a system is given its credentials."""
    session = Client(base_url=base, raise_on_unexpected_status=True)
    me = expect(sign_in.sync(client=session, body=SignIn(sign_in=name, password=password)), Me)
    assert me.id == name, me
    http = session.get_httpx_client()
    # The session cookie is Secure; this test server is plain http on
    # loopback, where httpx will not send it back by itself.
    cookie = http.cookies.jar
    http.headers["cookie"] = "; ".join(f"{c.name}={c.value}" for c in cookie)
    http.headers["x-csrf-token"] = me.csrf_token
    made = expect(
        create_token.sync(
            client=session,
            body=NewTokenRequest(label="case system", scopes=scopes),
        ),
        NewTokenBody,
    )
    return AuthenticatedClient(base_url=base, token=made.token, raise_on_unexpected_status=True)


practitioner = token_for("hav-school-practitioner", ["read", "write"])
manager = token_for("hav-school-manager", ["read", "write"])

answer = raise_case.sync_detailed(
    client=practitioner, body=RaiseRequest.from_dict(json.loads(raise_json))
)
assert answer.status_code == 201, answer
raised = expect(answer.parsed, CaseView)
# Accord writes instants to the nanosecond; Python's datetime keeps
# microseconds. A discussion may not be dated before the raise, so round
# the raise up to the next microsecond when it was cut.
written = json.loads(answer.content)["raised_at"]
fraction = written.rstrip("Z").partition(".")[2]
held_at = raised.raised_at
if fraction[6:].strip("0"):
    held_at += datetime.timedelta(microseconds=1)
case_id = raised.id
talked = record_discussion.sync(
    case_id,
    client=practitioner,
    body=RecordDiscussion(
        expected_version=raised.version,
        record=DiscussionRecord.from_dict(
            {
                # When it was raised, by the server's clock: a test's clock
                # may stand still, and a discussion is never dated before
                # the raise or after now.
                "held_at": held_at.isoformat(),
                "how": "phone",
                "participants": [
                    {"person": "hav-school-practitioner", "agency": "hav-school", "role": "practitioner"},
                    {"person": "hav-csc-practitioner", "agency": "hav-csc", "role": "practitioner"},
                ],
                "summary": "Talked it through; no agreement.",
                "ended_in_agreement": False,
            }
        ),
    ),
)
assert type(talked).__name__ == "RecordDiscussionResponse200", talked
escalated = escalate_case.sync(
    case_id,
    client=manager,
    body=Escalate(expected_version=talked.version, to=2, reason="No agreement at Stage One."),
)
assert type(escalated).__name__ == "EscalateCaseResponse200", escalated
read = expect(show_case.sync(case_id, client=practitioner), CaseView)
events = expect(list_events.sync(client=practitioner, kind="raised,escalated"), EventList)
mine = [e for e in events.events if e.case.reference == case_id]

print(
    json.dumps(
        {
            "id": read.id,
            "version": read.version,
            "stage": read.stage,
            "status": str(read.status.value if hasattr(read.status, "value") else read.status),
            "raised_version": raised.version,
            "discussions": len(read.discussions),
            "escalated_version": escalated.version,
            "events": [[e.kind, e.case.version] for e in mine],
        }
    )
)
