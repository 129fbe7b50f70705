"""The shipped SAREF class table is what the generator makes of the ETSI ontology."""

from __future__ import annotations

from pathlib import Path

import pytest

from thingreg.core.semantic import saref_classes
from tools.saref_table import generate

ROOT = Path(__file__).resolve().parents[3]
# ../shared next to the checkout (or next to the folder of worktrees holding it).
CANDIDATES = [up / "shared/spec/saref-core-v3.1.1.ttl" for up in (ROOT.parent, ROOT.parent.parent)]
ONTOLOGY = next((path for path in CANDIDATES if path.is_file()), CANDIDATES[0])


def test_generated_module_is_up_to_date() -> None:
    if not ONTOLOGY.is_file():
        pytest.skip(f"the SAREF ontology is not at {ONTOLOGY}")
    shipped = Path(saref_classes.__file__).read_text("utf-8")
    assert generate(ONTOLOGY) == shipped, "run: python -m tools.saref_table " + str(ONTOLOGY)


def test_table_facts() -> None:
    table = saref_classes.SUPERCLASSES
    assert saref_classes.VERSION == "3.1.1"
    assert table["TemperatureSensor"] == ("Device", "Sensor")
    assert table["LightSwitch"] == ("Actuator", "Device", "Switch")
    assert table["Temperature"] == ("Property",)
    assert table["OnState"] == ("OnOffState", "State")
    assert table["LevelControlFunction"] == ("ActuatingFunction", "Function")
    assert table["SwitchOnService"] == ("Service",)
    assert table["TemperatureUnit"] == ("UnitOfMeasure",)
    assert table["Device"] == ()
    # Every superclass is itself a class of the table (the closure is complete).
    assert all(set(parents) <= table.keys() for parents in table.values())
