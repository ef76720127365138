"""The login form with its captcha and lockout, and the password and security-settings forms."""

from __future__ import annotations

from captcha.fields import CaptchaField
from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.utils import timezone

from vbp.accounts import security, services
from vbp.accounts.models import SecurityPolicy
from vbp.audit.services import Kind, client_ip, record_login


class LoginForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    password = forms.CharField(label="密码", strip=False, widget=forms.PasswordInput)
    captcha = CaptchaField(label="验证码", error_messages={"invalid": "验证码不正确", "required": "请输入验证码"})

    def __init__(self, request, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.user = None

    def clean(self):
        cleaned = super().clean()
        username, password = cleaned.get("username"), cleaned.get("password")
        if "captcha" in self.errors and username:
            record_login(Kind.LOGIN_FAILED, username=username, request=self.request, message="验证码不正确")
        if self.errors or not username or not password:
            return cleaned  # a wrong captcha tries no password and counts no failure
        ip = client_ip(self.request)
        lock = security.lock_for(username, ip)
        if lock is None:
            self.user = authenticate(self.request, username=username, password=password)
        services.record_attempt(username, ip, success=self.user is not None)
        if lock is not None:  # refused before the password is tried, so no login signal: record it here
            record_login(Kind.LOGIN_FAILED, username=username, request=self.request, message=f"{lock.label}已锁定")
            minutes = max(1, int((lock.until - timezone.now()).total_seconds() // 60) + 1)
            raise forms.ValidationError(
                f"该{lock.label}连续登录失败次数过多，已被锁定，请 {minutes} 分钟后再试，或联系安全管理员解锁。",
                code="locked",
            )
        if self.user is None:
            raise forms.ValidationError("用户名或密码不正确，请重新输入。", code="invalid_login")
        if not self.user.is_active:
            raise forms.ValidationError("该账号已停用。", code="inactive")
        return cleaned


class PasswordChangeForm(SetPasswordForm):
    """Old password, then the new one twice, checked against every password rule."""

    old_password = forms.CharField(label="原密码", strip=False, widget=forms.PasswordInput)
    field_order = ["old_password", "new_password1", "new_password2"]

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].label = "新密码"
        self.fields["new_password2"].label = "确认新密码"
        self.fields["new_password1"].help_text = " ".join(password_validators_help_texts())

    def clean_old_password(self):
        old = self.cleaned_data["old_password"]
        if not self.user.check_password(old):
            raise forms.ValidationError("原密码不正确。", code="password_incorrect")
        return old

    def save(self, commit=True):
        return services.change_password(self.user, self.cleaned_data["new_password1"])


class SecurityPolicyForm(forms.ModelForm):
    class Meta:
        model = SecurityPolicy
        fields = [
            "lockout_failures", "lockout_minutes", "password_min_length", "password_history",
            "password_max_age_days", "idle_minutes",
        ]  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("lockout_failures") or 0) < 1 or (cleaned.get("idle_minutes") or 0) < 1:
            raise forms.ValidationError("锁定次数和无操作退出时间至少为 1。")
        if (cleaned.get("password_min_length") or 0) < 8:
            raise forms.ValidationError("密码最短长度不得少于 8 位（等保要求）。")
        return cleaned
