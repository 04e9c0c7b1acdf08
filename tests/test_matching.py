"""The matcher alone: no database."""

import json
from pathlib import Path

import pytest

from errors_kb.matching.normalize import normalize
from errors_kb.matching.rank import Candidate, VendorNames, detect_vendor, rank
from errors_kb.matching.scoring import PreparedPaste, exact_match, fuzzy_match
from errors_kb.matching.slots import slot_label
from errors_kb.matching.templates import compile_template, display_parts

SKYWARD = (
    "Grading category [xxxxx] not found in Skyward for section [xxxxxxxx (xxxxxx)].\n"
    "Please ensure that your assignment categories match between Skyward and Canvas.\n"
    "Available grading categories are: [xxxxxxxx]"
)


def flat(word: str) -> float:
    return 1.0


def match(template: str, paste: str):
    return exact_match(compile_template(template), PreparedPaste(normalize(paste)))


def test_it_normalises_quotes_dashes_entities_and_url_encoding():
    assert (
        normalize("Grading category \u201cHomework\u201d \u2014 not\u00a0found").display
        == 'Grading category "Homework" - not found'
    )
    assert (
        normalize("Grading category &quot;Homework&quot; not found").display == 'Grading category "Homework" not found'
    )
    assert (
        normalize("Grading%20category%20%22Homework%22%20not%20found").display
        == 'Grading category "Homework" not found'
    )
    assert normalize("ＧＲＡＤＩＮＧ category\n\n  not\tfound").words == ("grading", "category", "not", "found")
    assert normalize("EXCHANGE_ERROR_NON_RETRYABLE - x").words == ("exchange_error_non_retryable", "x")


def test_it_caps_the_length():
    assert len(normalize("a " * 50_000, max_chars=1000).display) <= 1000


def test_it_compiles_placeholders_into_named_slots():
    template = compile_template(SKYWARD)
    assert template.segments[0] == ("grading", "category")
    assert template.slot_names == ("", "category", "section", "categories")
    template = compile_template('Multiple matches found for "[xxxxxx]" due on [xx/xx/xxxx] in OneRoster.')
    assert template.slot_names == ("", "assignment", "due_date", "")
    template = compile_template('Unable to process score for s[xxxxx]; missing "assignment_source_id" attribute')
    assert template.segments[0] == ("unable", "to", "process", "score", "for")


def test_it_treats_example_ids_in_templates_as_slots():
    template = compile_template(
        "COLLECTION_GENERIC - 71608256-b2d7-450f-a7cb-5349af35977d - Unable to create assignment [xxxx]"
    )
    assert template.segments[0] == ("collection_generic",)
    assert template.segments[1] == ("unable", "to", "create", "assignment")
    assert compile_template('{"request_id":11410981,"status":404}').segments == (("request_id",), ("status", "404"))


def test_it_keeps_literal_brackets_of_json_and_oneroster_paths():
    template = compile_template('PUT for ONEROSTER:Result[result/results] for "s[xxxx]" failed')
    assert "results" in template.fixed_tokens


def test_it_matches_a_filled_message_exactly_and_extracts_values():
    paste = (
        'Grading category "Homework" not found in Skyward for section 1021.2.004 (ALG 1). '
        "Please ensure that your assignment categories match between Skyward and Canvas. "
        "Available grading categories are: Tests, Quizzes"
    )
    found = match(SKYWARD, paste)
    assert found is not None and found.exact
    assert found.params == {"category": "Homework", "section": "1021.2.004 (ALG 1)", "categories": "Tests, Quizzes"}


def test_it_matches_through_line_wraps_prefixes_and_smart_quotes():
    paste = (
        "Sync error 2025-10-01 job 8812: Grading category \u201cHomework\u201d not found in Skyward for section\n"
        "1021.2.004 (ALG 1).  Please ensure that your assignment categories\n match between Skyward and Canvas. "
        "Available grading categories are: Tests"
    )
    found = match(SKYWARD, paste)
    assert found is not None and found.params["category"] == "Homework"


def test_it_does_not_match_when_a_fixed_part_is_missing_or_out_of_order():
    assert match(SKYWARD, "Grading category Homework not found in Aeries for section 1") is None
    assert (
        match(
            "Student [x] was not enrolled in Section for Assignment [y]",
            "Assignment 2 for Section was not enrolled Student 1",
        )
        is None
    )


def test_it_tells_near_twins_apart_by_wording():
    aeries = "Grading category [xxxxxx] not found in OneRoster for [xxxxxx]. Please ensure that your assignment categories match between OneRoster and Canvas. Available grading categories are: [xxxxxxx]"
    aspen = 'Grading category "[Canvas assignment group name]" not found in Aspen for assignment "[assignment name]". Please ensure that your assignment categories/groups match between Aspen and Canvas.'
    paste = 'Grading category "Labs" not found in Aspen for assignment "Lab 2". Please ensure that your assignment categories/groups match between Aspen and Canvas.'
    assert match(aspen, paste) is not None
    assert match(aeries, paste) is None


def test_it_scores_typos_and_fragments_fuzzily():
    template = compile_template("Gradebook number does not match.")
    typo = fuzzy_match(template, PreparedPaste(normalize("gradebok numbr does not mach")), flat)
    unrelated = fuzzy_match(template, PreparedPaste(normalize("the projector does not turn on")), flat)
    assert typo.score > 0.5 > unrelated.score


def test_it_stays_linear_on_a_long_repetitive_paste():
    paste = ("category " * 2500) + "not found"
    assert match("Grading category [x] not found in Skyward for section [y]", paste) is None


def test_it_ranks_exact_over_fuzzy_and_says_when_it_is_not_confident():
    candidates = [
        Candidate(1, "skyward", "Skyward", "Grading Category Not Found", "a", SKYWARD),
        Candidate(2, "synergy", "Synergy", "No Grading Period Found", "b", "No Grading Period Found"),
    ]
    ranking = rank(
        candidates,
        normalize(
            'Grading category "HW" not found in Skyward for section 1. Please ensure that your assignment categories match between Skyward and Canvas. Available grading categories are: X'
        ),
        flat,
    )
    assert ranking.confident and ranking.results[0].candidate.id == 1 and ranking.results[0].kind == "exact"
    ranking = rank(candidates, normalize("Out of office until Monday"), flat)
    assert not ranking.confident


def test_it_ranks_a_shared_message_together_unless_a_vendor_is_named():
    shared = "Assignment with app id [xxxxxx] cannot be created for section with app id blank"
    candidates = [
        Candidate(1, "infinite-campus", "Infinite Campus", "Assignment ID Error", "a", shared),
        Candidate(2, "powerschool", "PowerSchool", "App ID Error", "b", shared),
    ]
    paste = normalize("Assignment with app id 12345 cannot be created for section with app id blank")
    assert rank(candidates, paste, flat).shared_vendors == ["infinite-campus", "powerschool"]
    hinted = rank(candidates, paste, flat, vendor_hint="powerschool")
    assert hinted.shared_vendors == [] and hinted.results[0].candidate.vendor_slug == "powerschool"


def test_it_detects_the_vendor_from_names_and_aliases():
    vendors = [VendorNames("powerschool", ("PowerSchool", "PTP")), VendorNames("skyward", ("Skyward",))]
    assert detect_vendor(normalize("Student with sis_user_id=null does not exist in PTP"), vendors) == "powerschool"
    assert detect_vendor(normalize("nothing here"), vendors) is None


def test_it_marks_the_variable_parts_for_display():
    parts = display_parts("Assignment not found: [assignment name]")
    assert parts == [("Assignment not found: ", False), ("[assignment name]", True)]


# Pastes written by hand, with other values than the source's examples: each must be an
# exact match of the fixture's message (or a variant) with the values under the right labels.

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def fixture_texts(vendor: str, slug: str) -> list[str]:
    entries = json.loads((FIXTURES / f"{vendor}.json").read_text(encoding="utf-8"))["entries"]
    (entry,) = [e for e in entries if e["slug"] == slug]
    return [entry["message"], *entry["variants"]]


def exact_values(vendor: str, slug: str, paste: str) -> dict[str, str]:
    """The values, by the label a teacher reads, of the first of the entry's texts the paste matches exactly."""
    prepared = PreparedPaste(normalize(paste))
    matches = [exact_match(compile_template(text), prepared) for text in fixture_texts(vendor, slug)]
    found = next(m for m in matches if m is not None)
    return {slot_label(name, value): value for name, value in found.params.items()}


def test_it_matches_a_teacher_category_id_other_than_the_example():
    paste = (
        "Details: HTTP response HTTP/1.1 409 Conflict response:\n"
        '{"message":"TeacherCategoryID is not active or does not belong to lead teacher\n'
        'for Section","errors":[{"resource":"AssignmentService","field":"Sections.Dcid","code"\n'
        ':"301877"},{"resource":"AssignmentService","field":\n'
        '"TeacherCategory.TeacherCategoryId","code":"8140"}]}'
    )
    values = exact_values("powerschool", "409-error-teacher-category-id", paste)
    assert values == {"Section ID": "301877", "Grading category ID": "8140"}
    paste = (
        'response: {"message":"TeacherCategoryID is not active or does not belong to lead teacher For Section",'
        '"errors":[{"resource":"AssignmentService","field":"Sections.Dcid","code":"263054"},'
        '{"resource":"AssignmentService","field":"TeacherCategory.TeacherCategoryId","code":"11876"}]}'
    )
    values = exact_values("powerschool", "teacher-category-id-not-active", paste)
    assert values == {"Section ID": "263054", "Grading category ID": "11876"}


def test_it_matches_a_sapphire_object_with_real_dates_ids_and_points():
    paste = (
        'Bad Request - The Request body is missing category. Object Passed: {"resultValueMin":0,"status":"active",'
        '"gradingPeriod":"","description":"Imported from Canvas: https://lincolnsd.instructure.com/courses/48213/'
        'assignments/771204","category":"","sourcedId":"canvas-771204","title":"Unit 4 Test: Fractions",'
        '"class":{"sourcedId":"CLASS-3F9C2D17-8B4E-4A61-9D05-E72B1C6A48F0","href":"https://sapphire.example.org/'
        'classes/3F9C2D17","type":"class"},"assignDate":"2025-01-13T00:00:00","metadata":{"vendorId":""},'
        '"dueDate":"2025-01-24T00:00:00","resultValueMax":20}'
    )
    values = exact_values("sapphire", "bad-request", paste)
    assert values["Assignment ID"] == "canvas-771204"
    assert values["Assignment"] == "Unit 4 Test: Fractions"
    assert values["Section ID"] == "CLASS-3F9C2D17-8B4E-4A61-9D05-E72B1C6A48F0"
    assert values["Assign date"] == "2025-01-13T00:00:00"
    assert values["Due date"] == "2025-01-24T00:00:00"
    assert values["Maximum score"] == "20"
    assert values["Canvas link"] == "https://lincolnsd.instructure.com/courses/48213/assignments/771204"
    assert "Grading category" not in values


def test_it_matches_a_letter_grade_where_aspen_wants_a_number():
    paste = (
        "com.follett.fss.vithar.core.ValidationException:\n\u2018A+\u2019 is not a valid value for java.math.BigDecimal"
    )
    assert exact_values("aspen", "validation-exception", paste) == {"Score": "A+"}


def test_it_takes_the_export_error_text_as_a_value():
    paste = "ASSIGNMENT_SCORES_EXPORT - 7c4e1f20-3b9a-4d6e-8f51-2a0c9b7d3e64 - dueDate must not be null"
    values = exact_values("infinite-campus", "assignment-scores-export-error", paste)
    assert values == {"Sync job ID": "7c4e1f20-3b9a-4d6e-8f51-2a0c9b7d3e64", "Error text": "dueDate must not be null"}


def test_it_is_no_exact_match_when_a_message_is_cut_before_its_last_value():
    paste = "ASSIGNMENT_SCORES_EXPORT - 7c4e1f20-3b9a-4d6e-8f51-2a0c9b7d3e64 -"
    template = compile_template(fixture_texts("infinite-campus", "assignment-scores-export-error")[0])
    assert exact_match(template, PreparedPaste(normalize(paste))) is None


def test_it_matches_the_section_wording_of_the_submission_export_error():
    for word in ("selection", "section"):
        paste = f"Cannot export Canvas submission in {word} 58812 assignment 30417762 for student 240118"
        values = exact_values("infinite-campus", "cannot-export-canvas-submission-in-section", paste)
        assert values == {"Section": "58812", "Assignment ID": "30417762", "Student ID": "240118"}


def test_it_matches_another_last_known_state():
    paste = "Grade exchange has not finished in the given time, cancelling. Last known state is: 2."
    assert exact_values("powerschool", "grade-exchange-not-finished", paste) == {"Last known state": "2"}


def test_it_matches_another_grade_scale_id():
    paste = (
        "COLLECTION_GENERIC - 5a9c2e17-b3d4-4f86-9e0a-71c4d8b2f5a3 - HTTP response HTTP/1.1\n"
        "409 Conflict response:\n"
        "{\u201cmessage\u201d:\u201cActualScoreGradeScaleId 12 is not valid for Section with Id: 20817"
    )
    values = exact_values("powerschool", "409-error-actual-score-grade-scale-id", paste)
    assert values == {
        "Sync job ID": "5a9c2e17-b3d4-4f86-9e0a-71c4d8b2f5a3",
        "Grade scale ID": "12",
        "Section ID": "20817",
    }


def test_it_matches_another_patient_and_another_resource_type():
    paste = (
        '{"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "not-found", '
        '"details": {"text": "Unknown Patient resource \'3f9d2e71c04b4a58b6e2d9a1c7f05b34\'"}}]}'
    )
    assert exact_values("canvas-medical", "404-not-found", paste) == {"Resource ID": "3f9d2e71c04b4a58b6e2d9a1c7f05b34"}
    paste = paste.replace("Patient", "Appointment")
    values = exact_values("canvas-medical", "404-not-found", paste)
    assert values == {"Resource type": "Appointment", "Resource ID": "3f9d2e71c04b4a58b6e2d9a1c7f05b34"}


def test_it_matches_a_character_other_than_a_space():
    for character in ("U", "}", "\u00e9"):
        paste = f'{{"message":"invalid character \'{character}\' in string escape code"}}'
        values = exact_values("clever", "invalid-character-in-request-body", paste)
        assert values == {"Character": character}
    paste = "invalid character ',' looking for beginning of value"
    assert exact_values("clever", "missing-field-value-in-json", paste) == {"Character": ","}


def test_it_keeps_the_clever_list_of_submission_types_fixed_through_a_line_break():
    texts = fixture_texts("clever", "missing-submission-types")
    assert "link file text discussion" in " ".join(compile_template(texts[0]).fixed_tokens)
    for paste in (
        '{"message":"validation failure list:\\nsubmission_types.0 in body should be one of [link file text discussion]"}',
        "validation failure list:\nsubmission_types.0 in body should be one of [link file\ntext discussion]",
    ):
        assert exact_values("clever", "missing-submission-types", paste) == {}
    paste = "validation failure list:\nsubmission_types.0 in body should be one of [link file quiz]"
    assert all(exact_match(compile_template(t), PreparedPaste(normalize(paste))) is None for t in texts)


def test_it_matches_the_fields_clever_says_are_missing():
    paste = 'HTTP/1.1 400 Bad Request\n{"message":"missing required field(s): title, due_date"}'
    assert exact_values("clever", "missing-required-fields", paste) == {"Missing fields": "title, due_date"}


def test_it_names_two_slots_of_one_message_after_what_they_hold():
    template = compile_template("Student [xxxxx] was not enrolled in Section for Assignment [xxxxxx]")
    assert template.slot_names == ("", "student_id", "assignment")
    template = compile_template("Assign date, [xxxxxxx] is not within; Actual due date, [xxxxxx], is not within")
    assert template.slot_names == ("", "assign_date", "due_date", "")
    template = compile_template('"error":"API route not found: GET /results/[id]/[id]}')
    assert [slot.name for slot in template.gaps[-1]] == ["result_id", "other_result_id"]
    found = match(
        '"error":"API route not found: GET /results/[id]/[id]}',
        '"error":"API route not found: GET /results/88213/40112}',
    )
    assert found is not None and found.params == {"result_id": "88213", "other_result_id": "40112"}


def test_it_keeps_http_statuses_in_json_fixed():
    template = compile_template('{"request_id":11410981,"status":404,"error":"API route not found"}')
    assert "404" in template.fixed_tokens and "11410981" not in template.fixed_tokens
    assert (
        match(
            '{"request_id":[x],"status":404,"error":"not found"}', '{"request_id":77,"status":422,"error":"not found"}'
        )
        is None
    )


@pytest.mark.parametrize(
    "text",
    [
        'Grading category "Homework" not found in Skyward for section 1021.2.004 (ALG 1).',
        "Straße İSTANBUL ǅemal ﬁnal_score x_y__z ٣٤ ²",
        "EXCHANGE_ERROR_NON_RETRYABLE: «Score» – 12,5 %",
    ],
)
def test_it_reads_the_same_words_as_the_tokens_it_locates(text):
    paste = normalize(text)
    assert paste.words == tuple(token.text for token in paste.tokens)
    assert all(paste.display[token.start : token.end].casefold() == token.text for token in paste.tokens)
