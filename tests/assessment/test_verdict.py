"""The verdict function is pure: properties over random assessments, then the worked examples."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.verdict import AnswerFacts, compute_verdict, deadline_state, finding_deadline

LEVELS = ["bloquante", "majeure", "mineure", "sans-seuil"]
RESULTS = ["conforme", "partiel", "non_conforme", "non_applicable", "non_evalue"]

answers_st = st.lists(
    st.builds(AnswerFacts, key=st.text(min_size=1, max_size=6), result=st.sampled_from(RESULTS), level=st.sampled_from([*LEVELS, None])),
    max_size=40,
)
thresholds_st = st.dictionaries(st.sampled_from(LEVELS[:3]), st.integers(min_value=0, max_value=5))
# The machine is shared: a slow example is not a failure of the verdict.
relaxed = settings(deadline=None)


@relaxed
@given(answers_st, thresholds_st, st.sampled_from(["partiel", "non_conforme"]), st.sampled_from([*LEVELS, None]))
def test_adding_a_finding_never_turns_non_conformant_into_conformant(answers, thresholds, result, level):
    before = compute_verdict(answers, thresholds)
    after = compute_verdict([*answers, AnswerFacts("NEW", result, level)], thresholds)
    if not before.conformant:
        assert not after.conformant


@relaxed
@given(st.lists(st.builds(AnswerFacts, key=st.text(max_size=4), result=st.sampled_from(["conforme", "non_applicable", "non_evalue"]), level=st.sampled_from(LEVELS)), max_size=30), thresholds_st)
def test_without_findings_the_verdict_is_conformant(answers, thresholds):
    verdict = compute_verdict(answers, thresholds)
    assert verdict.conformant
    assert verdict.tipping == ()


@relaxed
@given(st.integers(min_value=0, max_value=10), st.sampled_from(["partiel", "non_conforme"]), st.sampled_from(LEVELS[:3]))
def test_thresholds_are_respected_at_n_and_n_plus_one(n, result, level):
    findings = [AnswerFacts(f"K{i}", result, level) for i in range(n)]
    assert compute_verdict(findings, {level: n}).conformant
    tipped = compute_verdict([*findings, AnswerFacts("K-last", result, level)], {level: n})
    assert not tipped.conformant
    assert set(tipped.tipping) == {f"K{i}" for i in range(n)} | {"K-last"}


@relaxed
@given(answers_st, thresholds_st)
def test_the_tipping_findings_are_exactly_those_of_exceeded_levels(answers, thresholds):
    verdict = compute_verdict(answers, thresholds)
    assert verdict.conformant == (not verdict.tipping)
    exceeded = {count.level for count in verdict.counts if count.exceeded}
    expected = [a.key for a in answers if a.result in ("partiel", "non_conforme") and a.level in exceeded]
    assert sorted(verdict.tipping) == sorted(expected)


def test_a_partial_answer_counts_as_a_finding_of_its_level():
    verdict = compute_verdict([AnswerFacts("MSS 1", "partiel", "bloquante")], {"bloquante": 0})
    assert not verdict.conformant
    assert verdict.tipping == ("MSS 1",)


def test_a_level_without_threshold_never_tips_the_verdict():
    verdict = compute_verdict([AnswerFacts(f"K{i}", "non_conforme", "mineure") for i in range(50)], {"bloquante": 0})
    assert verdict.conformant
    assert [(c.level, c.findings, c.max_findings) for c in verdict.counts] == [("bloquante", 0, 0), ("mineure", 50, None)]


def test_the_deadline_counts_from_the_later_of_in_force_and_finding_dates():
    in_force, found = date(2026, 1, 15), date(2026, 3, 1)
    assert finding_deadline(in_force_on=in_force, found_on=found, delay_days=180) == found + timedelta(days=180)
    assert finding_deadline(in_force_on=found, found_on=in_force, delay_days=180) == found + timedelta(days=180)
    assert finding_deadline(in_force_on=None, found_on=found, delay_days=10) == found + timedelta(days=10)


def test_a_level_without_delay_gives_no_deadline():
    assert finding_deadline(in_force_on=date(2026, 1, 1), found_on=date(2026, 2, 1), delay_days=None) is None


def test_an_open_finding_past_its_deadline_is_overdue_and_a_late_plan_stands_out():
    deadline = date(2026, 6, 30)
    state = deadline_state(deadline=deadline, planned_date=date(2026, 7, 1), today=date(2026, 7, 1))
    assert state.overdue and state.planned_too_late
    on_time = deadline_state(deadline=deadline, planned_date=deadline, today=deadline)
    assert not on_time.overdue and not on_time.planned_too_late
