"""The matcher alone: no database."""

from errors_kb.matching.normalize import normalize
from errors_kb.matching.rank import Candidate, VendorNames, detect_vendor, rank
from errors_kb.matching.scoring import PreparedPaste, exact_match, fuzzy_match
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
    assert normalize("ＧＲＡＤＩＮＧ category\n\n  not\tfound").words == ["grading", "category", "not", "found"]
    assert normalize("EXCHANGE_ERROR_NON_RETRYABLE - x").words == ["exchange_error_non_retryable", "x"]


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
