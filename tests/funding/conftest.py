import funding_steps as steps
import pytest

from vbp.catalog.models import Batch


@pytest.fixture
def batch():
    return Batch.objects.get(name=steps.BATCH)


@pytest.fixture
def hospital():
    """demo_hospital's hospital: 太原市小店区人民医院, in 太原市's pool."""
    return steps.user("demo_hospital").hospital
