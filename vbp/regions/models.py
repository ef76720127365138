"""Administrative regions (行政区划, GB/T 2260) and pooling regions (统筹区)."""

from django.db import models


class Region(models.Model):
    """A province, city or district, with its GB/T 2260 code; a tree through ``parent``."""

    class Level(models.TextChoices):
        PROVINCE = "province", "省"
        CITY = "city", "地市"
        DISTRICT = "district", "区县"

    code = models.CharField("行政区划代码", max_length=6, unique=True)
    name = models.CharField("名称", max_length=50)
    level = models.CharField("级别", max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "行政区划"

    def __str__(self) -> str:
        return self.name


class Pool(models.Model):
    """A pooling region (统筹区): who pays. A city's pool, or the province-level pool 省直."""

    code = models.CharField("统筹区编码", max_length=6, unique=True)
    name = models.CharField("名称", max_length=50, unique=True)
    region = models.ForeignKey(Region, verbose_name="行政区划", on_delete=models.PROTECT, related_name="pools")
    province_level = models.BooleanField("省级统筹区（省直）", default=False)

    class Meta:
        ordering = ["-province_level", "code"]
        verbose_name = verbose_name_plural = "统筹区"

    def __str__(self) -> str:
        return self.name
