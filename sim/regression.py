"""KPI baselines and regression checks: did a change move a KPI, or only the random numbers?

A baseline keeps, per variant (and sweep point) and KPI, the mean, standard deviation,
replication count and 95% interval of one run, and the same for each variant's paired
difference from the reference. A check runs the scenario again and compares every one of them
with Welch's t-test (the two runs are independent sets of replications of unknown, possibly
different variance). With dozens of KPIs, one test at 1% would raise a false alarm in most
checks, so the p-values are adjusted together (Holm): the chance that a check of an unchanged
model fails at all is at most the scenario's ``regression.significance``. A KPI fails only when
its change is significant *and* larger than the tolerances the ``regression`` section sets.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from sim.experiment import Experiment
from sim.scenario import RegressionSpec, Scenario

FORMAT = 1  # the baseline file's layout version
# not part of what a baseline is a baseline *of*: how long or with which seed it was run, the
# words about it, and the tolerances it is checked with
NOT_THE_MODEL = {"description", "regression"}
RUN_SETTINGS = {"replications", "seed"}


class BaselineError(Exception):
    """A baseline that is missing, unreadable, or for another scenario (exit code 2)."""


@dataclass(frozen=True)
class Stat:
    mean: float
    sd: float
    n: int

    @classmethod
    def of(cls, values: np.ndarray) -> Stat:
        values = values[~np.isnan(values)]
        n = len(values)
        mean = float(values.mean()) if n else math.nan
        sd = float(values.std(ddof=1)) if n > 1 else (0.0 if n == 1 else math.nan)
        return cls(mean, sd, n)

    def interval(self) -> tuple[float, float]:
        if self.n < 2:
            return (self.mean, self.mean)
        half = float(stats.t.ppf(0.975, self.n - 1)) * self.sd / math.sqrt(self.n)
        return (self.mean - half, self.mean + half)


@dataclass
class Baseline:
    scenario: str
    scenario_hash: str
    sections: dict[str, str]
    seed: int
    replications: int
    version: str
    date: str
    # group (variant, or "variant @ parameter=value" at a sweep point) -> KPI -> statistic
    levels: dict[str, dict[str, Stat]]
    # the same for each group's paired difference from the reference at its point
    differences: dict[str, dict[str, Stat]] = field(default_factory=dict)


# -- fingerprints ---------------------------------------------------------------------------


def _digest(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def fingerprint(scenario: Scenario) -> tuple[str, dict[str, str]]:
    """A hash of the model the scenario describes, and one per top-level section, so a check
    can say which sections changed. The seed, replication count, description and regression
    tolerances are not part of it: changing them changes no model."""
    data = scenario.model_dump(mode="json", by_alias=True)
    for key in NOT_THE_MODEL:
        data.pop(key, None)
    run = data.get("run", {})
    for key in RUN_SETTINGS:
        run.pop(key, None)
    if data.get("sweep"):
        data["sweep"].pop("show", None)  # what `sim run` prints
    sections = {key: _digest(value)[:12] for key, value in sorted(data.items())}
    return _digest(data), sections


# -- from an experiment ---------------------------------------------------------------------


def _groups(experiment: Experiment) -> list[tuple[str, str, pd.DataFrame]]:
    """(group label, reference label, its rows) for every variant at every sweep point."""
    kpis = experiment.kpis
    reference = experiment.reference
    if "point" not in kpis:
        return [(str(v), reference, g) for v, g in kpis.groupby("variant", sort=False)]
    labels = {
        index: ", ".join(f"{k}={v}" for k, v in values.items())
        for index, (values, _) in enumerate(experiment.scenario.sweep_points())
    }
    out = []
    for (at, variant), group in kpis.groupby(["point", "variant"], sort=False):
        where = labels[int(at)]  # type: ignore[call-overload]
        out.append((f"{variant} @ {where}", f"{reference} @ {where}", group))
    return out


def kpi_names(kpis: pd.DataFrame) -> list[str]:
    """The catalogue's KPIs among the columns (a sweep adds its parameters as columns)."""
    from sim.kpi import BY_NAME

    return [c for c in kpis.columns if c in BY_NAME]


def measure(
    experiment: Experiment,
) -> tuple[dict[str, dict[str, Stat]], dict[str, dict[str, Stat]]]:
    """Per group and KPI, the statistics of the levels and of the paired differences from the
    reference (none for the reference itself)."""
    groups = _groups(experiment)
    by_label = {label: rows.set_index("replication").sort_index() for label, _, rows in groups}
    names = kpi_names(experiment.kpis)
    levels: dict[str, dict[str, Stat]] = {}
    differences: dict[str, dict[str, Stat]] = {}
    for label, reference, _ in groups:
        rows = by_label[label]
        levels[label] = {k: Stat.of(rows[k].to_numpy(dtype=float)) for k in names}
        if label != reference:
            ref = by_label[reference]
            differences[label] = {
                k: Stat.of((rows[k] - ref[k]).to_numpy(dtype=float)) for k in names
            }
    return levels, differences


def package_version() -> str:
    try:
        return metadata.version("iot-supply-sim")
    except metadata.PackageNotFoundError:
        return "unknown"


def baseline_of(experiment: Experiment) -> Baseline:
    scenario = experiment.scenario
    digest, sections = fingerprint(scenario)
    levels, differences = measure(experiment)
    return Baseline(
        scenario=scenario.name,
        scenario_hash=digest,
        sections=sections,
        seed=scenario.run.seed,
        replications=scenario.run.replications,
        version=package_version(),
        date=dt.date.today().isoformat(),
        levels=levels,
        differences=differences,
    )


# -- the file -------------------------------------------------------------------------------


MEAN_DIGITS = 12  # the mean exactly enough that rounding never looks like a change
SPREAD_DIGITS = 6  # the sd and interval for reading


def _number(value: float, digits: int = SPREAD_DIGITS) -> float | None:
    if math.isnan(value):
        return None
    return float(f"{value:.{digits}g}")


def _stat_data(stat: Stat) -> dict[str, Any]:
    low, high = stat.interval()
    return {
        "mean": _number(stat.mean, MEAN_DIGITS),
        "sd": _number(stat.sd),
        "n": stat.n,
        "ci95": [_number(low), _number(high)],
    }


class _FlowDumper(yaml.SafeDumper):
    """Block style for the structure, one line per KPI."""


def _represent_dict(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.Node:
    flow = all(not isinstance(v, dict) for v in data.values())
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


_FlowDumper.add_representer(dict, _represent_dict)
_FlowDumper.add_representer(list, _represent_list)


def write_baseline(baseline: Baseline, path: Path) -> None:
    """Write the baseline as YAML (a temporary name, then renamed: never half-written)."""
    data = {
        "format": FORMAT,
        "scenario": baseline.scenario,
        "scenario_hash": baseline.scenario_hash,
        "sections": baseline.sections,
        "seed": baseline.seed,
        "replications": baseline.replications,
        "version": baseline.version,
        "date": baseline.date,
        "levels": {
            group: {k: _stat_data(s) for k, s in kpis.items()}
            for group, kpis in baseline.levels.items()
        },
        "differences": {
            group: {k: _stat_data(s) for k, s in kpis.items()}
            for group, kpis in baseline.differences.items()
        },
    }
    header = (
        f"# KPI baseline of scenario {baseline.scenario!r}: written by `sim baseline`, read by\n"
        "# `sim check`. Per variant (and sweep point) and KPI: mean, sd, replications and the\n"
        "# 95% interval; `differences` are paired, against the reference variant.\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    text = yaml.dump(data, Dumper=_FlowDumper, sort_keys=False, width=1000)
    tmp.write_text(header + text, encoding="utf-8")
    os.replace(tmp, path)


def _stats_from(data: Any, where: str, path: Path) -> dict[str, dict[str, Stat]]:
    if not isinstance(data, dict):
        raise BaselineError(f"{path}: `{where}` should be a mapping of groups to KPIs")
    out: dict[str, dict[str, Stat]] = {}
    for group, kpis in data.items():
        if not isinstance(kpis, dict):
            raise BaselineError(f"{path}: `{where}.{group}` should be a mapping of KPIs")
        out[str(group)] = {}
        for kpi, stat in kpis.items():
            try:
                mean = math.nan if stat["mean"] is None else float(stat["mean"])
                sd = math.nan if stat["sd"] is None else float(stat["sd"])
                out[str(group)][str(kpi)] = Stat(mean, sd, int(stat["n"]))
            except (TypeError, KeyError, ValueError):
                raise BaselineError(
                    f"{path}: `{where}.{group}.{kpi}` should be {{mean, sd, n, ci95}}"
                ) from None
    return out


def read_baseline(path: Path) -> Baseline:
    if not path.exists():
        raise BaselineError(
            f"{path}: no baseline here; write one with `sim baseline SCENARIO --out {path}`"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        raise BaselineError(f"{path}: not a readable baseline, the YAML is broken{line}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BaselineError(f"{path}: not a baseline file (format {FORMAT} expected)")
    try:
        return Baseline(
            scenario=str(data["scenario"]),
            scenario_hash=str(data["scenario_hash"]),
            sections={str(k): str(v) for k, v in data["sections"].items()},
            seed=int(data["seed"]),
            replications=int(data["replications"]),
            version=str(data["version"]),
            date=str(data["date"]),
            levels=_stats_from(data["levels"], "levels", path),
            differences=_stats_from(data.get("differences") or {}, "differences", path),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BaselineError(f"{path}: a baseline file with a missing or bad field: {exc}") from None


def default_baseline_path(scenario_file: Path) -> Path:
    """``scenarios/iot_value.yaml`` -> ``scenarios/baselines/iot_value.yaml``."""
    return scenario_file.parent / "baselines" / f"{scenario_file.stem}.yaml"


# -- the check ------------------------------------------------------------------------------


def welch_p(base: Stat, now: Stat) -> float:
    """Two-sided p-value of Welch's t-test between two sets of replications; 0 or 1 when
    neither varies (a deterministic KPI either changed or did not)."""
    se2 = (base.sd**2 / base.n if base.n else 0.0) + (now.sd**2 / now.n if now.n else 0.0)
    delta = now.mean - base.mean
    if se2 <= 0 or base.n < 2 or now.n < 2:
        return 1.0 if _same(base.mean, now.mean) else 0.0
    t = delta / math.sqrt(se2)
    a, b = base.sd**2 / base.n, now.sd**2 / now.n
    df = se2**2 / ((a * a / (base.n - 1) if a else 0.0) + (b * b / (now.n - 1) if b else 0.0))
    return float(2 * stats.t.sf(abs(t), df))


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment: family-wise error rate control under any dependence."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


@dataclass
class CheckReport:
    scenario: str
    baseline_path: Path | None
    significance: float
    rows: pd.DataFrame  # one per (measure, group, KPI)
    changed_sections: list[str]
    seed: int
    baseline_seed: int

    @property
    def failed(self) -> pd.DataFrame:
        return self.rows[self.rows.verdict.isin(["MOVED", "CHANGED"])]

    @property
    def passed(self) -> bool:
        return self.failed.empty

    def notice(self) -> str | None:
        if not self.changed_sections:
            return None
        names = ", ".join(self.changed_sections)
        return (
            f"The scenario changed since the baseline (sections: {names}): the differences "
            "below come from that change, not from noise. If they are intended, refresh the "
            "baseline with `sim baseline`."
        )

    def failure_message(self) -> str:
        lines = [f"{len(self.failed)} KPI(s) of {self.scenario!r} moved beyond the baseline:"]
        notice = self.notice()
        if notice:
            lines.insert(0, notice)
        for row in self.failed.itertuples():
            lines.append(
                f"  {row.group} {row.measure} {row.kpi}: {_fmt(row.base)} -> {_fmt(row.now)} "
                f"({_signed(row.change)}; p = {row.p_adjusted:.2g})"
            )
        return "\n".join(lines)

    def junit_xml(self) -> str:
        suite = ET.Element(
            "testsuite",
            name=f"sim check {self.scenario}",
            tests=str(len(self.rows)),
            failures=str(len(self.failed)),
            errors="0",
            skipped="0",
        )
        notice = self.notice()
        if notice:
            ET.SubElement(suite, "system-out").text = notice
        for row in self.rows.itertuples():
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"{self.scenario}.{row.group}.{row.measure}",
                name=str(row.kpi),
            )
            if row.verdict in ("MOVED", "CHANGED"):
                failure = ET.SubElement(
                    case,
                    "failure",
                    message=f"{row.kpi} moved: {_fmt(row.base)} -> {_fmt(row.now)}",
                    type="KpiRegression",
                )
                failure.text = (
                    f"baseline {_fmt(row.base)} (sd {_fmt(row.base_sd)}, n {row.base_n}), "
                    f"now {_fmt(row.now)} (sd {_fmt(row.now_sd)}, n {row.now_n}), change "
                    f"{_signed(row.change)}, Holm-adjusted p {row.p_adjusted:.3g} against "
                    f"significance {self.significance}"
                )
        ET.indent(suite)
        return ET.tostring(suite, encoding="unicode", xml_declaration=True)


def _fmt(value: Any) -> str:
    if value is None or math.isnan(float(value)):
        return "-"
    value = float(value)
    return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"


def _signed(value: Any) -> str:
    if value is None or math.isnan(float(value)):
        return "-"
    return ("+" if float(value) >= 0 else "") + _fmt(value)


def compare_with_baseline(
    experiment: Experiment, baseline: Baseline, baseline_path: Path | None = None
) -> CheckReport:
    """Every KPI of every group, levels and paired differences, against the baseline."""
    scenario = experiment.scenario
    if baseline.scenario != scenario.name:
        raise BaselineError(
            f"{baseline_path or 'the baseline'} is a baseline of scenario "
            f"{baseline.scenario!r}, not of {scenario.name!r}"
        )
    spec: RegressionSpec = scenario.regression
    _, sections = fingerprint(scenario)
    changed = sorted(
        key
        for key in set(sections) | set(baseline.sections)
        if sections.get(key) != baseline.sections.get(key)
    )
    levels, differences = measure(experiment)
    rows: list[dict[str, Any]] = []
    for measure_name, now_stats, base_stats in (
        ("level", levels, baseline.levels),
        ("difference", differences, baseline.differences),
    ):
        for group in [*base_stats, *(g for g in now_stats if g not in base_stats)]:
            base_kpis = base_stats.get(group, {})
            now_kpis = now_stats.get(group, {})
            for kpi in [*base_kpis, *(k for k in now_kpis if k not in base_kpis)]:
                missing = Stat(math.nan, math.nan, 0)
                base = base_kpis.get(kpi, missing)
                now = now_kpis.get(kpi, missing)
                row = _row(measure_name, group, kpi, base, now, spec)
                # a KPI the catalogue gained or lost since is news, not a regression
                row["presence"] = (
                    "new" if kpi not in base_kpis else "gone" if kpi not in now_kpis else ""
                )
                rows.append(row)
    table = pd.DataFrame(rows)
    testable = table.p.notna()
    adjusted = holm(table.p[testable].tolist())
    table["p_adjusted"] = np.nan
    table.loc[testable, "p_adjusted"] = adjusted
    table["verdict"] = [_verdict(r, spec.significance) for r in table.itertuples()]
    return CheckReport(
        scenario=scenario.name,
        baseline_path=baseline_path,
        significance=spec.significance,
        rows=table,
        changed_sections=changed,
        seed=scenario.run.seed,
        baseline_seed=baseline.seed,
    )


def _row(
    measure_name: str, group: str, kpi: str, base: Stat, now: Stat, spec: RegressionSpec
) -> dict[str, Any]:
    tolerance = spec.tolerance_for(kpi)
    change = now.mean - base.mean
    if abs(change) <= 10.0 ** (1 - MEAN_DIGITS) * abs(base.mean):
        change = 0.0  # within the file's rounding of the mean: no change at all
    defined = not (math.isnan(base.mean) or math.isnan(now.mean))
    within = defined and (
        abs(change) <= tolerance.abs or abs(change) <= tolerance.rel * abs(base.mean)
    )
    return {
        "measure": measure_name,
        "group": group,
        "kpi": kpi,
        "base": base.mean,
        "base_sd": base.sd,
        "base_n": base.n,
        "now": now.mean,
        "now_sd": now.sd,
        "now_n": now.n,
        "change": change,
        "relative": change / abs(base.mean) if defined and base.mean else math.nan,
        "within_tolerance": within,
        "defined": defined,
        "both_undefined": math.isnan(base.mean) and math.isnan(now.mean),
        "p": welch_p(base, now) if defined else math.nan,
    }


def _verdict(row: Any, significance: float) -> str:
    if row.presence:
        return str(row.presence)
    if row.both_undefined:
        return "pass"
    if not row.defined:
        return "CHANGED"  # defined on one side only (a KPI that appeared or went undefined)
    if row.within_tolerance:
        return "pass"
    return "MOVED" if row.p_adjusted <= significance else "pass"


# -- from a scenario file -------------------------------------------------------------------


def _scenario(path: Path, seed: int | None, replications: int | None) -> Scenario:
    from sim.scenario import load_scenario

    return load_scenario(path).with_run(replications, seed, str(path))


def make_baseline(
    scenario_file: Path,
    out: Path | None = None,
    seed: int | None = None,
    replications: int | None = None,
    workers: int | None = None,
    progress: bool = True,
) -> tuple[Baseline, Path]:
    """Run the scenario and write its baseline (by default next to it, in ``baselines/``)."""
    from sim.experiment import run_experiment

    scenario = _scenario(scenario_file, seed, replications)
    experiment = run_experiment(scenario, None, workers, progress=progress)
    baseline = baseline_of(experiment)
    path = out or default_baseline_path(scenario_file)
    write_baseline(baseline, path)
    return baseline, path


def check_file(
    scenario_file: Path,
    baseline_file: Path | None = None,
    seed: int | None = None,
    replications: int | None = None,
    workers: int | None = None,
    progress: bool = True,
) -> CheckReport:
    """Run the scenario again and compare it with its baseline. The baseline is read (and its
    scenario name checked) before the run, so a bad one costs no simulation."""
    from sim.experiment import run_experiment

    scenario = _scenario(scenario_file, seed, replications)
    path = baseline_file or default_baseline_path(scenario_file)
    baseline = read_baseline(path)
    if baseline.scenario != scenario.name:
        raise BaselineError(
            f"{path} is a baseline of scenario {baseline.scenario!r}, not of {scenario.name!r} "
            f"({scenario_file})"
        )
    experiment = run_experiment(scenario, None, workers, progress=progress)
    return compare_with_baseline(experiment, baseline, path)
