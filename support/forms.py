from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from .models import CancellationReason, ProblemType, RequestMessage, RequestStatus, ServiceRequest, Severity
from .selectors import live_subscriptions_for, paid_orders_for
from .validators import cancellation_reason_clean, validate_attachment


class SubscriptionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _("%(offer)s (current term ends %(end)s)") % {
            "offer": obj.offer.localized("name"),
            "end": formats.date_format(obj.current_period_end, "DATE_FORMAT"),
        }


class AttachmentField(forms.FileField):
    def validate(self, value):
        super().validate(value)
        if value:
            validate_attachment(value)


class ServiceRequestForm(forms.Form):
    problem_type = forms.ChoiceField(label=_("Type of problem"), choices=[("", "---------")] + ProblemType.choices)
    subscription = SubscriptionChoiceField(
        label=_("Which subscription is this about?"),
        queryset=None,
        required=False,
        empty_label=_("None"),
    )
    wants_cancellation = forms.BooleanField(label=_("I want this subscription cancelled"), required=False)
    # Required for a cancellation only; clean() says so next to the field.
    cancellation_reason = forms.ChoiceField(
        label=_("Why do you want to cancel?"),
        choices=CancellationReason.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    cancellation_reason_other = forms.CharField(
        label=_("Your reason"),
        max_length=ServiceRequest._meta.get_field("cancellation_reason_other").max_length,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed only when the reason is “Other”."),
    )
    order = forms.ModelChoiceField(label=_("Order (optional)"), queryset=None, required=False, empty_label=_("None"))
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.MODERATE)
    title = forms.CharField(label=_("Title"), max_length=ServiceRequest._meta.get_field("title").max_length)
    description = forms.CharField(
        label=_("Description"),
        max_length=ServiceRequest._meta.get_field("description").max_length,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Describe the problem, what you expected and what happened."),
    )
    attachment = AttachmentField(
        label=_("Attachment (optional)"),
        required=False,
        help_text=_("PDF, PNG, JPG, TXT or CSV, at most 5 MB."),
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subscription"].queryset = live_subscriptions_for(organization=organization)
        self.fields["order"].queryset = paid_orders_for(organization=organization)

    def clean(self):
        data = super().clean()
        if data.get("problem_type") != ProblemType.INVOICE_PAYMENT:
            data["wants_cancellation"] = False
        elif data.get("wants_cancellation") and not data.get("subscription"):
            self.add_error("subscription", _("Choose the subscription you want cancelled."))
        try:
            data["cancellation_reason"], data["cancellation_reason_other"] = cancellation_reason_clean(
                wants_cancellation=bool(data.get("wants_cancellation")),
                reason=data.get("cancellation_reason") or "",
                other=data.get("cancellation_reason_other") or "",
            )
        except ValidationError as exc:
            for name, errors in exc.error_dict.items():
                self.add_error(name, errors)
        return data


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=RequestMessage._meta.get_field("body").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    attachment = AttachmentField(
        label=_("Attachment (optional)"),
        required=False,
        help_text=_("PDF, PNG, JPG, TXT or CSV, at most 5 MB."),
    )


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All"))] + RequestStatus.choices, required=False)
