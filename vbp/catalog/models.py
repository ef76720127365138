"""Hospitals (医疗机构), batches (带量批次) and their products (品种)."""

from django.db import models

from vbp.accounts.scope import CATALOGUE, ScopedQuerySet

MONEY = {"max_digits": 18, "decimal_places": 2}
PRICE = {"max_digits": 18, "decimal_places": 4}


class Hospital(models.Model):
    class Level(models.TextChoices):
        GRADE_3A = "3A", "三级甲等"
        GRADE_3B = "3B", "三级乙等"
        GRADE_3 = "3", "三级"
        GRADE_2A = "2A", "二级甲等"
        GRADE_2B = "2B", "二级乙等"
        GRADE_2 = "2", "二级"
        GRADE_1 = "1", "一级"
        UNRATED = "0", "未定级"

    code = models.CharField("医疗机构编码", max_length=30, unique=True)
    name = models.CharField("医疗机构名称", max_length=100)
    city = models.ForeignKey(
        "regions.Region", verbose_name="地市", on_delete=models.PROTECT, related_name="city_hospitals"
    )
    district = models.ForeignKey(
        "regions.Region",
        verbose_name="区县",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="district_hospitals",
    )
    level = models.CharField("医院等级", max_length=2, choices=Level.choices, default=Level.UNRATED)
    home_pool = models.ForeignKey("regions.Pool", verbose_name="所属统筹区", on_delete=models.PROTECT)
    province_direct = models.BooleanField("省直属", default=False)

    scope_path = ""  # a hospital is itself the scope
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "医疗机构"

    def __str__(self) -> str:
        return self.name


class Batch(models.Model):
    class Kind(models.TextChoices):
        NATIONAL = "national", "国家"
        PROVINCIAL = "provincial", "省级"
        ALLIANCE = "alliance", "省际联盟"

    class Category(models.TextChoices):
        DRUG = "drug", "药品"
        CONSUMABLE = "consumable", "耗材"

    code = models.CharField("批次编码", max_length=30, unique=True)
    name = models.CharField("带量批次", max_length=100, unique=True)
    kind = models.CharField("批次类型", max_length=12, choices=Kind.choices)
    category = models.CharField("类别", max_length=12, choices=Category.choices, default=Category.DRUG)
    renewal = models.BooleanField("接续批次", default=False)
    cycle_start = models.DateField("采购周期开始")
    cycle_end = models.DateField("采购周期结束")
    agreed_ratio = models.DecimalField("约定采购比例（%）", max_digits=5, decimal_places=2)
    fill_deadline = models.DateTimeField("填报截止时间", null=True, blank=True)
    rule_set = models.ForeignKey(
        "rulesets.RuleSetVersion", verbose_name="考核方案", null=True, blank=True, on_delete=models.PROTECT
    )

    scope_path = CATALOGUE  # the province's catalogue: every business user reads it
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["cycle_start", "code"]
        verbose_name = verbose_name_plural = "带量批次"

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    batch = models.ForeignKey(Batch, verbose_name="带量批次", on_delete=models.PROTECT, related_name="products")
    variety_code = models.CharField("品种序号", max_length=30)
    generic_name = models.CharField("通用名", max_length=100)
    dosage_form = models.CharField("剂型", max_length=50, blank=True)
    spec = models.CharField("规格", max_length=100, blank=True)
    company = models.CharField("中选企业", max_length=100, blank=True)
    bid_price = models.DecimalField("中选价格", **PRICE)
    weighted_avg_price = models.DecimalField("同通用名加权平均价", **PRICE)

    scope_path = CATALOGUE
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["batch", "variety_code"]
        constraints = [models.UniqueConstraint(fields=["batch", "variety_code"], name="unique_product_in_batch")]
        verbose_name = verbose_name_plural = "品种"

    def __str__(self) -> str:
        return f"{self.generic_name} {self.spec}".strip()
