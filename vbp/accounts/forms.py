"""The login form with its captcha and lockout, and the password and security-settings forms."""

from __future__ import annotations

import ipaddress

from captcha.fields import CaptchaField
from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.db.models import Q
from django.utils import timezone

from vbp.accounts import security, services
from vbp.accounts.models import Role, SecurityPolicy
from vbp.accounts.policy import BOUNDS
from vbp.audit.services import Kind, client_ip, record_login
from vbp.catalog.models import Hospital
from vbp.regions.models import Region


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
        if lock is not None:  # refused before the password is tried, so no login signal: record it here
            services.record_attempt(username, ip, success=False)
            record_login(Kind.LOGIN_FAILED, username=username, request=self.request, message=f"{lock.label}已锁定")
            raise _locked(lock)
        self.user = authenticate(self.request, username=username, password=password)  # counts the attempt
        if self.user is None:
            lock = security.lock_for(username, ip)  # this failure may be the one that locks
            raise (
                _locked(lock)
                if lock
                else forms.ValidationError("用户名或密码不正确，请重新输入。", code="invalid_login")
            )
        if not self.user.is_active:
            raise forms.ValidationError("该账号已停用。", code="inactive")
        return cleaned


def _locked(lock: security.Lock) -> forms.ValidationError:
    minutes = max(1, int((lock.until - timezone.now()).total_seconds() // 60) + 1)
    return forms.ValidationError(
        f"该{lock.label}连续登录失败次数过多，已被锁定，请 {minutes} 分钟后再试，或联系安全管理员解锁。", code="locked"
    )


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
    """Each number within its bound (policy.BOUNDS); the bound is said beside the field and in its error."""

    class Meta:
        model = SecurityPolicy
        fields = list(BOUNDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, bound in BOUNDS.items():
            field = self.fields[name]
            field.widget.attrs.update(min=bound.low, max=bound.high)
            field.help_text = f"{bound.low}～{bound.high}：{bound.why}"
            field.error_messages["invalid"] = "请输入整数"


class ApiTokenForm(forms.Form):
    """A new API token: what it is for, and the user's password once more (counted toward the lockout)."""

    name = forms.CharField(label="用途", max_length=100, help_text="如：市平台数据对接")
    password = forms.CharField(label="登录密码", strip=False, widget=forms.PasswordInput)

    def __init__(self, request, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name or not name.isprintable():
            raise forms.ValidationError("请填写用途（不含控制字符）")
        return name

    def clean_password(self):
        password = self.cleaned_data["password"]
        user = self.request.user
        if authenticate(self.request, username=user.get_username(), password=password) is None:
            lock = security.lock_for(user.get_username(), client_ip(self.request))
            raise _locked(lock) if lock else forms.ValidationError("密码不正确")
        return password


class AuthorizationQueryForm(forms.Form):
    username = forms.CharField(label="用户名或姓名", max_length=150, required=False)
    role = forms.ChoiceField(label="角色", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "全部"), ("none", "待授权（无角色）"), *_business_role_choices()]

    def filter(self, accounts):
        name, role = self.cleaned_data["username"].strip(), self.cleaned_data["role"]
        if name:
            accounts = accounts.filter(Q(username__contains=name) | Q(first_name__contains=name))
        if role == "none":
            accounts = accounts.filter(role="")
        elif role:
            accounts = accounts.filter(role=role)
        return accounts


class AuthorizationForm(forms.Form):
    """用户授权: a business account's role, and the region or hospital it works for."""

    role = forms.ChoiceField(label="角色", required=False)
    region = forms.ModelChoiceField(label="所属行政区划", queryset=Region.objects.order_by("code"), required=False)
    hospital_code = forms.CharField(label="所属医疗机构编码", max_length=30, required=False)

    def __init__(self, *args, account, **kwargs):
        hospital_code = account.hospital.code if account.hospital_id else ""
        initial = {"role": account.role, "region": account.region_id, "hospital_code": hospital_code}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["role"].choices = [("", "无（收回授权）"), *_business_role_choices()]

    def clean_hospital_code(self):
        code = self.cleaned_data["hospital_code"].strip()
        if not code:
            return None
        hospital = Hospital.objects.filter(code=code).first()
        if hospital is None:
            raise forms.ValidationError(f"没有编码为“{code}”的医疗机构")
        return hospital

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        hospital = cleaned.pop("hospital_code", None)
        problems = services.authorization_problems(cleaned.get("role", ""), cleaned.get("region"), hospital)
        for problem in problems:
            self.add_error(None, problem)
        cleaned["hospital"] = hospital
        return cleaned


class UnlockForm(forms.Form):
    field = forms.ChoiceField(choices=[("username", "账号"), ("ip_address", "地址")])
    value = forms.CharField(max_length=150)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("field") == "ip_address" and cleaned.get("value"):
            try:
                cleaned["value"] = str(ipaddress.ip_address(cleaned["value"].strip()))
            except ValueError:
                self.add_error("value", "不是有效的IP地址")
        return cleaned


def _business_role_choices() -> list[tuple[str, str]]:
    return [(role.value, role.label) for role in Role if role in services.BUSINESS_ROLES]
