"""One error shape everywhere: {"detail": "...", "errors": {"param": ["problem"]}}.

The write service's refusals become HTTP answers here, once for every view:
WriteRefused → 403 with its reason, a Django ValidationError → 400 naming the field,
PossibleDuplicates → 409 with the candidates, StaleVersion → 412 with the current
ETag."""

from django.core.exceptions import NON_FIELD_ERRORS
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


def candidate(visit, request) -> dict:
    return {
        "id": visit.pk,
        "url": reverse("api:visit-detail", args=[visit.pk], request=request),
        "date_label": visit.date_label,
        "visitor": {"slug": visit.visitor.slug, "name": visit.visitor.name},
    }


def from_service(exc, request):
    """The API exception that says what a write service exception says."""
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
