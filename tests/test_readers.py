import csv
from datetime import date
from pathlib import Path

import pytest

from shopgraph.graphstore.core.errors import InputError
from shopgraph.graphstore.core.vocab import load_vocabulary
from shopgraph.graphstore.ingest.loader import detect_format
from shopgraph.graphstore.ingest.readers import (
    RejectLog,
    read_generic_catalog,
    read_generic_purchases,
    read_hm_articles,
    read_hm_transactions,
    read_myntra_styles,
)
from shopgraph.graphstore.ingest.readers.hm import PurchaseIds, article_id

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
