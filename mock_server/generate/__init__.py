"""This module contains the schema-driven value generator: Generator(model, seed, reference_date).

Values come from each field's schema (type, format, enum, pattern, bounds, nullability) and its generation hints
(`x-faker`, `x-mock-values`, `x-mock-weights`, `x-mock-format`, `x-key-pattern`; see docs/spec-extensions.md).

    generator.py   Generator: records and field values, the record clock, Faker picks
    compiler.py    Compiler: a resource's schemas -> makers (hints first, then by type); problems collected
    namespace.py   Namespace: the names compiled expressions read, and writing expressions over them
    providers.py   x-faker hints: cheap providers imitated inline, otherwise a pool pick or a seeded stream
    sequences.py   counters for unique integers and numbered codes
    pools.py       FakerPools: per-seed pools of provider values and seeded streams
    pattern.py     compile_pattern: the regular-expression subset -> string makers
    examples.py    model_joins, harvest_examples: includes joins and response-example values
    schema.py      readings of a schema: allOf, the non-null branch, type, bounds, sizes
    stamps.py      timestamp formats, parse_timestamp, renderers, the clock's spans
"""

from __future__ import annotations

from mock_server.generate.examples import model_joins
from mock_server.generate.generator import Generator
from mock_server.generate.schema import merge_all_of
from mock_server.generate.stamps import HISTORY, parse_timestamp, timestamp_format

__all__ = ["HISTORY", "Generator", "merge_all_of", "model_joins", "parse_timestamp", "timestamp_format"]
