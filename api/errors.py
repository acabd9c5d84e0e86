"""One error shape everywhere: {"detail": "...", "errors": {"param": ["problem"]}}.

The write service's refusals become HTTP answers here, once for every view:
WriteRefused → 403 with its reason, a Django ValidationError → 400 naming the field,
PossibleDuplicates → 409 with the candidates, StaleVersion → 412 with the current
ETag. A request body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 saying the limit
(Django's own answer would be a bare HTML 400)."""

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from api.conditional import visit_etag
from visits import services


class PossibleDuplicate(exceptions.APIException):
    status_code = 409
    default_detail = (
        "This may record a visit already recorded (same visitor, countries and "
        'overlapping dates). Send "confirm_duplicate": true to save it anyway.'
    )

    def __init__(self, candidates: list[dict]):
        super().__init__()
        self.candidates = candidates


class PreconditionFailed(exceptions.APIException):
    status_code = 412
    default_detail = "The visit changed since you read it (If-Match names an older version)."

    def __init__(self, etag: str):
        super().__init__()
        self.etag = etag


class BodyTooLarge(exceptions.APIException):
    status_code = 413

    def __init__(self):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 2**20
        super().__init__(f"The request body is over {limit:g} MiB, the most the API reads.")


def candidate(visit, request) -> dict:
    return {
        "id": visit.pk,
        "url": reverse("api:visit-detail", args=[visit.pk], request=request),
        "date_label": visit.date_label,
        "visitor": {"slug": visit.visitor.slug, "name": visit.visitor.name},
    }


def from_service(exc, request):
    """The API exception that says what a write service exception (or Django's
    refusal of a request body) says."""
    if isinstance(exc, services.WriteRefused):
        return exceptions.PermissionDenied(str(exc))
    if isinstance(exc, DjangoValidationError):
        if not hasattr(exc, "error_dict"):
            return exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: exc.messages})
        errors = exc.message_dict
        if NON_FIELD_ERRORS in errors:
            errors[api_settings.NON_FIELD_ERRORS_KEY] = errors.pop(NON_FIELD_ERRORS)
        return exceptions.ValidationError(errors)
    if isinstance(exc, services.PossibleDuplicates):
        return PossibleDuplicate([candidate(v, request) for v in exc.candidates])
    if isinstance(exc, services.StaleVersion):
        return PreconditionFailed(visit_etag(request, exc.current.version))
    if isinstance(exc, RequestDataTooBig):  # raised as the view reads request.data
        return BodyTooLarge()
    return exc


def exception_handler(exc, context):
    exc = from_service(exc, context["request"])
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        response.data = {"detail": "Invalid input.", "errors": errors}
    elif isinstance(data, dict) and "detail" in data:
        response.data = {"detail": data["detail"], "errors": {}}
    else:
        response.data = {"detail": str(data), "errors": {}}
    if isinstance(exc, PossibleDuplicate):
        response.data["candidates"] = exc.candidates
    if isinstance(exc, PreconditionFailed):
        response["ETag"] = exc.etag
    return response
