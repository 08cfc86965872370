"""The neo4j-admin import CSVs: value encoding, learned column types, new parts on new columns or types."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from shopgraph.graphstore.ingest.bulk_csv import CsvTable, encode, value_type


def test_values_are_encoded_as_the_online_loader_stores_them() -> None:
    assert [encode(v) for v in (None, "", 'say "hi"', True, False, 3, 0.1, dt.date(2020, 9, 1))] == [
        "",
        '""',
        '"say ""hi"""',
        "true",
        "false",
        "3",
        "0.1",
        "2020-09-01",
    ]
    assert encode(["a", "b;c"]) == '"a\x1fb;c"'
    assert encode([1.5, 2.0]) == '"1.5\x1f2.0"'
    with pytest.raises(ValueError, match="holds the array delimiter"):
        encode(["a\x1fb"])


def test_value_types() -> None:
    assert [value_type(v) for v in (None, "x", True, 2, 2.5, dt.date(2020, 1, 1), ["a"], [1.0], [])] == [
        None,
        "string",
        "boolean",
        "long",
        "double",
        "date",
        "string[]",
        "double[]",
        None,
    ]
    with pytest.raises(ValueError, match="elements of one scalar type"):
        value_type(["a", 1])
    with pytest.raises(ValueError, match="cannot store dict"):
        value_type({"a": 1})


def test_a_table_learns_types_and_opens_a_part_for_a_new_column_or_type(tmp_path: Path) -> None:
    table = CsvTable(tmp_path, "products", "nodes", "Product", ["id:ID(Product)"], {"day": "date"})
    table.add(["p1"], {"name": "Shirt", "price": None, "day": "2024-01-01"})
    table.add(["p2"], {"name": "Jeans", "price": 9.5, "day": None})
    table.add(["p3"], {"name": "Coat", "price": 19.0, "colour": "red"})
    table.add(["p4"], {"name": "Hat", "price": 3})
    table.close()
    assert table.rows == 4
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == [f"products-{n}{suffix}" for n in range(3) for suffix in (".csv", ".header.csv")]
    read = {name: (tmp_path / name).read_text() for name in files}
    assert read["products-0.header.csv"] == "id:ID(Product),name:string,price:double,day:date\n"
    assert read["products-0.csv"] == '"p1","Shirt",,"2024-01-01"\n"p2","Jeans",9.5,\n'
    assert read["products-1.header.csv"] == "id:ID(Product),name:string,price:double,day:date,colour:string\n"
    assert read["products-1.csv"] == '"p3","Coat",19.0,,"red"\n'
    assert read["products-2.header.csv"] == "id:ID(Product),name:string,price:long,day:date,colour:string\n"
    assert table.import_options()[0] == (
        f"--nodes=Product={tmp_path / 'products-0.header.csv'},{tmp_path / 'products-0.csv'}"
    )
    assert table.multiline_files() == []


def test_a_part_with_a_line_break_is_listed_as_multiline(tmp_path: Path) -> None:
    table = CsvTable(tmp_path, "p", "nodes", "Product", ["id:ID(Product)"])
    table.add(["p1"], {"description": "two\nlines"})
    table.close()
    assert table.multiline_files() == [tmp_path / "p-0.csv"]
