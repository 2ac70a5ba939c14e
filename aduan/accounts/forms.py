from django import forms
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _

from aduan.accounts.models import User
from aduan.lib.phones import PhoneField


def refuse_reserved(email: str) -> str:
    """Deleted accounts get an address on a domain of their own
    (`aduan.accounts.erasure`): an account holding one would make a deletion fail."""
    from aduan.accounts.erasure import ERASED_EMAIL_DOMAIN

    if email.rpartition("@")[2] == ERASED_EMAIL_DOMAIN:
        raise forms.ValidationError(_("This address cannot be used."))
    return email


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    # Django's own message speaks of a "username" and of case, neither of which applies.
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong email or password."),
    }


class SignUpForm(forms.ModelForm):
    phone = PhoneField(label=_("Phone number"), required=False)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only numbers."),
    )
    password2 = forms.CharField(
        label=_("Repeat the password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = User
        fields = ["full_name", "email", "phone"]
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }

    def clean_email(self) -> str:
        # Whether an account has the address is not said here: see aduan.accounts.signup.
        return refuse_reserved(self.cleaned_data["email"].strip().lower())

    def validate_unique(self) -> None:
        """Left to `aduan.accounts.signup`, which answers alike for a taken address."""

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if len(name) < 2:
            raise forms.ValidationError(_("Write your name."))
        return name

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            user = User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(p1, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def save(self, commit: bool = True, *, language: str = "") -> User:
        """The new account; `language` (the page's, as a rule) is the one its emails
        and notifications are written in."""
        user = super().save(commit=False)
        user.set_password(self.cleaned_data["password1"])
        if language:
            user.language = language
        if commit:
            user.save()
        return user


class PasswordResetRequestForm(forms.Form):
    """The address to send a new-password link to. Saving only queues the email: the
    page that follows says the same whether or not an account has the address."""

    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def save(self, **_options) -> None:
        from aduan.accounts.password_reset import request_reset

        request_reset(self.cleaned_data["email"])


class _NewPasswordOnItsField:
    """Django's password forms put what is wrong with a new password ("too common",
    "entirely numeric") under the field that repeats it, where the focus then goes:
    here it is said on the password itself, as the sign-up form does, and only once the
    two agree."""

    def clean(self):
        self.validate_passwords("new_password1", "new_password2")
        if "new_password2" in self.cleaned_data:
            self.validate_password_for_user(self.user, "new_password1")
        return forms.Form.clean(self)


class NewPasswordForm(_NewPasswordOnItsField, SetPasswordForm):
    """The new password chosen through a reset link, with the sign-up form's words."""

    error_messages = {"password_mismatch": _("The two passwords differ.")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        first, second = self.fields["new_password1"], self.fields["new_password2"]
        first.help_text = _("At least 8 characters, not only numbers.")
        first.widget.attrs["autofocus"] = True
        second.label, second.help_text = _("Repeat the password"), ""


class NameForm(forms.ModelForm):
    """The name the account goes by (what organizations see on its reports)."""

    class Meta:
        model = User
        fields = ["full_name"]
        widgets = {"full_name": forms.TextInput(attrs={"autocomplete": "name"})}

    clean_full_name = SignUpForm.clean_full_name


class PhoneNumberForm(forms.Form):
    """The account's number, to be verified by a code sent to it; empty removes it."""

    phone = PhoneField(label=_("Phone number"), required=False)


class PhoneCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=12,
        help_text=_("The six digits in the message we sent to your number."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError(_("The code has six digits."))
        return code


class CurrentPasswordForm(forms.Form):
    """A step that matters (a copy of one's data, a new address, deleting the account)
    asks for the password again: a browser left signed in is not its owner."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, request=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.request = request

    def clean_password(self) -> str:
        """Checked as signing in checks it (with `request`), so that wrong passwords
        typed here count towards django-axes' lock of the account from this address, as
        at the sign-in page: a stolen session cannot guess its way to a copy of the
        data or a new address."""
        password = self.cleaned_data["password"]
        if self.request is not None:
            checked = authenticate(self.request, username=self.user.email, password=password)
            right = checked is not None and checked.pk == self.user.pk
        else:
            right = self.user.check_password(password)
        if not right:
            raise forms.ValidationError(_("This is not the account's password."))
        return password


class EmailChangeForm(CurrentPasswordForm):
    new_email = forms.EmailField(
        label=_("New email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    field_order = ["new_email", "password"]

    def clean_new_email(self) -> str:
        email = refuse_reserved(self.cleaned_data["new_email"].strip().lower())
        if email == self.user.email.lower():
            raise forms.ValidationError(_("This is already the account's address."))
        # Whether another account has it is not said here, as at sign-up: the link is
        # not sent there, its owner is told instead (`email_change.send_taken_notice`).
        return email


class DeleteAccountForm(CurrentPasswordForm):
    understood = forms.BooleanField(
        label=_("I understand that the account cannot be brought back."),
        error_messages={"required": _("Tick this box to delete the account.")},
    )


class ChangePasswordForm(_NewPasswordOnItsField, PasswordChangeForm):
    """A new password chosen while signed in, with the sign-up form's words."""

    error_messages = {
        "password_mismatch": _("The two passwords differ."),
        "password_incorrect": _("This is not the account's password."),
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Your present password")
        first, second = self.fields["new_password1"], self.fields["new_password2"]
        first.help_text = _("At least 8 characters, not only numbers.")
        second.label, second.help_text = _("Repeat the new password"), ""


class SignInCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The six digits your authenticator app shows now, or a backup code."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class TwoFactorForm(CurrentPasswordForm):
    """Turning two-step sign-in on or off asks for the password and a code; new backup
    codes ask for the password."""

    ACTIONS = ("turn_on", "turn_off", "new_codes")
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )
    field_order = ["code", "password"]

    def __init__(self, *args, action: str, required: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.action = action
        self.required = required
        if action == "new_codes":
            del self.fields["code"]  # the password alone makes new backup codes

    def clean(self):
        cleaned = super().clean()
        if self.action not in self.ACTIONS:
            raise forms.ValidationError(_("Choose what to do."))
        if self.action == "turn_off" and self.required:
            # Refused before the code is checked: a backup code typed here stays usable.
            raise forms.ValidationError(
                _(
                    "This installation requires two-step sign-in of its officers: it "
                    "cannot be turned off."
                )
            )
        code = cleaned.get("code", "").strip()
        if self.action in ("turn_on", "turn_off") and not code:
            self.add_error("code", _("Type the code the app shows now."))
        elif self.action == "turn_off" and "password" in cleaned:
            from aduan.accounts import two_factor

            if two_factor.verify(self.user, code) is None:
                self.add_error("code", _("This code is not right: type the one the app shows now."))
        return cleaned

    @property
    def typed_code(self) -> str:
        return self.cleaned_data.get("code", "")
