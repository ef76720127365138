"""What the API shows of each object: English field names from the glossary, decimals as exact strings.

A reference to another object is its code (the same code the list filters take), with its name beside it
where a reader needs one. Every field is read-only: the API only reads.
"""

from rest_framework import serializers

from vbp.catalog.models import Batch, Hospital, Product
from vbp.platformdata.models import PlatformRecord


def _reference(source: str, label: str, **options) -> serializers.CharField:
    return serializers.CharField(source=source, label=label, read_only=True, **options)


def _optional_reference(source: str, label: str) -> serializers.CharField:
    return _reference(source, label, allow_null=True, default=None)


class HospitalSerializer(serializers.ModelSerializer):
    city = _reference("city.code", "地市行政区划代码")
    city_name = _reference("city.name", "地市")
    district = _optional_reference("district.code", "区县行政区划代码")
    district_name = _optional_reference("district.name", "区县")
    level_label = _reference("get_level_display", "医院等级名称")
    pool = _reference("home_pool.code", "所属统筹区编码")
    pool_name = _reference("home_pool.name", "所属统筹区")

    class Meta:
        model = Hospital
        fields = [
            "id",
            "code",
            "name",
            "city",
            "city_name",
            "district",
            "district_name",
            "level",
            "level_label",
            "pool",
            "pool_name",
            "province_direct",
        ]
        read_only_fields = fields


class BatchSerializer(serializers.ModelSerializer):
    rule_set = _optional_reference("rule_set.code", "考核方案编码")
    rule_set_version = serializers.IntegerField(
        source="rule_set.version", label="考核方案版本", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Batch
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "category",
            "renewal",
            "cycle_start",
            "cycle_end",
            "agreed_ratio",
            "fill_deadline",
            "rule_set",
            "rule_set_version",
        ]
        read_only_fields = fields


class ProductSerializer(serializers.ModelSerializer):
    batch = _reference("batch.code", "批次编码")

    class Meta:
        model = Product
        fields = [
            "id",
            "batch",
            "variety_code",
            "generic_name",
            "dosage_form",
            "spec",
            "company",
            "bid_price",
            "weighted_avg_price",
        ]
        read_only_fields = fields


class PlatformRecordSerializer(serializers.ModelSerializer):
    hospital = _reference("hospital.code", "医疗机构编码")
    hospital_name = _reference("hospital.name", "医疗机构名称")
    product = serializers.PrimaryKeyRelatedField(label="品种 id（/api/products/<id>/）", read_only=True)
    batch = _reference("product.batch.code", "批次编码")
    variety_code = _reference("product.variety_code", "品种序号")
    generic_name = _reference("product.generic_name", "通用名")

    class Meta:
        model = PlatformRecord
        fields = [
            "id",
            "year",
            "hospital",
            "hospital_name",
            "product",
            "batch",
            "variety_code",
            "generic_name",
            "agreed_volume",
            "base_volume",
            "winning_volume",
            "generic_volume",
            "nonselected_volume",
            "nonselected_amount",
            "offline_amount",
            "drug_purchase_amount",
            "purchase_in_amount",
            "paid_30d_amount",
        ]
        read_only_fields = fields
