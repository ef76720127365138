"""Load the deterministic demo province into an empty database.

``load_demo()`` writes, in one transaction, 山西省 with its cities and some
districts, the 12 pools (11 cities + 省直), about 120 hospitals, five batches
with their products, the rule-set presets as version 1, a year of platform
data that lands in every band of every Shanxi rule, and one demo account per
role. The same seed always gives the same rows: every choice comes from one
``random.Random(seed)`` drawn in a fixed order, with integer arithmetic only,
and money is Decimal to the fen.

``scale="bench"`` writes 2,500 hospitals × 400 products (1,000,000 platform
records), made and inserted lazily in chunks so memory stays bounded.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import islice

from django.contrib.auth.hashers import make_password
from django.db import transaction

from vbp.accounts.models import Role, User
from vbp.catalog.models import Batch, Hospital, Product
from vbp.demo.province import (
    BATCHES,
    CITIES,
    DATA_YEAR,
    DEMO_ACCOUNTS,
    DEMO_HOSPITALS,
    DEMO_PASSWORD,
    MORE_COMPANIES,
    PROVINCE,
    PROVINCE_POOL,
    BatchSeed,
    HospitalSeed,
    ProductSeed,
    local_name,
)
from vbp.platformdata.models import PlatformRecord
from vbp.presets import PRESETS, load_preset
from vbp.regions.models import Pool, Region
from vbp.rulesets.models import RuleSetVersion
from vbp.rulesets.services import save_rule_set

DEFAULT_SEED = 2024
BATCH_RULE_SET = "shanxi"
CHUNK_ROWS = 10_000  # platform records made and inserted at a time
INSERT_BATCH = 2_000  # rows per INSERT (SQLite lowers it to fit its variable limit)
CENT = Decimal("0.01")
PRICE_UNIT = Decimal("0.0001")
ZERO_MONEY = Decimal("0.00")


class DemoDataError(Exception):
    """The demo data cannot be loaded (unknown scale, or the database is not empty)."""


@dataclass(frozen=True)
class Scale:
    hospitals: int  # hospitals in all (the fixed demo hospitals first)
    products_per_batch: int | None  # None: the batch's own products only
    every_product: bool  # every hospital has a record of every product, or a realistic subset
    code_digits: int  # digits of a hospital's number within its city in its code


SCALES = {
    "demo": Scale(hospitals=len(DEMO_HOSPITALS), products_per_batch=None, every_product=False, code_digits=2),
    "bench": Scale(hospitals=2_500, products_per_batch=80, every_product=True, code_digits=4),
}


@dataclass(frozen=True)
class DemoSummary:
    scale: str
    seed: int
    regions: int
    cities: int
    districts: int
    pools: int
    hospitals: int
    province_direct: int
    rule_sets: int
    batches: int
    products: int
    platform_records: int
    users: int


def existing_data() -> list[str]:
    """The kinds of data already in the database that the demo would write (empty list: go ahead)."""
    checks = (
        ("行政区划", Region.objects),
        ("统筹区", Pool.objects),
        ("医疗机构", Hospital.objects),
        ("带量批次", Batch.objects),
        ("品种", Product.objects),
        ("平台数据", PlatformRecord.objects),
        ("演示账号", User.objects.filter(username__in=[account.username for account in DEMO_ACCOUNTS])),
    )
    return [label for label, queryset in checks if queryset.exists()]


def load_demo(
    scale: str = "demo", seed: int = DEFAULT_SEED, progress: Callable[[int], None] | None = None
) -> DemoSummary:
    """Write the demo province into an empty database, all or nothing; ``progress`` hears the records written."""
    if scale not in SCALES:
        raise DemoDataError(f"没有名为 {scale} 的演示数据规模（可选：{'、'.join(SCALES)}）")
    size = SCALES[scale]
    rng = random.Random(seed)  # noqa: S311 -- reproducible demo data, nothing secret
    with transaction.atomic():
        if found := existing_data():
            raise DemoDataError(f"数据库中已有{'、'.join(found)}，演示数据只能载入空数据库。")
        province, cities, districts = _create_regions()
        pools = _create_pools(province, cities)
        hospitals = _create_hospitals(rng, size, cities, districts, pools)
        rule_sets = _create_rule_sets()
        products = _create_batches(size, rule_sets[BATCH_RULE_SET])
        records = _create_platform_records(rng, size, hospitals, products, progress)
        users = _create_users(province, cities, districts, hospitals)
    return DemoSummary(
        scale=scale,
        seed=seed,
        regions=1 + len(cities) + len(districts),
        cities=len(cities),
        districts=len(districts),
        pools=len(pools),
        hospitals=len(hospitals),
        province_direct=sum(hospital.province_direct for hospital in hospitals),
        rule_sets=len(rule_sets),
        batches=len(BATCHES),
        products=len(products),
        platform_records=records,
        users=users,
    )


def _create_regions() -> tuple[Region, dict[str, Region], dict[str, Region]]:
    province = Region.objects.create(code=PROVINCE.code, name=PROVINCE.name, level=Region.Level.PROVINCE)
    cities = Region.objects.bulk_create(
        Region(code=city.code, name=city.name, level=Region.Level.CITY, parent=province) for city in CITIES
    )
    by_code = {region.code: region for region in cities}
    districts = Region.objects.bulk_create(
        Region(code=place.code, name=place.name, level=Region.Level.DISTRICT, parent=by_code[city.code])
        for city in CITIES
        for place in city.districts
    )
    return province, by_code, {region.code: region for region in districts}


def _create_pools(province: Region, cities: dict[str, Region]) -> dict[str, Pool]:
    """One pool per city (code and name of the city) and the province-level pool 省直."""
    pools = [Pool(code=PROVINCE_POOL.code, name=PROVINCE_POOL.name, region=province, province_level=True)]
    pools += [Pool(code=city.code, name=city.name, region=city) for city in cities.values()]
    return {pool.code: pool for pool in Pool.objects.bulk_create(pools)}


def _create_hospitals(
    rng: random.Random, size: Scale, cities: dict[str, Region], districts: dict[str, Region], pools: dict[str, Pool]
) -> list[Hospital]:
    numbers: dict[str, int] = {}
    hospitals = []
    for seed in (*DEMO_HOSPITALS, *_more_hospitals(rng, size.hospitals - len(DEMO_HOSPITALS))):
        prefix = PROVINCE.code if seed.province_direct else seed.city
        numbers[prefix] = numbers.get(prefix, 0) + 1
        hospitals.append(
            Hospital(
                code=f"H{prefix}{numbers[prefix]:0{size.code_digits}d}",
                name=seed.name,
                city=cities[seed.city],
                district=districts[seed.district],
                level=seed.level,
                home_pool=pools[PROVINCE_POOL.code if seed.province_direct else seed.city],
                province_direct=seed.province_direct,
            )
        )
    return Hospital.objects.bulk_create(hospitals, batch_size=INSERT_BATCH)


SMALL_HOSPITAL_LEVELS = (Hospital.Level.GRADE_2A, Hospital.Level.GRADE_2B, Hospital.Level.GRADE_1)
SMALL_HOSPITAL_WEIGHTS = (1, 2, 7)


def _more_hospitals(rng: random.Random, count: int) -> Iterator[HospitalSeed]:
    """Community centres and township health centres for the bench scale, spread over every city and district."""
    numbers: dict[str, int] = {}
    for index in range(count):
        city = CITIES[index % len(CITIES)]
        place = city.districts[(index // len(CITIES)) % len(city.districts)]
        numbers[place.code] = numbers.get(place.code, 0) + 1
        number = _chinese_number(numbers[place.code])
        if place.name.endswith("区"):
            name = f"{local_name(city, place)}第{number}社区卫生服务中心"
        else:
            name = f"{place.name}第{number}乡镇卫生院"
        level = SMALL_HOSPITAL_LEVELS[_pick(rng, SMALL_HOSPITAL_WEIGHTS)]
        yield HospitalSeed(name, level, city.code, place.code)


CHINESE_DIGITS = "零一二三四五六七八九"


def _chinese_number(number: int) -> str:
    """1 → 一, 12 → 十二, 40 → 四十, 99 → 九十九 (1–99)."""
    tens, units = divmod(number, 10)
    if tens == 0:
        return CHINESE_DIGITS[units]
    return (CHINESE_DIGITS[tens] if tens > 1 else "") + "十" + (CHINESE_DIGITS[units] if units else "")


def _create_rule_sets() -> dict[str, RuleSetVersion]:
    """Every preset stored as a rule-set version (version 1 in an empty database), through the rule-set service."""
    return {name: save_rule_set(load_preset(name).source) for name in PRESETS}


def _create_batches(size: Scale, rule_set: RuleSetVersion) -> list[Product]:
    products = []
    for index, seed in enumerate(BATCHES):
        batch = Batch.objects.create(
            code=seed.code,
            name=seed.name,
            kind=seed.kind,
            category=seed.category,
            renewal=seed.renewal,
            cycle_start=seed.cycle_start,
            cycle_end=seed.cycle_end,
            agreed_ratio=seed.agreed_ratio,
            fill_deadline=seed.fill_deadline,
            rule_set=rule_set,
        )
        products += [
            Product(
                batch=batch,
                variety_code=product.variety_code,
                generic_name=product.generic_name,
                dosage_form=product.dosage_form,
                spec=product.spec,
                company=product.company,
                bid_price=product.bid_price,
                weighted_avg_price=product.weighted_avg_price,
            )
            for product in _batch_products(seed, index, size)
        ]
    return Product.objects.bulk_create(products, batch_size=INSERT_BATCH)


def _batch_products(batch: BatchSeed, batch_index: int, size: Scale) -> list[ProductSeed]:
    """The batch's products; at the bench scale, more winners of the same generic names up to the count asked."""
    products = list(batch.products)
    prefix = products[0].variety_code.rsplit("_", 1)[0]
    for extra in range((size.products_per_batch or 0) - len(products)):
        base = batch.products[extra % len(batch.products)]
        bid = (base.bid_price * (900 + (extra * 37) % 300) / 1000).quantize(PRICE_UNIT, ROUND_HALF_UP)
        company = MORE_COMPANIES[(extra + batch_index) % len(MORE_COMPANIES)]
        products.append(
            ProductSeed(
                f"{prefix}_{len(products) + 1}",
                base.generic_name,
                base.dosage_form,
                base.spec,
                company,
                bid,
                base.weighted_avg_price,
                base.annual_volume,
            )
        )
    return products


# What a hospital of each level (Hospital.Level value) buys, in ‰ of a 三级甲等 hospital.
LEVEL_PERMILLE = {"3A": 1000, "3B": 700, "3": 600, "2A": 350, "2B": 250, "2": 200, "1": 60, "0": 40}
THIRD_GRADE = {"3A", "3B", "3"}
SECOND_GRADE = {"2A", "2B", "2"}
MIN_DEMAND = 10


@dataclass(frozen=True)
class Profile:
    """How well a hospital does its VBP tasks: the chances of each outcome, in percent or as weights."""

    veto_percent: int  # agreed volume not finished (一票否决)
    payment_weights: tuple[int, int, int, int, int]  # 30-day rate =100%, [80,100), [60,80), [40,60), <40%
    share_weights: tuple[int, int, int, int]  # winning share ≥k, [k−10,k), [k−20,k−10), below
    offline_percent: int  # some goods bought off the platform
    overspend_percent: int  # heavy use of non-selected products: spending above the budget


PROFILES = (
    Profile(1, (60, 28, 8, 3, 1), (85, 10, 4, 1), 1, 2),  # diligent
    Profile(4, (30, 35, 20, 10, 5), (60, 20, 12, 8), 4, 5),  # average
    Profile(25, (10, 20, 25, 25, 20), (30, 25, 20, 25), 12, 12),  # lagging
)
PROFILE_WEIGHTS = (55, 33, 12)
NO_DEMAND_PERCENT = 2  # no reported demand; half of these still bought non-selected products (a monitoring flag)
OVERPAID_PERCENT = 5  # of the rows paid in full: paid more than came in (old debts), counted as 100%
PAYMENT_PERMILLE = ((1000, 1000), (801, 999), (601, 799), (401, 599), (0, 399))


@dataclass(frozen=True)
class _ProductFacts:
    """What a product's rows need, looked up once."""

    id: int
    consumable: bool
    agreed_ratio: int  # percent
    bid_price: Decimal
    weighted_avg_price: Decimal
    annual_volume: int


def _create_platform_records(
    rng: random.Random,
    size: Scale,
    hospitals: list[Hospital],
    products: list[Product],
    progress: Callable[[int], None] | None,
) -> int:
    volumes = {
        (seed.code, product.variety_code): product.annual_volume
        for index, seed in enumerate(BATCHES)
        for product in _batch_products(seed, index, size)
    }
    facts = [
        _ProductFacts(
            id=product.pk,
            consumable=product.batch.category == Batch.Category.CONSUMABLE,
            agreed_ratio=int(product.batch.agreed_ratio),
            bid_price=product.bid_price,
            weighted_avg_price=product.weighted_avg_price,
            annual_volume=volumes[product.batch.code, product.variety_code],
        )
        for product in products
    ]
    rows = _platform_rows(rng, size, hospitals, facts)
    written = 0
    while chunk := list(islice(rows, CHUNK_ROWS)):
        PlatformRecord.objects.bulk_create(chunk, batch_size=INSERT_BATCH)
        written += len(chunk)
        if progress:
            progress(written)
    return written


def _platform_rows(
    rng: random.Random, size: Scale, hospitals: Iterable[Hospital], products: list[_ProductFacts]
) -> Iterator[PlatformRecord]:
    for hospital in hospitals:
        profile = PROFILES[_pick(rng, PROFILE_WEIGHTS)]
        permille = LEVEL_PERMILLE[hospital.level]
        for product in products:
            if size.every_product or _buys(rng, hospital.level, product):
                yield _record(rng, hospital.pk, product, permille, profile)


def _buys(rng: random.Random, level: str, product: _ProductFacts) -> bool:
    """Whether a hospital has this product at all: stents only in 三级 hospitals, fewer drugs in small ones."""
    if level in THIRD_GRADE:
        return rng.randrange(100) < 95
    if product.consumable:
        return False
    return rng.randrange(100) < (88 if level in SECOND_GRADE else 60)


def _record(
    rng: random.Random, hospital_id: int, product: _ProductFacts, permille: int, profile: Profile
) -> PlatformRecord:
    """One hospital × product year of platform data, in the bands the hospital's profile makes likely."""
    if rng.randrange(100) < NO_DEMAND_PERCENT:
        return _no_demand_record(rng, hospital_id, product, permille)
    ratio = product.agreed_ratio
    demand = max(MIN_DEMAND, product.annual_volume * permille * rng.randint(50, 150) // 100_000)
    agreed = max(1, demand * ratio // 100)
    if rng.randrange(100) < profile.veto_percent:
        winning = agreed * rng.randint(55, 99) // 100  # below the agreed volume: vetoed
    else:
        winning = agreed * rng.randint(100, 130) // 100
    if rng.randrange(100) < profile.overspend_percent:
        nonselected = demand * rng.randint(110, 160) // 100
        price_permille = rng.randint(1000, 1300)
    else:
        share = _share_percent(rng, _pick(rng, profile.share_weights), ratio)
        nonselected = -(-winning * 100 // share) - winning  # winning ÷ (winning + nonselected) ≈ share
        price_permille = rng.randint(800, 1300)
    nonselected_amount = _money(product.weighted_avg_price * nonselected * price_permille / 1000)
    purchase_in = _money(product.bid_price * winning)
    paid = _money(purchase_in * _payment_permille(rng, _pick(rng, profile.payment_weights)) / 1000)
    offline = ZERO_MONEY
    if rng.randrange(100) < profile.offline_percent:
        offline = max(CENT, _money((purchase_in + nonselected_amount) * rng.randint(5, 150) / 1000))
    return PlatformRecord(
        hospital_id=hospital_id,
        product_id=product.id,
        year=DATA_YEAR,
        agreed_volume=agreed,
        base_volume=demand,
        winning_volume=winning,
        generic_volume=winning + nonselected,
        nonselected_volume=nonselected,
        nonselected_amount=nonselected_amount,
        offline_amount=offline,
        drug_purchase_amount=purchase_in + nonselected_amount + offline,
        purchase_in_amount=purchase_in,
        paid_30d_amount=paid,
    )


def _no_demand_record(rng: random.Random, hospital_id: int, product: _ProductFacts, permille: int) -> PlatformRecord:
    """No reported demand and nothing of the winning product; half the time non-selected products were bought."""
    nonselected = 0
    if rng.randrange(2):
        nonselected = max(1, product.annual_volume * permille * rng.randint(5, 30) // 100_000)
    amount = _money(product.weighted_avg_price * nonselected)
    return PlatformRecord(
        hospital_id=hospital_id,
        product_id=product.id,
        year=DATA_YEAR,
        agreed_volume=0,
        base_volume=0,
        winning_volume=0,
        generic_volume=nonselected,
        nonselected_volume=nonselected,
        nonselected_amount=amount,
        offline_amount=ZERO_MONEY,
        drug_purchase_amount=amount,
        purchase_in_amount=ZERO_MONEY,
        paid_30d_amount=ZERO_MONEY,
    )


def _share_percent(rng: random.Random, band: int, ratio: int) -> int:
    """A winning-product share (percent) aimed inside one band around the agreed ratio k."""
    bounds = (
        (ratio + 1, min(100, ratio + 20)),
        (ratio - 9, ratio - 1),
        (ratio - 19, ratio - 11),
        (max(5, ratio - 45), ratio - 21),
    )
    low, high = bounds[band]
    return rng.randint(low, high)


def _payment_permille(rng: random.Random, band: int) -> int:
    low, high = PAYMENT_PERMILLE[band]
    if band == 0 and rng.randrange(100) < OVERPAID_PERCENT:
        return rng.randint(1001, 1100)
    return rng.randint(low, high)


def _pick(rng: random.Random, weights: tuple[int, ...]) -> int:
    """The index of a choice drawn by integer weights (no floats, so the same seed gives the same data anywhere)."""
    draw = rng.randrange(sum(weights))
    for index, weight in enumerate(weights):
        if draw < weight:
            return index
        draw -= weight
    raise AssertionError("unreachable")


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def _create_users(
    province: Region, cities: dict[str, Region], districts: dict[str, Region], hospitals: list[Hospital]
) -> int:
    """One account per role; they share one password hash (a published password), which also keeps loading fast."""
    regions = {province.code: province, **cities, **districts}
    by_name = {hospital.name: hospital for hospital in hospitals[: len(DEMO_HOSPITALS)]}
    password = make_password(DEMO_PASSWORD)
    users = [
        User(
            username=account.username,
            first_name=account.display_name,
            role=account.role,
            region=regions[account.region] if account.region else None,
            hospital=by_name[account.hospital] if account.hospital else None,
            password=password,
            must_change_password=False,
            is_staff=account.role == Role.SYSTEM_ADMIN,
            is_superuser=account.role == Role.SYSTEM_ADMIN,
        )
        for account in DEMO_ACCOUNTS
    ]
    return len(User.objects.bulk_create(users))
