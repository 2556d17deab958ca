"""The lifecycle table: its shape, and the diagram rendered from it."""

from __future__ import annotations

from govbiz.domain.lifecycle import (
    ACTION_ROLES,
    FINAL_STATES,
    TRANSITIONS,
    Action,
    ProblemState,
    find_transition,
    mermaid_diagram,
    transitions_from,
)


def test_every_action_has_a_row_and_roles() -> None:
    assert {t.action for t in TRANSITIONS} == set(Action)
    assert set(ACTION_ROLES) == set(Action)
    assert all(ACTION_ROLES[a] for a in Action)


def test_every_state_is_reachable_from_collection() -> None:
    reached = {ProblemState.COLLECTED}
    frontier = [ProblemState.COLLECTED]
    while frontier:
        state = frontier.pop()
        for row in transitions_from(state):
            if row.target is not None and row.target not in reached:
                reached.add(row.target)
                frontier.append(row.target)
    assert reached == set(ProblemState)


def test_final_states_have_no_state_changing_action() -> None:
    for state in FINAL_STATES:
        assert all(row.target is None for row in transitions_from(state)), state


def test_each_action_and_outcome_is_unambiguous_from_every_state() -> None:
    for state in ProblemState:
        seen: set[tuple[Action, str]] = set()
        for row in transitions_from(state):
            key = (row.action, row.outcome)
            assert key not in seen, (state, key)
            seen.add(key)


def test_branching_actions_pick_the_row_by_outcome() -> None:
    satisfied = find_transition(Action.RETURN_VISIT, ProblemState.RESULT_REPORTED, "satisfied")
    unsatisfied = find_transition(Action.RETURN_VISIT, ProblemState.RESULT_REPORTED, "unsatisfied")
    assert satisfied is not None and satisfied.target is ProblemState.CLOSED
    assert unsatisfied is not None and unsatisfied.target is ProblemState.REDO
    long_term = find_transition(Action.REPORT_RESULT, ProblemState.IN_PROGRESS, "long_term")
    assert long_term is not None and long_term.target is ProblemState.LONG_TERM
    assert find_transition(Action.REPORT_RESULT, ProblemState.LONG_TERM, "long_term") is None
    assert find_transition(Action.SIGN, ProblemState.COLLECTED) is None
    assert find_transition(Action.COLLECT, None) is not None


def test_diagram_has_every_state_changing_edge() -> None:
    diagram = mermaid_diagram()
    assert diagram.startswith("stateDiagram-v2\n")
    assert "[*] --> collected: collect" in diagram
    assert "result_reported --> closed: return_visit (satisfied)" in diagram
    assert "result_reported --> redo: return_visit (unsatisfied)" in diagram
    assert "returned --> assigned: reassign" in diagram
    for state in ProblemState:
        assert f"{state.value}: {state.value} {state.label_zh}" in diagram
    # Actions that keep the state are not edges.
    assert "request_extension" not in diagram
    assert "remind" not in diagram
