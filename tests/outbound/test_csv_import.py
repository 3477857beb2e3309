from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outbound.campaign import CampaignKind
from outbound.csv_import import read_contacts
from outbound.errors import CsvImportError, LineProblem

ARREARS = CampaignKind.ARREARS_REMINDER.optional_columns

GOOD = (
    "number,name,prefecture,reference,amount_due,due_date\r\n"
    "138 1234 5678,张三,长沙,ACC-1,58.30,2025-09-30\r\n"
    "+86 10 6512 3456,李四,株洲,ACC-2,120.00,2025-09-15\r\n"
)


def problems(data: bytes, **kwargs: object) -> list[LineProblem]:
    with pytest.raises(CsvImportError) as caught:
        read_contacts(data, **kwargs)  # type: ignore[arg-type]
    return list(caught.value.problems)


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (GOOD.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + GOOD.encode("utf-8"), "utf-8-sig"),
        (GOOD.encode("gbk"), "gb18030"),
    ],
)
def test_reads_utf8_with_and_without_bom_and_gbk(encoded: bytes, encoding: str) -> None:
    result = read_contacts(encoded, optional_columns=ARREARS)
    assert result.encoding == encoding
    assert result.columns == ("number", "name", "prefecture", "reference", "amount_due", "due_date")
    first, second = result.contacts
    assert (first.number, first.name, first.prefecture, first.reference) == (
        "13812345678",
        "张三",
        "长沙",
        "ACC-1",
    )
    assert first.extra == (("amount_due", "58.30"), ("due_date", "2025-09-30"))
    assert second.number == "01065123456"


def test_gbk_that_is_also_valid_utf8_is_read_as_gbk() -> None:
    data = "number,name,prefecture,reference\n13812345678,伟伟,强,T-1\n".encode("gbk")
    assert data.decode("utf-8").endswith("ΰΰ,ǿ,T-1\n")  # valid UTF-8, but Greek and Latin letters
    result = read_contacts(data)
    assert (result.encoding, result.contacts[0].name) == ("gb18030", "伟伟")


def test_utf8_without_chinese_is_utf8() -> None:
    data = "number,name,prefecture,reference\n13812345678,Zoë,Ürümqi,T-1\n".encode()
    result = read_contacts(data)
    assert (result.encoding, result.contacts[0].name) == ("utf-8", "Zoë")


def test_header_in_any_order_and_case_blank_lines_skipped() -> None:
    data = "Reference, NAME ,Number,Prefecture\n\nT-9,王五,13912345678,湘潭\n,,,\n  \n".encode()
    (contact,) = read_contacts(data).contacts
    assert (contact.number, contact.name, contact.reference) == ("13912345678", "王五", "T-9")


def test_quoted_fields_spanning_lines_keep_line_numbers() -> None:
    data = 'number,name,prefecture,reference\n13812345678,"张\n三",长沙,A\n1391234567,李四,株洲,B\n'.encode()
    assert problems(data) == [
        LineProblem(4, "bad number '1391234567': a mobile number has 11 digits, this has 10")
    ]


def test_every_bad_line_is_reported_and_nothing_is_imported() -> None:
    data = (
        "number,name,prefecture,reference\n"
        "13812345678,张三,长沙,T-1\n"  # 2 good
        "138-1234-5678,张三二,长沙,T-2\n"  # 3 duplicate after normalization
        "65123456,李四,株洲,T-3\n"  # 4 no area code
        "13912345678,,湘潭,T-4\n"  # 5 missing name
        "13712345678,王五,衡阳\n"  # 6 too few fields
        "1.38123E+10,赵六,岳阳,T-6\n"  # 7 Excel scientific notation
        "13612345678,孙七,,\n"  # 8 two missing fields
        "13512345678,周八,常德,T-8\n"  # 9 good
    ).encode()
    assert problems(data) == [
        LineProblem(3, "duplicate number 13812345678 (first on line 2)"),
        LineProblem(4, "bad number '65123456': a landline number needs its area code (0XX or 0XXX)"),
        LineProblem(5, "missing name"),
        LineProblem(6, "expected 4 fields, found 3"),
        LineProblem(
            7,
            "bad number '1.38123E+10': unexpected character '.'; "
            "Excel wrote it in scientific notation: format the column as text",
        ),
        LineProblem(8, "missing prefecture and reference"),
    ]


def test_the_error_message_names_lines() -> None:
    with pytest.raises(CsvImportError, match=r"nothing imported, 1 bad line\(s\): line 2: missing name"):
        read_contacts("number,name,prefecture,reference\n13812345678,,长沙,T\n".encode())


@pytest.mark.parametrize(
    ("header", "reasons"),
    [
        (
            "number,name,prefecture,reference,colour",
            [
                "unknown column 'colour' "
                "(the columns are number, name, prefecture, reference, amount_due, due_date)"
            ],
        ),
        ("number,name,prefecture", ["missing column 'reference'"]),
        ("number,name,name,prefecture,reference", ["column 'name' appears twice"]),
    ],
)
def test_bad_headers(header: str, reasons: list[str]) -> None:
    data = (header + "\n13812345678,张三,长沙,T-1\n").encode()
    assert problems(data, optional_columns=ARREARS) == [LineProblem(1, r) for r in reasons]


def test_optional_columns_depend_on_the_campaign_kind() -> None:
    data = GOOD.encode()
    assert problems(data)[0].reason.startswith("unknown column 'amount_due'")


def test_too_many_rows() -> None:
    rows = "".join(f"1381234{i:04d},N{i},长沙,T-{i}\n" for i in range(4))
    assert problems(("number,name,prefecture,reference\n" + rows).encode(), max_rows=3) == [
        LineProblem(5, "more than 3 contacts; split the file")
    ]


def test_a_line_in_another_encoding() -> None:
    data = (
        b"number,name,prefecture,reference\n"
        + "13812345678,张三,长沙,T-1\n".encode()
        + "13912345678,李四,株洲,T-2\n".encode("gbk")
        + "13712345678,王五,湘潭,T-3\n".encode()
        + "13612345678,赵六,衡阳,T-4\n".encode()
    )
    (problem,) = problems(data)
    assert problem.line == 3
    assert problem.reason.startswith("encoding problem: byte 0xc0 at column 13 is not valid UTF-8")


def test_a_utf8_line_in_a_gbk_file() -> None:
    data = (
        "number,name,prefecture,reference\n".encode("gbk")
        + "13812345678,张三,长沙,T-1\n".encode("gbk")
        + "13912345678,李四,株洲,T-2\n".encode("gbk")
        + "13712345678,王五,湘潭,T-3\n".encode()
    )
    assert problems(data) == [
        LineProblem(
            4,
            "encoding problem: this line is UTF-8 but the rest of the file is GBK; "
            "save the whole file as CSV UTF-8",
        )
    ]


def test_a_bom_file_with_a_bad_line() -> None:
    data = b"\xef\xbb\xbfnumber,name,prefecture,reference\n13912345678,\xff,x,T\n"
    assert [p.line for p in problems(data)] == [2]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", LineProblem(1, "empty file: no header and no contacts")),
        (b"\n13812345678,a,b,c\n", LineProblem(1, "no header: the first line must name the columns")),
    ],
)
def test_no_header(data: bytes, problem: LineProblem) -> None:
    assert problems(data) == [problem]


def test_broken_csv_stops_reading() -> None:
    data = 'number,name,prefecture,reference\n13812345678,"张三,长沙,T-1\n'.encode()
    (problem,) = problems(data)
    assert problem.line == 2
    assert "broken CSV" in problem.reason


def test_a_header_only_file_imports_nothing() -> None:
    assert read_contacts(b"number,name,prefecture,reference\r\n").contacts == ()


names = st.text(alphabet="张王李赵刘陈杨黄周吴伟芳娜敏静丽强磊军洋", min_size=1, max_size=4)
rows = st.lists(
    st.tuples(
        st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
        names,
        names,
        st.from_regex(r"T-[0-9]{1,6}", fullmatch=True),
    ),
    max_size=20,
    unique_by=lambda r: r[0],
)


@settings(max_examples=100, deadline=None)
@given(rows, st.sampled_from(["utf-8", "utf-8-sig", "gbk"]), st.sampled_from(["\n", "\r\n"]))
def test_round_trip(entries: list[tuple[str, str, str, str]], encoding: str, newline: str) -> None:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator=newline)
    writer.writerow(["number", "name", "prefecture", "reference"])
    writer.writerows(entries)
    result = read_contacts(text.getvalue().encode(encoding))
    assert [(c.number, c.name, c.prefecture, c.reference) for c in result.contacts] == entries


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_junk_is_rejected_only_with_our_error(data: bytes) -> None:
    try:
        read_contacts(b"number,name,prefecture,reference\n" + data)
    except CsvImportError as exc:
        assert exc.problems and all(p.line >= 2 for p in exc.problems)
