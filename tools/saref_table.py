"""Build thingreg's compact table of SAREF core classes from the ETSI ontology.

The registry does not ship the ontology. It ships ``core/semantic/saref_classes.py``, a
generated module that holds only what discovery needs: each named class of SAREF core and the
closure of its ``rdfs:subClassOf`` superclasses. Run this script again when a new SAREF
version is adopted; ``tests/core/semantic/test_saref_table.py`` checks that the committed
module is what this script makes of ``../shared/spec``.

    python -m tools.saref_table ../shared/spec/saref-core-v3.1.1.ttl

rdflib is a development dependency only (the ``dev`` extra).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import rdflib
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS

NAMESPACE = "https://saref.etsi.org/core/"
TARGET = Path(__file__).resolve().parent.parent / "src/thingreg/core/semantic/saref_classes.py"


def superclasses(graph: rdflib.Graph) -> dict[str, tuple[str, ...]]:
    """Each named SAREF class (local name) and all its named SAREF superclasses, sorted."""
    direct: dict[str, set[str]] = {}
    for subject in graph.subjects(RDF.type, OWL.Class):
        if isinstance(subject, rdflib.URIRef) and str(subject).startswith(NAMESPACE):
            direct[str(subject).removeprefix(NAMESPACE)] = {
                str(parent).removeprefix(NAMESPACE)
                for parent in graph.objects(subject, RDFS.subClassOf)
                if isinstance(parent, rdflib.URIRef) and str(parent).startswith(NAMESPACE)
            }
    closure: dict[str, tuple[str, ...]] = {}
    for name, parents in direct.items():
        seen: set[str] = set()
        todo = list(parents)
        while todo:
            parent = todo.pop()
            if parent not in seen and parent != name:
                seen.add(parent)
                todo.extend(direct.get(parent, ()))
        closure[name] = tuple(sorted(seen))
    return dict(sorted(closure.items()))


def render(graph: rdflib.Graph) -> str:
    """The text of the generated module."""
    ontology = rdflib.URIRef(NAMESPACE)
    version = str(graph.value(ontology, OWL.versionInfo))
    licence = str(graph.value(ontology, DCTERMS.license))
    table = superclasses(graph)
    lines = [
        f'"""SAREF core {version} classes and their superclasses (generated: do not edit).',
        "",
        f"Derived from ETSI SAREF, the Smart Applications REFerence ontology, version {version}",
        f"(namespace {NAMESPACE}), (c) ETSI, under the ETSI software licence (BSD-3-Clause):",
        f"{licence}.",
        "Only the class names and the closure of rdfs:subClassOf are kept; regenerate with",
        "``python -m tools.saref_table <saref-core.ttl>``.",
        '"""',
        "",
        f'VERSION = "{version}"',
        "",
        "SUPERCLASSES: dict[str, tuple[str, ...]] = {",
    ]
    for name, parents in table.items():
        inner = ", ".join(f'"{parent}"' for parent in parents) + ("," if len(parents) == 1 else "")
        lines.append(f'    "{name}": ({inner}),')
    lines.append("}")
    lines.append('"""Every named class of SAREF core, by local name: all of its superclasses."""')
    return "\n".join(lines) + "\n"


def generate(ttl: Path) -> str:
    graph = rdflib.Graph()
    graph.parse(ttl, format="turtle")
    return render(graph)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ttl", type=Path, help="the SAREF core ontology (Turtle)")
    parser.add_argument("--out", type=Path, default=TARGET, help="the module to write")
    args = parser.parse_args(argv)
    args.out.write_text(generate(args.ttl), "utf-8")
    sys.stderr.write(f"wrote {args.out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
