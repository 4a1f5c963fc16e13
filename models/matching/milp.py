"""The matcher's MILP for one independent part of a batch, and how HiGHS solves it within a proven gap.

Imports NumPy and HiGHS: models/matching/solver.py imports this module only when it solves, so a
process that never matches (a flow run waiting on a person) does not load them. The model and
why it is exact are in docs/matching.md; in short, with x[f,c] only where f breaks no hard rule:

    sum_f x[f,c] = 2 s[c]                       a team is two people, or nobody
    sum_{f from home h} x[f,c] <= s[c]          two different home communes; for a home with one
                                                eligible person this is x[f,c] <= s[c], which the
                                                model needs no more than the last one but which
                                                makes its LP relaxation tight (measured: the LP
                                                bound falls from 3,944 to 3,934 on all of Mali,
                                                whose optimum is 3,933 or 3,934)
    sum_{f speaks l} x[f,c] >= s[c]             every session language is spoken in the team
    w[c] <= sum_{women f} x[f,c],  w[c] <= s[c]
    sum_c x[f,c] + sum_{c f is incumbent of} (1 - s[c]) = sum_k y[f,k]     capacity and workload

How it is solved (`solve_part`): the LP relaxation first; its optimum is a proven bound. The
cycles the LP staffs or leaves whole (every x and s integral) are kept as they are and a small
MILP decides the few fractional ones: a feasible batch, whose distance to the bound is a proven
gap (when it is under one staffed cycle's reward, no batch staffs more, and the LP is solved again
with the staffing capped at that count, which tightens the bound on the score). When that gap is
within the policy's `mip_gap`, that is the answer; otherwise the whole MILP is solved from that
batch (a warm start) until the gap is reached or the time limit stops it.

Kept over 300 lines on purpose: the model's rows and the three steps that solve it read together.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

import highspy
import numpy as np

from models.matching.hard_rules import Candidate, CycleNeed
from models.matching.scores import extra_cycle_cost, member_score
from models.policy import MatchingPolicy

INTEGRAL = 1e-6
"""How far from 0 or 1 an LP value may be and still count as integral."""


@dataclass
class Model:
    """The MILP of one part, in HiGHS's row-wise form."""

    cycles: list[int]
    pairs: list[tuple[int, int]]
    """(cycle id, facilitator id) of each x column, in column order."""
    cost: np.ndarray
    row_start: list[int]
    row_index: list[int]
    row_value: list[float]
    row_lower: list[float]
    row_upper: list[float]
    reward: float
    """What one staffed cycle earns: more than the whole range the scores can span."""

    @property
    def n_x(self) -> int:
        return len(self.pairs)

    @property
    def n_cols(self) -> int:
        return len(self.cost)

    def s_col(self, i: int) -> int:
        return self.n_x + i

    def s_columns(self) -> np.ndarray:
        return np.arange(self.n_x, self.n_x + len(self.cycles), dtype=np.int32)

    def staffed(self, values: np.ndarray, *, exact: bool = False) -> float:
        """Cycles staffed in `values` (rounded, unless `exact`: an LP's fractional count)."""
        total = float(values[self.n_x : self.n_x + len(self.cycles)].sum())
        return total if exact else round(total)

    def cap_staffing(self, most: float) -> None:
        """Add the row sum_c s[c] <= most (valid once `most` is proven the maximum)."""
        columns = self.s_columns().tolist()
        self.row_index.extend(columns)
        self.row_value.extend([1.0] * len(columns))
        self.row_start.append(len(self.row_index))
        self.row_lower.append(-highspy.kHighsInf)
        self.row_upper.append(most)

    def lp(
        self, lower: np.ndarray | None = None, upper: np.ndarray | None = None
    ) -> highspy.HighsLp:
        lp = highspy.HighsLp()
        lp.num_col_ = self.n_cols
        lp.num_row_ = len(self.row_lower)
        lp.col_cost_ = self.cost
        lp.col_lower_ = np.zeros(self.n_cols) if lower is None else lower
        lp.col_upper_ = np.ones(self.n_cols) if upper is None else upper
        lp.row_lower_ = np.array(self.row_lower)
        lp.row_upper_ = np.array(self.row_upper)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = np.array(self.row_start, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(self.row_index, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(self.row_value)
        return lp


def build(
    needs: list[CycleNeed],
    people: dict[int, Candidate],
    eligible: dict[int, list[int]],
    weights: MatchingPolicy,
) -> Model:
    """The MILP of these cycles and the people eligible for them."""
    cycles = [n.cycle_id for n in needs]
    pairs = [(n.cycle_id, f) for n in needs for f in eligible[n.cycle_id]]
    n_x, n_c = len(pairs), len(cycles)
    used = sorted({f for _, f in pairs})
    y_of: dict[tuple[int, int], int] = {}
    for f in used:
        for k in range(1, people[f].capacity_left + 1):
            y_of[(f, k)] = n_x + 2 * n_c + len(y_of)
    cost = np.zeros(n_x + 2 * n_c + len(y_of))
    start, index, value, lower, upper = [0], [], [], [], []
    inf = highspy.kHighsInf

    def row(columns: list[int], values: list[float], lo: float, hi: float) -> None:
        index.extend(columns)
        value.extend(values)
        start.append(len(index))
        lower.append(lo)
        upper.append(hi)

    by_person: dict[int, list[int]] = defaultdict(list)
    best_max = 0.0  # the most points any batch can score, for the reward below
    column = 0
    for i, need in enumerate(needs):
        s, w = n_x + i, n_x + n_c + i
        xs = list(range(column, column + len(eligible[need.cycle_id])))
        column += len(xs)
        homes: dict[str, list[int]] = defaultdict(list)
        women: list[int] = []
        for j in xs:
            person = people[pairs[j][1]]
            by_person[person.id].append(j)
            cost[j] = -member_score(need, person, weights)
            homes[person.home_commune].append(j)
            if person.sex == "F":
                women.append(j)
        row([*xs, s], [1.0] * len(xs) + [-2.0], 0.0, 0.0)
        for group in homes.values():
            row([*group, s], [1.0] * len(group) + [-1.0], -inf, 0.0)
        for language in sorted(need.session_languages):
            speakers = [j for j in xs if language in people[pairs[j][1]].languages]
            row([*speakers, s], [1.0] * len(speakers) + [-1.0], 0.0, inf)
        row([w, *women], [1.0] + [-1.0] * len(women), -inf, 0.0)
        row([w, s], [1.0, -1.0], -inf, 0.0)  # a half-staffed cycle earns no whole bonus
        cost[w] = -weights.woman_in_team
        best_max += 2 * max((-cost[j] for j in xs), default=0.0) + weights.woman_in_team
    # An incumbent stays on their cycle's team when the cycle is left unstaffed, so they hold one
    # of their seats then: seats used = sum_c x[f,c] + sum_{c they are incumbent of} (1 - s[c]).
    held: dict[int, list[int]] = defaultdict(list)
    for i, need in enumerate(needs):
        for f in need.incumbents:
            if f in eligible[need.cycle_id]:
                held[f].append(i)
    for f in used:
        if len(held[f]) > people[f].capacity_left:
            del held[f]  # over capacity already: the caller must release them (team.py)
        slots = [y_of[(f, k)] for k in range(1, people[f].capacity_left + 1)]
        for k, j in enumerate(slots, start=1):
            cost[j] = extra_cycle_cost(people[f], k, weights)
        row(
            by_person[f] + slots + [n_x + i for i in held[f]],
            [1.0] * len(by_person[f]) + [-1.0] * (len(slots) + len(held[f])),
            -len(held[f]),
            -len(held[f]),
        )
    # Lexicographic in one solve: a staffed cycle is worth more than the whole score range, so no
    # loss of a cycle can ever buy points. Scores lie in [-workload_max, best_max].
    reward = best_max + float(sum(cost[j] for j in y_of.values())) + 1.0
    cost[n_x : n_x + n_c] = -reward
    return Model(cycles, pairs, cost, start, index, value, lower, upper, reward)


@dataclass
class Answer:
    values: np.ndarray | None
    """Column values of the best batch found (None when none was)."""
    objective: float
    bound: float
    """A proven lower bound on the minimised objective."""
    timed_out: bool
    score: float = 0.0
    """The batch's points: the objective less the staffed cycles' rewards, sign turned."""


def solve_part(model: Model, weights: MatchingPolicy, *, deadline: float) -> Answer:
    """Solve within the policy's gap (relative to the score), or until `deadline`."""
    relaxed = _highs(deadline)
    relaxed.passModel(model.lp())
    relaxed.run()
    if relaxed.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return _whole(model, weights, None, -np.inf, deadline)
    bound = float(relaxed.getInfo().objective_function_value)
    lp_values = np.array(relaxed.getSolution().col_value)
    rounded = _round(model, lp_values, deadline)
    if (
        rounded is not None
        and rounded.values is not None
        and rounded.objective - bound < model.reward
    ):
        # No batch staffs more cycles than this one (that would take a whole reward past the
        # bound). When the LP staffed a fraction more (an odd seat, say), that fraction hides
        # the scores' bound: the LP again with the staffing capped gives the bound on the score.
        staffed = model.staffed(rounded.values)
        if model.staffed(lp_values, exact=True) > staffed + INTEGRAL:
            model.cap_staffing(staffed)
            columns = model.s_columns()
            relaxed.addRow(
                -highspy.kHighsInf, staffed, len(columns), columns, np.ones(len(columns))
            )
            relaxed.run()
            if relaxed.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                bound = max(bound, float(relaxed.getInfo().objective_function_value))
    if rounded is not None and _within(weights, rounded, bound):
        return Answer(rounded.values, rounded.objective, bound, rounded.timed_out, rounded.score)
    return _whole(model, weights, rounded, bound, deadline)


def _round(model: Model, lp_values: np.ndarray, deadline: float) -> Answer | None:
    """Keep every cycle the LP left whole; a MILP over the fractional rest (small: presolve drops
    the fixed columns)."""
    lower, upper = np.zeros(model.n_cols), np.ones(model.n_cols)
    by_cycle: dict[int, list[int]] = defaultdict(list)
    for j, (cycle, _person) in enumerate(model.pairs):
        by_cycle[cycle].append(j)
    for i, cycle in enumerate(model.cycles):
        columns = [*by_cycle[cycle], model.s_col(i)]
        values = lp_values[columns]
        if np.all(np.minimum(values, 1 - values) < INTEGRAL):
            lower[columns] = upper[columns] = np.round(values)
    highs = _highs(deadline)
    highs.passModel(_integer(model, model.lp(lower, upper)))
    highs.run()
    return _answer(model, highs)


def _whole(
    model: Model, weights: MatchingPolicy, start: Answer | None, bound: float, deadline: float
) -> Answer:
    highs = _highs(deadline)
    highs.passModel(_integer(model, model.lp()))
    if start is not None and start.values is not None:
        solution = highspy.HighsSolution()
        solution.col_value = list(start.values)
        solution.value_valid = True
        highs.setSolution(solution)
    # The gap is relative to the score, not to the rewards: an absolute gap in points.
    score = start.score if start is not None else 0.0
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.setOptionValue("mip_abs_gap", max(1e-6, weights.mip_gap * abs(score)))
    highs.run()
    found = _answer(model, highs)
    if found is None:
        return start or Answer(None, np.inf, bound, True)
    best = found if start is None or found.objective <= start.objective else start
    return Answer(best.values, best.objective, max(bound, found.bound), found.timed_out, best.score)


def _highs(deadline: float) -> highspy.Highs:
    highs = highspy.Highs()  # type: ignore[no-untyped-call]
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("time_limit", max(0.01, deadline - time.monotonic()))
    return highs


def _integer(model: Model, lp: highspy.HighsLp) -> highspy.HighsLp:
    integrality = [highspy.HighsVarType.kContinuous] * model.n_cols
    for j in range(model.n_x + len(model.cycles)):
        integrality[j] = highspy.HighsVarType.kInteger
    lp.integrality_ = integrality
    return lp


def _answer(model: Model, highs: highspy.Highs) -> Answer | None:
    info = highs.getInfo()
    if info.primal_solution_status != highspy.SolutionStatus.kSolutionStatusFeasible:
        return None
    values = np.array(highs.getSolution().col_value)
    objective = float(info.objective_function_value)
    staffed = model.staffed(values)
    return Answer(
        values,
        objective,
        float(info.mip_dual_bound),
        highs.getModelStatus() == highspy.HighsModelStatus.kTimeLimit,
        -(objective + model.reward * staffed),
    )


def _within(weights: MatchingPolicy, found: Answer, bound: float) -> bool:
    """Whether `found` is within the policy's gap of `bound`, relative to its score."""
    return found.objective - bound <= max(1e-6, weights.mip_gap * abs(found.score))
