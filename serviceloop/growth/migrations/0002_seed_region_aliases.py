"""Region aliases for the real city's sheet names (十堰: 城区, 丹江, 房县, 郧阳, 郧西, 竹山, 竹溪) and the
sheet's words for coded fields. Prefix matching already finds most districts; the rows make the
mapping visible and editable, and they are ignored where the archive has no such value."""

from django.db import migrations

DISTRICTS = {
    "城区": "城区烟草专卖局(营销部)",
    "丹江": "丹江口市烟草专卖局(营销部)",
    "丹江口": "丹江口市烟草专卖局(营销部)",
    "房县": "房县烟草专卖局(营销部)",
    "郧阳": "郧阳区烟草专卖局(营销部)",
    "郧西": "郧西县烟草专卖局(营销部)",
    "竹山": "竹山县烟草专卖局(营销部)",
    "竹溪": "竹溪县烟草专卖局(营销部)",
}
CODED = [
    ("market_type", "城网", "C"),
    ("market_type", "农网", "X"),
    ("retail_format", "商场", "N"),
    ("retail_format", "超市", "S"),
    ("retail_format", "烟草专业店", "Y"),
    ("retail_format", "娱乐服务类", "F"),
    ("retail_format", "其他", "Q"),
]


def seed(apps, schema_editor):
    RegionAlias = apps.get_model("growth", "RegionAlias")
    rows = [("district", k, v) for k, v in DISTRICTS.items()] + CODED
    for kind, name, value in rows:
        RegionAlias.objects.get_or_create(kind=kind, sheet_name=name, archive_value=value)


class Migration(migrations.Migration):
    dependencies = [("growth", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
