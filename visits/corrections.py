"""/corrections/new/: a reader suggests a correction of a visit or reports a missing
one. The suggestion joins the editors' queue in the admin (visits.models.Correction)
and nothing is published from it without review. The page is never cached (it holds
a CSRF token and a signed start time), so visit pages, which are, only link to it.
Spam defences and the rate limit: visits.reader_guard."""

from __future__ import annotations

from django import forms
from django.core.validators import URLValidator
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from visits import reader_guard
from visits.models import Correction, Visit

MESSAGE_MIN = 20
MESSAGE_MAX = 4000


class WebAddressField(forms.URLField):
    """A web page's address: http or https only (no javascript:, ftp: or data:)."""

    default_validators = [URLValidator(schemes=["http", "https"])]
    default_error_messages = {"invalid": "Enter a web address starting http:// or https://."}


class CorrectionForm(forms.Form):
    kind = forms.ChoiceField(
        label="What are you sending?",
        choices=Correction.Kind.choices,
        initial=Correction.Kind.CORRECTION,
        widget=forms.RadioSelect,
    )
    visit = forms.ModelChoiceField(
        queryset=Visit.objects.published(), required=False, widget=forms.HiddenInput
    )
    message = forms.CharField(
        label="What is wrong or missing?",
        min_length=MESSAGE_MIN,
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=f"Who, where, when, and what the source says ({MESSAGE_MIN}–{MESSAGE_MAX} "
        "characters).",
    )
    source_url = WebAddressField(
        label="Source (web address)",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="Optional but the most useful part: a page that states it.",
    )
    email = forms.EmailField(
        label="Your email address",
        required=False,
        max_length=254,  # the model's
        help_text="Optional, only if you would like a reply. It is never published.",
    )
    # The honeypot: hidden by CSS (.hp), so people leave it empty.
    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = forms.CharField(widget=forms.HiddenInput)

    def is_spam(self) -> bool:
        """Filled honeypot, or a start token that is forged, stale or too recent."""
        return bool(self.data.get("website")) or reader_guard.too_fast_or_forged(
            self.data.get("started", "")
        )


def _preselected(request) -> Visit | None:
    """The published visit `?visit=` names; a draft, a withdrawn or unknown id: none."""
    pk = request.GET.get("visit", "")
    return Visit.objects.published().filter(pk=pk).first() if pk.isdigit() else None


def _page(request, form, *, status=200):
    """The form page; the visit it is about is named above the form."""
    visit = form.cleaned_data.get("visit") if form.is_bound else form.initial.get("visit")
    context = {"form": form, "visit": visit}
    return render(request, "visits/correction_form.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def new_correction(request):
    """GET: the form (`?visit=<id>`: about that published visit). POST: send it; over
    the rate limit a 429 that says so, whatever the form holds."""
    sender = reader_guard.sender_hash(request)
    if request.method == "GET":
        visit = _preselected(request)
        kind = Correction.Kind.CORRECTION if visit else Correction.Kind.MISSING
        initial = {"kind": kind, "visit": visit, "started": reader_guard.start_token()}
        return _page(request, CorrectionForm(initial=initial))
    if reader_guard.over_limit(sender):
        context = {"limit": reader_guard.LIMIT}
        response = render(request, "visits/correction_limited.html", context, status=429)
        response["Retry-After"] = str(reader_guard.WINDOW)
        return response
    return _submit(request, sender)


def _submit(request, sender: str):
    """Save a valid, human-looking submission and count it. Spam is refused unsaved and
    counted, the form shown again with a new start time and an empty honeypot (a
    person who was quick can send it again); a reader's mistakes come back with the
    form, counting nothing."""
    form = CorrectionForm(request.POST)
    if form.is_spam():
        reader_guard.count_submission(sender)
        fresh = {**request.POST.dict(), "website": "", "started": reader_guard.start_token()}
        form = CorrectionForm(fresh)
        form.full_clean()
        form.add_error(None, "Not sent: please check your message and send it again.")
        return _page(request, form, status=400)
    if not form.is_valid():
        return _page(request, form, status=400)
    fields = ("kind", "visit", "message", "source_url", "email")
    Correction.objects.create(**{f: form.cleaned_data[f] for f in fields}, submitter_hash=sender)
    reader_guard.count_submission(sender)
    return redirect("correction-thanks")


def thanks(request):
    return render(request, "visits/correction_thanks.html")
