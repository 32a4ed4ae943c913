"""schemathesis hooks for .ci/run: the run does not end its own users' access.

The run signs its six users in once and sends their tokens with every request. Two operations
could end that access halfway through and leave the rest of the run seeing only 401: ending one's
own session (DELETE /api/v1/me/sessions/{id}, with an id the run read from GET /me/sessions) and
an admin deactivating a user or changing their role or e-mail (PATCH /api/v1/users/{id}, with an
id from GET /users). Aimed at one of the run's own sessions or users, such a request is sent for
a random id instead (404): the operation is still exercised, on records that are not the run's.
"""

import os
import uuid

import schemathesis

USERS = {i for i in os.environ.get("CONTRACT_USER_IDS", "").split(",") if i}
SESSIONS = {i for i in os.environ.get("CONTRACT_SESSION_IDS", "").split(",") if i}
GUARDED = {
    ("DELETE", "/api/v1/me/sessions/{id}"): SESSIONS,
    ("PATCH", "/api/v1/users/{id}"): USERS,
}


@schemathesis.hook
def before_call(context, case, **kwargs):
    ids = GUARDED.get((case.method.upper(), case.operation.path))
    if ids and case.path_parameters and case.path_parameters.get("id") in ids:
        case.path_parameters["id"] = str(uuid.uuid4())
