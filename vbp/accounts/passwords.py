"""Password rules (等保 2.0): length, three of four character classes, not the username, not a recent password,
not a known weak password.

Each rule reads the security administrator's settings, so changing them takes effect at once.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError

CLASSES = (
    ("大写字母", str.isupper),
    ("小写字母", str.islower),
    ("数字", str.isdigit),
    ("符号", lambda c: not c.isalnum()),
)


def _policy():
    from vbp.accounts.models import SecurityPolicy

    return SecurityPolicy.current()


class LengthValidator:
    def validate(self, password: str, user=None) -> None:
        minimum = _policy().password_min_length
        if len(password) < minimum:
            raise ValidationError(f"密码至少 {minimum} 位。", code="password_too_short")

    def get_help_text(self) -> str:
        return f"密码至少 {_policy().password_min_length} 位。"


class ClassesValidator:
    def validate(self, password: str, user=None) -> None:
        used = sum(any(test(c) for c in password) for _, test in CLASSES)
        if used < 3:
            raise ValidationError("密码须包含大写字母、小写字母、数字、符号中的至少三类。", code="password_too_simple")

    def get_help_text(self) -> str:
        return "须包含大写字母、小写字母、数字、符号中的至少三类。"


class NotUsernameValidator:
    def validate(self, password: str, user=None) -> None:
        username = getattr(user, "username", "") or ""
        if username and username.lower() in password.lower():
            raise ValidationError("密码不能包含用户名。", code="password_contains_username")

    def get_help_text(self) -> str:
        return "不能包含用户名。"


class HistoryValidator:
    def validate(self, password: str, user=None) -> None:
        if user is None or user.pk is None:
            return
        count = _policy().password_history
        recent = [user.password, *user.password_history.values_list("password", flat=True)[:count]][:count]
        if any(encoded and check_password(password, encoded) for encoded in recent):
            raise ValidationError(f"新密码不能与最近 {count} 次使用过的密码相同。", code="password_reused")

    def get_help_text(self) -> str:
        return f"不能与最近 {_policy().password_history} 次使用过的密码相同。"


LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s", "5": "s", "7": "t"})
ENDS = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@functools.cache
def _weak_passwords() -> frozenset[str]:
    extra = Path(__file__).with_name("weak_passwords.txt").read_text(encoding="utf-8").splitlines()
    ours = {line.strip() for line in extra if line.strip() and not line.startswith("#")}
    return frozenset(CommonPasswordValidator().passwords) | ours


def _cores(password: str) -> set[str]:
    """What a weak password is made of: the word left once digits and symbols at its ends go, leet undone or not."""
    lowered = password.lower()
    stripped = ENDS.sub("", lowered)
    return {lowered, stripped, ENDS.sub("", lowered.translate(LEET)), stripped.translate(LEET)}


class WeakPasswordValidator:
    """Refuse passwords on a known weak list (Django's 20,000 and ours), and such a word dressed up: Password123!."""

    def validate(self, password: str, user=None) -> None:
        weak = _weak_passwords()
        if any(len(core) >= 4 and core in weak for core in _cores(password)):
            raise ValidationError(
                "该密码过于常见或由常见弱口令变形而来，容易被猜中，请换一个。", code="password_too_common"
            )

    def get_help_text(self) -> str:
        return "不能是常见弱口令或其简单变形（如 Password123!、Admin@123）。"
