from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils.translation import gettext_lazy as _

from partnerportal.forms import BoundedDateField

from .models import Invitation, Organization, Role, User


def _max_length(model, field):
    """The model column's limit, so a value the form accepts is one the model accepts too."""
    return model._meta.get_field(field).max_length


class SignUpForm(forms.Form):
    organization_name = forms.CharField(label=_("Organisation name"), max_length=_max_length(Organization, "name"))
    first_name = forms.CharField(label=_("First name"), max_length=_max_length(User, "first_name"))
    last_name = forms.CharField(label=_("Last name"), max_length=_max_length(User, "last_name"))
    email = forms.EmailField(label=_("Work e-mail"), max_length=_max_length(User, "email"))
    password1 = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput, help_text=password_validators_help_text_html()
    )
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput)
    accept_network_agreement = forms.BooleanField(
        label=_("I accept the network agreement on behalf of my organisation."),
        error_messages={"required": _("You must accept the network agreement to join the network.")},
    )

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("A user with this e-mail address already exists."))
        return email

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords do not match."))
        return cleaned


class EnrolForm(forms.Form):
    accept_network_agreement = forms.BooleanField(
        label=_("I accept the network agreement on behalf of my organisation."),
        error_messages={"required": _("You must accept the network agreement to join the network.")},
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False)


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", Role.choices)
        kwargs.setdefault("label", _("Roles"))
        super().__init__(**kwargs)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=_max_length(Invitation, "email"))
    roles = RolesField(error_messages={"required": _("Choose at least one role.")})

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("A user with this e-mail address already exists."))
        return email


class AcceptInvitationForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=_max_length(User, "first_name"))
    last_name = forms.CharField(label=_("Last name"), max_length=_max_length(User, "last_name"))
    password1 = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput, help_text=password_validators_help_text_html()
    )
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords do not match."))
        return cleaned


class MemberRolesForm(forms.Form):
    roles = RolesField(required=False)


class ActivityFilterForm(forms.Form):
    start = BoundedDateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = BoundedDateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["start"] > cleaned["end"]:
            self.add_error("end", _("The end date must not be before the start date."))
        return cleaned
