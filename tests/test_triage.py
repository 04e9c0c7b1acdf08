"""Triage's engine and its reading of reports: groups against a hand-written report and the
generator's truth, formats, limits and bad input (errors_kb/triage.py, triage_input.py)."""

import codecs
import json
from collections import Counter
from pathlib import Path

import pytest

from errors_kb.bench.reports import generate
from errors_kb.triage import shape_of, triage
from errors_kb.triage_input import TriageInputError, decode, find_message_column, message_of, parse, strip_wrappers

pytestmark = pytest.mark.usefixtures("dictionary")

DATA = Path(__file__).parent / "data" / "triage"
MAX_LINES = 50_000


def run(text: str, **options):
    return triage(parse(text, max_lines=MAX_LINES, **options).records)


def test_it_groups_the_hand_written_report_as_written_down():
    expected = json.loads((DATA / "district_sync.expected.json").read_text())
    result = run((DATA / "district_sync.log").read_text())
    assert result.lines == expected["lines"]
    assert result.known == sum(len(g["line_numbers"]) for g in expected["groups"])
    got = {tuple(g.line_numbers): g for g in result.groups}
    for want in expected["groups"]:
        group = got.get(tuple(want["line_numbers"]))
        assert group is not None, want
        assert group.entry.vendor_slug in want["vendors"], (want, group.entry)
        if len(want["vendors"]) == 1:
            assert group.entry.url.endswith(f"/{want['slug']}/")
        for slot, count in want.get("values", {}).items():
            assert group.value_counts()[slot] == count
    assert sorted(n for c in result.unknown for n in c.line_numbers) == expected["unknown_lines"]
    assert [g.count for g in result.groups] == sorted((g.count for g in result.groups), reverse=True)


def _twin_class(report, entry_id):
    return min({entry_id, *report.twins.get(entry_id, ())}) if entry_id is not None else None


def check_against_truth(report, result):
    assigned = result.assignments()
    known = [n for n, e in report.truth.items() if e is not None]
    unknown = [n for n, e in report.truth.items() if e is None]
    right = sum(report.accepts(report.truth[n], assigned.get(n)) for n in known)
    left = sum(assigned.get(n) is None for n in unknown)
    assert right / len(known) >= 0.99
    assert left / len(unknown) >= 0.95
    return right, left


@pytest.mark.parametrize("fmt", ["text", "csv", "tsv", "jsonl"])
def test_it_assigns_a_generated_report_as_its_truth_says(fmt):
    report = generate(2000, fmt=fmt, seed=7)
    result = run(report.text)
    assert result.lines == len(report.truth)
    assert sorted(result.assignments()) == sorted(report.truth)  # every record counted once
    check_against_truth(report, result)
    # The groups' counts are the generator's (messages several SIS share counted together).
    want = Counter()
    for entry_id, count in report.expected_counts().items():
        want[_twin_class(report, entry_id)] += count
    got = Counter()
    for group in result.groups:
        got[_twin_class(report, group.entry.id)] += group.count
    assert got == want


def test_it_gives_the_same_groups_for_one_report_in_every_format():
    answers = {}
    for fmt in ("text", "csv", "jsonl"):
        report = generate(600, fmt=fmt, seed=3)
        result = run(report.text)
        answers[fmt] = sorted((g.entry.id, g.count, tuple(sorted(g.value_counts().items()))) for g in result.groups)
    assert answers["text"] == answers["csv"] == answers["jsonl"]


def test_it_counts_distinct_values_per_slot():
    text = "\n".join(
        f"Student {student} was not enrolled in Section for Assignment {assignment}"
        for student, assignment in [("204518", "Unit 2 Test"), ("771093", "Unit 2 Test"), ("204518", "Lab 4")]
    )
    (group,) = run(text).groups
    assert group.count == 3 and group.line_numbers == [1, 2, 3]
    assert group.value_counts() == {"student_id": 2, "assignment": 2}
    assert group.values["student_id"]["204518"] == 2


def test_it_clusters_unknown_lines_into_masked_templates():
    lines = [f"Printer Room {n} is offline since {n}:0{n % 10} for user jdoe{n}@district.org" for n in range(10, 40)]
    lines += ["Zoom: Unable to connect (Error code: 5003)"] * 3
    result = run("\n".join(lines))
    assert result.known == 0 and result.groups == []
    biggest = result.unknown[0]
    assert biggest.count == 30 and biggest.line_numbers == list(range(1, 31))
    assert "jdoe" not in biggest.example and "district.org" not in biggest.example
    assert "Printer Room" in biggest.template and "<*>" in biggest.template or "[#]" in biggest.template
    assert result.unknown[1].count == 3


def test_it_keeps_near_twin_messages_apart_in_its_shapes():
    assert shape_of("HTTP 404 Not Found 88812345") != shape_of("HTTP 409 Not Found 88812345")
    assert shape_of("Student 204518 in 1021.2.004") == shape_of("Student 771093 in 2201.1.002")
    assert shape_of("Grading category Homework not found") != shape_of("Grading category Homework not found in Q")


def test_it_strips_log_wrappers_before_the_message():
    message = "Section 48817 does not have sis_section_id"
    for wrapped in [
        f"2025-12-01T07:00:03Z ERROR grade-sync: {message}",
        f"[12/01/2025 07:00:05 AM] {message}",
        f"Dec  1 07:00:06 sis-sync[4411]: {message}",
        f"Dec  1 07:00:06 host01 sis-sync[4411]: {message}",
        f"2025-12-01 07:00:07,118 [ERROR] {message}",
        f"12. {message}",
        message,
    ]:
        assert strip_wrappers(wrapped) == message, wrapped
    # A message that starts like a log prefix keeps its own words.
    assert strip_wrappers('response: {"message":"x"}') == 'response: {"message":"x"}'
    assert strip_wrappers("PowerSchool Error: 'Assignment not found.'") == "PowerSchool Error: 'Assignment not found.'"


def test_it_finds_the_message_column_by_its_name():
    assert find_message_column(["timestamp", "course_id", "Error Message"]) == "Error Message"
    assert find_message_column(["time", "details", "message"]) == "message"
    assert find_message_column(["time", "course", "student"]) is None
    report = parse(
        'when,course,sync_error\n2025-12-01,5512,"Section 48817 does not have sis_section_id"\n', max_lines=10
    )
    assert report.format == "csv" and report.column == "sync_error"
    assert [(r.number, r.text) for r in report.records] == [(2, "Section 48817 does not have sis_section_id")]


def test_it_asks_which_column_when_none_is_named_for_the_message():
    text = "when\tcourse\twhat happened\n2025-12-01\t5512\tSection 48817 does not have sis_section_id\n"
    with pytest.raises(TriageInputError) as raised:
        parse(text, max_lines=10)
    assert raised.value.status == 400 and raised.value.columns == ["when", "course", "what happened"]
    assert "what happened" in raised.value.message
    report = parse(text, column="what happened", max_lines=10)
    assert report.format == "tsv" and report.records[0].text.startswith("Section 48817")
    with pytest.raises(TriageInputError, match="no column 'nope'"):
        parse(text, column="nope", max_lines=10)


def test_it_numbers_csv_records_by_the_line_they_start_on():
    text = 'id,message\n1,"Unable to create the assignment.\nAn assignment for this gradebook, title, and due date already exists."\n2,No Grading Period Found\n'
    report = parse(text, max_lines=10)
    assert [r.number for r in report.records] == [2, 4]
    result = triage(report.records)
    assert result.known == 2 and {n for g in result.groups for n in g.line_numbers} == {2, 4}


def test_it_reads_the_message_of_a_json_line_however_deep():
    assert message_of({"time": "t", "level": "error", "message": "A"}) == "A"
    assert message_of({"time": "t", "response": {"status": 409, "error": "B"}}) == "B"
    assert message_of({"errors": [{"code": 7, "description": "C"}]}) == "C"
    assert message_of({"a": "short", "b": "the longest text of them"}) == "the longest text of them"
    report = parse('{"ts": 1, "message": "No Grading Period Found"}\nnot json at all\n', max_lines=10)
    assert report.format == "jsonl" and [r.text for r in report.records] == [
        "No Grading Period Found",
        "not json at all",
    ]


def test_it_decodes_utf8_with_or_without_a_mark_and_utf16_with_one():
    text = "Student 204518 was not enrolled in Section for Assignment Café Quiz\n"
    assert decode(text.encode(), 1000) == text
    assert decode(codecs.BOM_UTF8 + text.encode(), 1000) == text
    assert decode(text.encode("utf-16"), 1000) == text  # Python writes the mark


@pytest.mark.parametrize(
    "raw, words",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "NUL bytes"),
        (b"Gradebook \xff\xfe\xfa failed", "not text"),
        (b"PK\x03\x04\x14\x00\x06\x00", "NUL bytes"),
    ],
)
def test_it_refuses_binary_or_undecodable_files_with_400(raw, words):
    with pytest.raises(TriageInputError, match=words) as raised:
        decode(raw, 1000)
    assert raised.value.status == 400


def test_it_refuses_reports_over_the_limits_with_413_naming_them():
    with pytest.raises(TriageInputError, match=r"at most 0\.5 MB") as raised:
        decode(b"x" * 600_000, 524_288)
    assert raised.value.status == 413
    with pytest.raises(TriageInputError, match="at most 50,000 lines") as raised:
        parse("a line\n" * 50_001, max_lines=50_000)
    assert raised.value.status == 413
    assert parse("a line\n\n" * 50_000, max_lines=50_000).lines == 50_000  # blank lines do not count
