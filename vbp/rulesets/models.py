"""Rule sets (考核方案) stored as versions: a version is never edited, a change makes a new one."""

from django.db import models


class RuleSetVersion(models.Model):
    code = models.CharField("方案编码", max_length=50)
    version = models.PositiveIntegerField("版本")
    name = models.CharField("名称", max_length=100)
    definition = models.JSONField("定义")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="unique_rule_set_version")]
        verbose_name = verbose_name_plural = "考核方案版本"

    def __str__(self) -> str:
        return f"{self.name}（{self.code} v{self.version}）"
