import codecs
import csv
import re
from datetime import date
from pathlib import Path

import pytest

from shopgraph.assistant.policies import read_policies
from shopgraph.graphstore.core.errors import InputError
from shopgraph.graphstore.core.vocab import load_vocabulary
from shopgraph.graphstore.ingest.loader import detect_format
from shopgraph.graphstore.ingest.readers import (
    RejectLog,
    RowError,
    read_generic_catalog,
    read_generic_customers,
    read_generic_purchases,
    read_hm_articles,
    read_hm_transactions,
    read_myntra_styles,
)
from shopgraph.graphstore.ingest.readers.hm import PurchaseIds, article_id
from shopgraph.vision.ingest import load_product_map

from .conftest import SAMPLE

VOCAB = load_vocabulary()
MYNTRA_HEADER = "id,gender,masterCategory,subCategory,articleType,baseColour,season,year,usage,productDisplayName\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def report_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def test_myntra_unquoted_commas_are_repaired_and_reported(tmp_path: Path) -> None:
    styles = write(
        tmp_path / "styles.csv",
        MYNTRA_HEADER
        + "1,Men,Apparel,Topwear,Tshirts,Navy Blue,Fall,2011.0,Casual,Nike Men Navy Blue T-shirt\n"
        + "2,Women,Apparel,Topwear,Tops,Red,Summer,2012.0,Casual,Vero Moda Women Red, White Top\n",
    )
    rejects = RejectLog(tmp_path / "rejects.csv")
    records = list(read_myntra_styles(styles, VOCAB, rejects))
    rejects.close()
    assert [r.name for r in records] == ["Nike Men Navy Blue T-shirt", "Vero Moda Women Red, White Top"]
    assert (rejects.repaired, rejects.rejected) == (1, 0)
    [row] = report_rows(tmp_path / "rejects.csv")
    assert (row["file"], row["line"], row["status"]) == ("styles.csv", "3", "repaired")
    assert "unquoted commas joined into productDisplayName" in row["reason"]


def test_myntra_bad_rows_are_rejected_with_line_and_reason(tmp_path: Path) -> None:
    styles = write(
        tmp_path / "styles.csv",
        MYNTRA_HEADER
        + "x9,Men,Apparel,Topwear,Tshirts,Black,Fall,2011.0,Casual,Nike Men Black T-shirt\n"
        + "10,Men,Apparel,Topwear,Tshirts,Black,Fall,2011.0,Casual,\n"
        + "11,Men,Apparel,Topwear,Tshirts,Black,Fall,twenty,Casual,Nike Men Black T-shirt\n"
        + "12,Men,Apparel\n"
        + "13,Men,Apparel,Topwear,Tshirts,Black,Fall,2011.0,Casual,Nike Men Black T-shirt\n",
    )
    rejects = RejectLog(tmp_path / "rejects.csv")
    records = list(read_myntra_styles(styles, VOCAB, rejects))
    rejects.close()
    assert [r.id for r in records] == ["myntra:13"]
    reasons = [(r["line"], r["reason"]) for r in report_rows(tmp_path / "rejects.csv")]
    assert reasons == [
        ("2", "bad id 'x9': expected digits"),
        ("3", "missing required field 'productDisplayName'"),
        ("4", "bad number in 'year': 'twenty'"),
        ("5", "expected 10 fields, got 3"),
    ]


def test_missing_columns_fail_fast_listing_them(tmp_path: Path) -> None:
    styles = write(tmp_path / "styles.csv", "id,gender,productDisplayName\n1,Men,Nike Men Black T-shirt\n")
    with pytest.raises(InputError, match=r"missing required columns \['masterCategory', 'subCategory'"):
        list(read_myntra_styles(styles, VOCAB, RejectLog(None)))


def test_myntra_record_links_columns_and_name(tmp_path: Path) -> None:
    styles = write(
        tmp_path / "styles.csv",
        MYNTRA_HEADER
        + "7,Men,Apparel,Topwear,Tshirts,Navy Blue,Fall,2011.0,Casual,ADIDAS Men Navy Blue Striped T-shirt\n",
    )
    [record] = read_myntra_styles(styles, VOCAB, RejectLog(None))
    got = {(f.rel, f.target, f.rule) for f in record.facts}
    assert ("HAS_COLOUR", "navy-blue", "column:baseColour") in got
    assert ("HAS_COLOUR", "navy-blue", "name:colour-primary") in got
    assert ("IN_CATEGORY", "t-shirt", "column:articleType") in got
    assert ("HAS_PATTERN", "striped", "name:pattern") in got
    assert ("HAS_BRAND", "adidas", "name:brand-lexicon") in got
    assert record.brand is not None and record.brand.name == "Adidas"
    assert [c.id for c in record.source_categories] == [
        "myntra:masterCategory:apparel",
        "myntra:subCategory:topwear",
        "myntra:articleType:tshirts",
    ]
    assert record.properties["year"] == 2011


def test_hm_article_ids_in_both_formats() -> None:
    assert article_id("0111565001") == article_id("111565001") == "0111565001"
    with pytest.raises(ValueError, match="bad article_id '12x'"):
        article_id("12x")


def test_hm_articles_from_the_sample() -> None:
    records = list(read_hm_articles(SAMPLE / "hm_articles.csv", VOCAB, RejectLog(None)))
    assert len(records) == 642
    first = records[0]
    assert first.id.startswith("hm:") and len(first.source_id) == 10
    assert first.brand is not None and first.brand.name == "H&M"
    assert first.department is not None and first.department["id"].startswith("hm:")
    with_material = sum(any(f.rel == "MADE_OF" for f in r.facts) for r in records)
    assert with_material / len(records) > 0.8


def test_hm_leading_index_column_and_lost_zero_are_read(tmp_path: Path) -> None:
    with (SAMPLE / "hm_articles.csv").open() as f:
        header, row = next(csv.reader(f)), next(csv.reader(f))
    text = (
        ","
        + ",".join(header)
        + "\n0,"
        + ",".join(
            '"' + v.replace('"', '""') + '"' if "," in v or '"' in v else v for v in [row[0].lstrip("0"), *row[1:]]
        )
        + "\n"
    )
    path = write(tmp_path / "articles.csv", text)
    assert detect_format(path, "catalog") == "hm"
    [record] = read_hm_articles(path, VOCAB, RejectLog(None))
    assert record.id == f"hm:{row[0]}"


def test_transactions_reject_bad_dates_and_keep_duplicate_purchases(tmp_path: Path) -> None:
    path = write(
        tmp_path / "transactions.csv",
        "t_dat,customer_id,article_id,price,sales_channel_id\n"
        "2020-01-02,c1,0111565001,0.02,2\n"
        "2020-01-02,c1,0111565001,0.02,2\n"
        "2020-13-02,c1,0111565001,0.02,2\n"
        "2020-01-03,c1,111565001,-1,2\n"
        "2020-01-03,c2,111565001,0.01,7\n"
        "2020-01-03,,111565001,0.01,1\n",
    )
    rejects = RejectLog(tmp_path / "rejects.csv")
    purchases = list(read_hm_transactions(path, rejects))
    rejects.close()
    assert [(p.customer, p.product, p.date) for p in purchases] == [("c1", "hm:0111565001", date(2020, 1, 2))] * 2
    assert purchases[0].id != purchases[1].id
    assert [(r["line"], r["reason"]) for r in report_rows(tmp_path / "rejects.csv")] == [
        ("4", "bad date in 't_dat': '2020-13-02' (expected YYYY-MM-DD)"),
        ("5", "'price' must be a non-negative number, got '-1'"),
        ("6", "unknown sales_channel_id 7: expected one of [1, 2]"),
        ("7", "missing required field 'customer_id'"),
    ]
    again = list(read_hm_transactions(path, RejectLog(None)))
    assert [p.id for p in again] == [p.id for p in purchases]


def test_purchase_ids_stay_correct_on_unsorted_input() -> None:
    ids = PurchaseIds("s")
    a = ids.next("c", "p", date(2020, 1, 2), 1.0, 1)
    ids.next("c", "p", date(2020, 1, 3), 1.0, 1)
    b = ids.next("c", "p", date(2020, 1, 2), 1.0, 1)
    assert a != b


def test_generic_catalog_csv_and_jsonl(tmp_path: Path) -> None:
    csv_path = write(
        tmp_path / "shop.csv",
        "id,name,brand,category,colour,material,price\n"
        "a1,Classic Tee,ACME,T-shirts,Red;White,cotton,19.9\n"
        "a2,Mystery item,ACME,Gizmos,Ultraviolet,,abc\n",
    )
    rejects = RejectLog(tmp_path / "rejects.csv")
    records = list(read_generic_catalog(csv_path, VOCAB, rejects, "shop"))
    rejects.close()
    assert [r.id for r in records] == ["shop:a1"]
    got = {(f.rel, f.target) for f in records[0].facts}
    assert {
        ("HAS_COLOUR", "red"),
        ("HAS_COLOUR", "white"),
        ("MADE_OF", "cotton"),
        ("IN_CATEGORY", "t-shirt"),
        ("HAS_BRAND", "acme"),
    } <= got
    assert [r["reason"] for r in report_rows(tmp_path / "rejects.csv")] == ["bad number in 'price': 'abc'"]

    jsonl = write(
        tmp_path / "shop.jsonl",
        '{"id": "b1", "name": "Linen Shirt", "colour": ["Navy Blue"]}\nnot json\n{"name": "no id"}\n',
    )
    rejects = RejectLog(None)
    [record] = read_generic_catalog(jsonl, VOCAB, rejects, "shop")
    assert ("HAS_COLOUR", "navy-blue") in {(f.rel, f.target) for f in record.facts}
    assert rejects.rejected == 2
    assert rejects.first_errors[0].startswith("shop.jsonl:2: rejected: invalid JSON")


def test_generic_catalog_reads_the_day_a_product_went_on_sale(tmp_path: Path) -> None:
    path = write(
        tmp_path / "shop.csv",
        "id,name,available_from\na1,Classic Tee,2024-03-01\na2,Old Tee,\na3,Bad Tee,01/03/2024\n",
    )
    rejects = RejectLog(tmp_path / "rejects.csv")
    records = list(read_generic_catalog(path, VOCAB, rejects, "shop"))
    rejects.close()
    assert [(r.id, r.properties["availableFrom"]) for r in records] == [
        ("shop:a1", date(2024, 3, 1)),
        ("shop:a2", None),
    ]
    [row] = report_rows(tmp_path / "rejects.csv")
    assert (row["line"], row["reason"]) == ("4", "bad date in 'available_from': '01/03/2024' (expected YYYY-MM-DD)")


def test_generic_purchases_accept_channel_names(tmp_path: Path) -> None:
    path = write(
        tmp_path / "orders.csv",
        "date,customer_id,product_id,price,channel\n2024-05-01,u1,a1,19.9,online\n2024-05-01,u1,a2,5,kiosk\n",
    )
    rejects = RejectLog(None)
    [purchase] = read_generic_purchases(path, rejects, "shop")
    assert (purchase.product, purchase.channel) == ("shop:a1", 2)
    assert rejects.first_errors == ["orders.csv:3: rejected: unknown channel 'kiosk': expected store, online, 1 or 2"]


def test_format_detection_names_what_it_expected(tmp_path: Path) -> None:
    assert detect_format(SAMPLE / "myntra_styles.csv", "catalog") == "myntra"
    assert detect_format(SAMPLE / "hm_transactions.csv", "purchases") == "hm"
    odd = write(tmp_path / "odd.csv", "sku,title\n1,x\n")
    with pytest.raises(InputError, match="matches no catalog format"):
        detect_format(odd, "catalog")


GENERIC = "id,name,price\na1,Tee,5\na2,Café crème,6\n"


def read_catalog(path: Path, encoding: str | None = None, rejects_path: Path | None = None) -> tuple[list, RejectLog]:
    rejects = RejectLog(rejects_path)
    records = list(read_generic_catalog(path, VOCAB, rejects, "s", encoding))
    rejects.close()
    return records, rejects


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (GENERIC.encode("utf-8"), None),
        (codecs.BOM_UTF8 + GENERIC.encode("utf-8"), None),
        (GENERIC.encode("utf-16"), None),  # with its byte-order mark, little-endian here
        (codecs.BOM_UTF16_BE + GENERIC.encode("utf-16-be"), None),
        (codecs.BOM_UTF16_LE + GENERIC.encode("utf-16-le"), "utf-16-le"),  # the named codec keeps the mark
        (GENERIC.encode("utf-32"), None),
        (GENERIC.encode("utf-16-le"), "utf-16-le"),
        (GENERIC.encode("cp1252"), "cp1252"),
        (GENERIC.encode("latin-1"), "latin-1"),
        (GENERIC.encode("gb18030"), "gb18030"),
    ],
)
def test_text_in_any_named_or_marked_encoding_reads_the_same(
    tmp_path: Path, encoded: bytes, encoding: str | None
) -> None:
    path = tmp_path / "shop.csv"
    path.write_bytes(encoded)
    records, rejects = read_catalog(path, encoding)
    assert [(r.id, r.name) for r in records] == [("s:a1", "Tee"), ("s:a2", "Café crème")]
    assert (rejects.rows_read, rejects.rejected) == (2, 0)


def test_chinese_catalog_in_gb18030(tmp_path: Path) -> None:
    path = tmp_path / "cn.csv"
    path.write_bytes("id,name\nz1,纯棉T恤\n".encode("gb18030"))
    [record] = read_catalog(path, "gb18030")[0]
    assert record.name == "纯棉T恤"
    with pytest.raises(InputError, match="unknown text encoding 'gb-nope'"):
        read_catalog(path, "gb-nope")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            r"not UTF-8 text: undecodable bytes \(89\) at byte offset 0 in the first line",
        ),
        (
            b"id,name\n" + bytes(range(256)),
            r"not a text file: a NUL byte at byte offset 8; if the file is text in another",
        ),
        (b"id,\xffname\na,b\n", r"not UTF-8 text: undecodable bytes \(ff\) at byte offset 3 in the first line"),
        (
            GENERIC.encode("utf-16-le"),
            r"not a text file: a NUL byte at byte offset 1; "
            r"it looks like UTF-16 without a byte-order mark: try --encoding utf-16-le",
        ),
        (
            GENERIC.encode("utf-16-be"),
            r"not a text file: a NUL byte at byte offset 0; "
            r"it looks like UTF-16 without a byte-order mark: try --encoding utf-16-be",
        ),
    ],
)
def test_a_file_that_is_not_text_fails_naming_the_byte_offset_and_the_hint(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "shop.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=rf"^{re.escape(str(path))}: {message}"):
        read_catalog(path)
    with pytest.raises(InputError, match=message):
        detect_format(path, "catalog")
    assert "--encoding" in str(pytest.raises(InputError, read_catalog, path).value)


def test_undecodable_bytes_further_on_reject_only_their_row(tmp_path: Path) -> None:
    path = tmp_path / "shop.csv"
    path.write_bytes(GENERIC.encode("cp1252") + b"a3,Hat,7\n")
    records, rejects = read_catalog(path, rejects_path=tmp_path / "rejects.csv")
    assert [r.id for r in records] == ["s:a1", "s:a3"]
    [row] = report_rows(tmp_path / "rejects.csv")
    assert (row["line"], row["raw"]) == ("3", "a2,Caf\\xe9 cr\\xe8me,6")
    assert row["reason"].startswith("undecodable bytes (first: 0xe9) in field 'name'; if the file is text in another")
    assert (rejects.rows_read, rejects.rejected) == (3, 1)


def test_a_nul_past_the_first_64_kib_rejects_its_row(tmp_path: Path) -> None:
    path = tmp_path / "shop.csv"
    filler = "".join(f"f{i},Filler {i}\n" for i in range(5000))
    path.write_text("id,name\n" + filler + "n1,Bad\x00name\nn2,Good\n")
    records, rejects = read_catalog(path)
    assert [r.id for r in records][-1] == "s:n2" and len(records) == 5001
    assert rejects.first_errors == [f"shop.csv:{5002}: rejected: a NUL character in field 'name'"]


def test_json_values_must_be_what_their_field_expects(tmp_path: Path) -> None:
    lines = [
        '{"id": {"nested": 1}, "name": "Object id"}',
        '{"id": ["x"], "name": "Array id"}',
        '{"id": "b3", "name": {"en": "Tee"}}',
        '{"id": "b4", "name": "Tee", "colour": ["Red", {"x": 1}]}',
        '{"id": true, "name": "Boolean id"}',
        '{"id": 4.5, "name": "Fraction id"}',
        '{"id": "   ", "name": "Blank id"}',
        '{"id": "b\\tx", "name": "Tab in id"}',
        '{"id": "b\\u0085x", "name": "NEL in id"}',
        '{"id": "b\\udc80", "name": "Surrogate id"}',
        '{"id": "b11", "name": "Tee", "price": [1]}',
        '{"id": "b12", "name": "Tee", "price": Infinity}',
        "[" * 5000 + "]" * 5000,
        '"just a string"',
        '{"id": 13, "name": "Whole number id", "colour": ["Red", "White"], "price": 9.5}',
        '{"id": "b14", "name": "Nulls are empty", "brand": null}',
    ]
    path = tmp_path / "shop.jsonl"
    path.write_text("\n".join(lines) + "\n\n")
    records, rejects = read_catalog(path, rejects_path=tmp_path / "rejects.csv")
    assert [(r.id, r.source_id, r.name) for r in records] == [
        ("s:13", "13", "Whole number id"),
        ("s:b14", "b14", "Nulls are empty"),
    ]
    assert {(f.rel, f.target) for f in records[0].facts} >= {("HAS_COLOUR", "red"), ("HAS_COLOUR", "white")}
    reasons = [(r["line"], r["reason"]) for r in report_rows(tmp_path / "rejects.csv")]
    assert reasons == [
        ("1", "field 'id' holds a JSON object; expected a string or a whole number"),
        ("2", "field 'id' holds a JSON array; expected a string or a whole number"),
        ("3", "field 'name' holds a JSON object; expected a string or a number"),
        ("4", "field 'colour' holds a JSON object; expected a string or a number"),
        ("5", "field 'id' holds the JSON true; expected a string or a whole number"),
        ("6", "field 'id' holds the number 4.5; expected a string or a whole number"),
        ("7", "missing required field 'id'"),
        ("8", "control character U+0009 in 'id': 'b\\tx'"),
        ("9", "control character U+0085 in 'id': 'b\\x85x'"),
        ("10", "an unpaired UTF-16 surrogate (\\udc80) in field 'id'"),
        ("11", "field 'price' holds a JSON array; expected a number"),
        ("12", "'price' must be a non-negative number, got 'inf'"),
        ("13", "invalid JSON: maximum recursion depth exceeded while decoding a JSON array from a unicode string"),
        ("14", "expected a JSON object, got a JSON string"),
    ]
    assert (rejects.rows_read, rejects.rejected, rejects.repaired) == (16, 14, 0)


def test_csv_ids_are_trimmed_and_refused_with_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text('id,age\n  u1  ,30\n" ",40\n"u\x073",50\n²,60\n')
    rejects = RejectLog(None)
    assert [c.id for c in read_generic_customers(path, rejects, "s")] == ["u1", "²"]
    assert rejects.first_errors == [
        "customers.csv:3: rejected: missing required field 'id'",
        "customers.csv:4: rejected: control character U+0007 in 'id': 'u\\x073'",
    ]
    with pytest.raises(RowError, match="bad article_id '²': expected up to 10 digits"):
        article_id("²")


def test_a_runaway_quote_is_reported_with_every_row_it_swallowed(tmp_path: Path) -> None:
    lines = ["date,customer_id,product_id,price,channel"] + [
        f"2024-01-{d:02d},u{d},p{d},{d},store" for d in range(1, 26)
    ]
    lines[6] = '2024-01-06,u6,"p6,6,store'  # line 7: the quote never closes on its line
    lines[12] = '2024-01-12,u12,p12,"12",store'  # line 13: its first quote closes the runaway one
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(lines) + "\n")
    rejects = RejectLog(tmp_path / "rejects.csv")
    purchases = list(read_generic_purchases(path, rejects, "s"))
    rejects.close()
    assert [p.customer for p in purchases] == [f"u{d}" for d in [*range(1, 6), *range(13, 26)]]
    rows = report_rows(tmp_path / "rejects.csv")
    assert [(r["line"], r["reason"]) for r in rows] == [
        ("7", "quote opened on line 7 runs to line 13: 6 rows swallowed (each is listed on its own row)"),
        *[(str(n), "swallowed by the quote opened on line 7") for n in range(8, 14)],
    ]
    assert [r["raw"] for r in rows[1:]] == lines[7:13]
    assert (rejects.rows_read, rejects.rejected) == (25, 7)


def test_a_runaway_quote_to_the_end_of_the_file_loads_none_of_what_it_took(tmp_path: Path) -> None:
    path = tmp_path / "shop.csv"
    path.write_text('id,price,name\na1,5,Tee\na2,6,"Shirt\na3,7,Hat\na4,8,Cap\n')
    records, rejects = read_catalog(path)
    assert [r.id for r in records] == ["s:a1"]
    assert rejects.first_errors == [
        "shop.csv:3: rejected: quote opened on line 3 runs to line 5: 2 rows swallowed (each is listed on its own row)",
        "shop.csv:4: rejected: swallowed by the quote opened on line 3",
        "shop.csv:5: rejected: swallowed by the quote opened on line 3",
    ]


def test_a_quoted_line_break_in_a_description_is_no_runaway_quote(tmp_path: Path) -> None:
    path = tmp_path / "shop.csv"
    path.write_text('id,name,description\na1,Tee,"Soft jersey.\nMachine wash."\na2,Hat,Wool\n')
    records, rejects = read_catalog(path)
    assert [(r.id, r.properties["description"]) for r in records] == [
        ("s:a1", "Soft jersey.\nMachine wash."),
        ("s:a2", "Wool"),
    ]
    assert (rejects.rows_read, rejects.rejected) == (2, 0)


def test_a_field_over_the_size_limit_rejects_the_lines_it_spans(tmp_path: Path) -> None:
    path = tmp_path / "shop.csv"
    path.write_text("id,name\na1,Tee\na2," + "x" * 200_000 + "\na3,Hat\n")
    records, rejects = read_catalog(path)
    assert [r.id for r in records] == ["s:a1", "s:a3"]
    assert rejects.first_errors == ["shop.csv:3: rejected: unparseable CSV: field larger than field limit (131072)"]
    assert rejects.rows_read == 3


def test_a_row_repaired_then_rejected_counts_once_as_rejected(tmp_path: Path) -> None:
    styles = write(
        tmp_path / "styles.csv",
        MYNTRA_HEADER
        + "1,Men,Apparel,Topwear,Tshirts,Navy Blue,Fall,2011.0,Casual,Nike Men Navy, Blue T-shirt\n"
        + "x2,Men,Apparel,Topwear,Tshirts,Navy Blue,Fall,2011.0,Casual,Nike Men Navy, Blue T-shirt\n"
        + "3,Men,Apparel,Topwear,Tshirts,Navy Blue,Fall,2011.0,Casual,Nike Men T-shirt\n",
    )
    rejects = RejectLog(None)
    records = list(read_myntra_styles(styles, VOCAB, rejects))
    assert [r.id for r in records] == ["myntra:1", "myntra:3"]
    assert (rejects.rows_read, rejects.repaired, rejects.rejected) == (3, 1, 1)


def test_a_row_with_several_repairs_counts_once(tmp_path: Path) -> None:
    path = write(tmp_path / "shop.csv", "id,name,colour\na1,Tee,Ultraviolet;Infrared\na2,Hat,Red\n")
    records, rejects = read_catalog(path)
    assert len(records) == 2
    assert (rejects.rows_read, rejects.repaired, rejects.rejected) == (2, 1, 0)
    assert len(rejects.first_errors) == 2


def test_policies_and_photo_maps_refuse_binary_files_with_the_offset(tmp_path: Path) -> None:
    binary = tmp_path / "p.csv"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF")
    for reader in (read_policies, load_product_map):
        with pytest.raises(InputError, match=r"not UTF-8 text: undecodable bytes \(ff\) at byte offset 0"):
            reader(binary)
    binary.write_bytes(b"id,kind,title,applies_to,returnable,days,min_days,text\nx,delivery,T,,,\xb2,,t\n")
    with pytest.raises(InputError, match=r"p\.csv:2: field days: undecodable bytes \(first: 0xb2\)"):
        read_policies(binary)
    binary.write_text("id,kind,title,applies_to,returnable,days,min_days,text\nx,delivery,T,,,²,,t\n")
    with pytest.raises(InputError, match=r"p\.csv:2: field days: '²' is not a whole number of days"):
        read_policies(binary)
