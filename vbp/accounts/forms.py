"""The account forms: login (captcha, lockout), 个人信息, 修改密码, 接口令牌, and the security administrator's
安全设置, 解锁, 用户授权 and the query forms of its lists.

Every field is bounded and says what is wrong in Chinese at the field (vbp.ui.forms): no value, however odd,
reaches a service or the database raw.
"""

from __future__ import annotations

import ipaddress
import re

from captcha.fields import CaptchaField
from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db.models import Q
from django.utils import timezone

from vbp.accounts import security, services
from vbp.accounts.models import Role
from vbp.accounts.policy import BOUNDS
from vbp.audit.services import Kind, client_ip, record_login
from vbp.catalog.models import Hospital
from vbp.regions.models import Region
from vbp.ui.forms import CONTROL, Form, QueryForm, TextField, WholeNumberField

PASSWORD_MAX = 128  # above the policy's longest minimum (64); a longer one is no password anyone types
PHONE = re.compile(r"^[0-9+\-() ]{3,20}$")


class PasswordField(forms.CharField):
    """A password as typed: not trimmed, at most PASSWORD_MAX characters, no control characters."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.PasswordInput)
        super().__init__(strip=False, max_length=PASSWORD_MAX, **kwargs)
        self.error_messages.update(required="请输入密码", max_length="密码最多 %(limit_value)d 位")
        self.validators = [v for v in self.validators if type(v).__name__ != "ProhibitNullCharactersValidator"]

    def validate(self, value: str) -> None:
        super().validate(value)
        if CONTROL.search(value) or "\n" in value or "\r" in value or "\t" in value:
            raise ValidationError("密码不能含有控制字符", code="control")


class LoginForm(Form):
    username = TextField(label="用户名", max_length=150, error_messages={"required": "请输入用户名"})
    password = PasswordField(label="密码")
    captcha = CaptchaField(label="验证码", error_messages={"invalid": "验证码不正确", "required": "请输入验证码"})

    def __init__(self, request, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.user = None

    def clean(self):
        cleaned = super().clean()
        for name in ("username", "password"):  # the login page shows its errors above the form
            for error in self.errors.get(name, []):
                self.add_error(None, f"{self.fields[name].label}：{error}")
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


class LoginNext(QueryForm):
    """Where to go after signing in, from the login page's query string or its hidden field (the view checks it is
    a page of this system); a value that does not parse is no place to go, and never stops a login."""

    next = TextField(label="登录后前往", max_length=2000, required=False)


def _locked(lock: security.Lock) -> forms.ValidationError:
    minutes = max(1, int((lock.until - timezone.now()).total_seconds() // 60) + 1)
    return forms.ValidationError(
        f"该{lock.label}连续登录失败次数过多，已被锁定，请 {minutes} 分钟后再试，或联系安全管理员解锁。", code="locked"
    )


class ProfileForm(Form):
    """个人信息修改 (seed 001 §3): the user's own name, phone and e-mail."""

    name = TextField(label="姓名", max_length=150, error_messages={"required": "请填写姓名"})
    phone = TextField(label="联系电话", max_length=20, required=False, help_text="手机或座机，如 0351-1234567")
    email = TextField(
        label="电子邮箱", max_length=254, required=False, validators=[EmailValidator("请输入有效的电子邮箱地址")]
    )

    @staticmethod
    def initial_of(user) -> dict:
        return {"name": user.get_full_name(), "phone": user.phone, "email": user.email}

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        if phone and not (PHONE.match(phone) and sum(char.isdigit() for char in phone) >= 3):
            raise ValidationError("请输入有效的电话号码（数字，可含 + - 和括号）", code="phone")
        return phone


class PasswordChangeForm(Form, SetPasswordForm):
    """Old password, then the new one twice, checked against every password rule."""

    old_password = PasswordField(label="原密码")
    new_password1 = PasswordField(label="新密码")
    new_password2 = PasswordField(label="确认新密码")
    field_order = ["old_password", "new_password1", "new_password2"]

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].help_text = " ".join(password_validators_help_texts())
        self.fields["new_password1"].widget.attrs["autocomplete"] = "new-password"

    def clean_old_password(self):
        old = self.cleaned_data["old_password"]
        if not self.user.check_password(old):
            raise forms.ValidationError("原密码不正确。", code="password_incorrect")
        return old

    def save(self, commit=True):
        return services.change_password(self.user, self.cleaned_data["new_password1"])


class SecurityPolicyForm(Form):
    """Each number within its bound (policy.BOUNDS); the bound is said beside the field and in its error."""

    def __init__(self, *args, policy, **kwargs):
        kwargs.setdefault("initial", {name: getattr(policy, name) for name in BOUNDS})
        super().__init__(*args, **kwargs)
        for name, bound in BOUNDS.items():
            field = WholeNumberField(
                label=type(policy)._meta.get_field(name).verbose_name, min_value=bound.low, max_value=bound.high
            )
            field.widget.attrs.update(min=bound.low, max=bound.high)
            field.help_text = f"{bound.low}～{bound.high}：{bound.why}"
            field.error_messages.update(
                min_value=f"不得小于 {bound.low}（{bound.why}）", max_value=f"不得大于 {bound.high}（{bound.why}）"
            )
            self.fields[name] = field


class ApiTokenForm(Form):
    """A new API token: what it is for, and the user's password once more (counted toward the lockout)."""

    name = TextField(
        label="用途", max_length=100, help_text="如：市平台数据对接", error_messages={"required": "请填写令牌用途"}
    )
    password = PasswordField(label="登录密码")

    def __init__(self, request, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_password(self):
        password = self.cleaned_data["password"]
        user = self.request.user
        if authenticate(self.request, username=user.get_username(), password=password) is None:
            lock = security.lock_for(user.get_username(), client_ip(self.request))
            raise _locked(lock) if lock else forms.ValidationError("密码不正确")
        return password


def _business_role_choices() -> list[tuple[str, str]]:
    return [(role.value, role.label) for role in Role if role in services.BUSINESS_ROLES]


WAITING = "none"  # 待授权: an account with no role yet


class AccountQuery(QueryForm):
    """用户授权's filters: a username or name, a role (or none yet)."""

    username = TextField(label="用户名或姓名", max_length=150, required=False)
    role = forms.ChoiceField(label="角色", required=False)

    def prepare(self) -> None:
        self.fields["role"].choices = [("", "全部"), (WAITING, "待授权（无角色）"), *_business_role_choices()]

    def filter(self, rows):
        values = self.values
        if "username" in values:
            name = values["username"]
            rows = rows.filter(Q(username__contains=name) | Q(first_name__contains=name) | Q(last_name__contains=name))
        if values.get("role") == WAITING:
            rows = rows.filter(role="")
        elif "role" in values:
            rows = rows.filter(role=Role(values["role"]))
        return rows


class TokenQuery(QueryForm):
    """接口令牌's filters: its status; for the security administrator also the account."""

    USABLE, REVOKED, EXPIRED = "usable", "revoked", "expired"

    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), (USABLE, "有效"), (REVOKED, "已作废"), (EXPIRED, "已过期")]
    )
    username = TextField(label="账号", max_length=150, required=False)

    def __init__(self, *args, accounts: bool = False, **kwargs):
        self.accounts = accounts
        super().__init__(*args, **kwargs)

    def prepare(self) -> None:
        if not self.accounts:
            del self.fields["username"]

    def filter(self, rows):
        values = self.values
        match values.get("status"):
            case self.USABLE:
                rows = rows.usable()
            case self.REVOKED:
                rows = rows.filter(revoked_at__isnull=False)
            case self.EXPIRED:
                rows = rows.filter(revoked_at__isnull=True, expires_at__lte=timezone.now())
        if "username" in values:
            rows = rows.filter(user__username__contains=values["username"])
        return rows


class AuthorizationForm(Form):
    """用户授权: a business account's role, and the region or hospital it works for."""

    role = forms.ChoiceField(label="角色", required=False)
    region = forms.ModelChoiceField(label="所属行政区划", queryset=Region.objects.order_by("code"), required=False)
    hospital_code = TextField(label="所属医疗机构编码", max_length=30, required=False)

    def __init__(self, *args, account, **kwargs):
        hospital_code = account.hospital.code if account.hospital_id else ""
        initial = {"role": account.role, "region": account.region_id, "hospital_code": hospital_code}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["role"].choices = [("", "无（收回授权）"), *_business_role_choices()]

    def clean_role(self) -> Role | str:
        role = self.cleaned_data["role"]
        return Role(role) if role else ""

    def clean_hospital_code(self):
        code = self.cleaned_data["hospital_code"]
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


class UnlockForm(Form):
    field = forms.ChoiceField(label="类型", choices=[("username", "账号"), ("ip_address", "地址")])
    value = TextField(label="账号或地址", max_length=150)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("field") == "ip_address" and cleaned.get("value"):
            try:
                cleaned["value"] = str(ipaddress.ip_address(cleaned["value"]))
            except ValueError:
                self.add_error("value", "不是有效的IP地址")
        return cleaned
