"""Read an Airflow DAG that drives EMR on EC2, with Python's ``ast``: never imported or run.

What it finds: module-level constants (literals, and names, f-strings and ``+`` built from
them), the DAG's id and schedule (``DAG(...)``, ``with DAG(...)``, ``@dag(...)``:
``schedule`` or ``schedule_interval``), ``EmrCreateJobFlowOperator(job_flow_overrides=...)``,
every ``EmrAddStepsOperator(steps=...)`` in the order the DAG runs them (``>>``, ``<<``,
``chain(...)``, ``set_downstream``), and whether an ``EmrTerminateJobFlowOperator`` ends each
run. A value computed at run time (a function call, an XCom) cannot be read: it stays as
``<unresolved: ...>`` and the report names it.
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path
from typing import Any

from spark_platform.migrate.model import SourceError, Workflow
from spark_platform.migrate.sources import cluster_of, steps_of

UNRESOLVED = "<unresolved: {}>"


class _Values:
    """Evaluates the literal parts of expressions against the module's constants."""

    def __init__(self) -> None:
        self.constants: dict[str, Any] = {}

    def __call__(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.List | ast.Tuple):
            return [self(item) for item in node.elts]
        if isinstance(node, ast.Dict):
            return {self(k): self(v) for k, v in zip(node.keys, node.values, strict=True) if k is not None}
        if isinstance(node, ast.Name) and node.id in self.constants:
            return self.constants[node.id]
        if isinstance(node, ast.JoinedStr):
            parts = [self(v.value) if isinstance(v, ast.FormattedValue) else v.value for v in node.values]
            return "".join(str(part) for part in parts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self(node.left), self(node.right)
            if type(left) is type(right) and isinstance(left, str | list):
                return left + right
        return UNRESOLVED.format(f"line {getattr(node, 'lineno', '?')}: {ast.unparse(node)}")


def _name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _keywords(call: ast.Call) -> dict[str, ast.AST]:
    return {keyword.arg: keyword.value for keyword in call.keywords if keyword.arg}


def _edges(tree: ast.Module, tasks: dict[str, str]) -> list[tuple[str, str]]:
    """(upstream, downstream) task variables from >>, <<, chain() and set_downstream/upstream."""

    def names(node: ast.AST) -> list[str]:
        if isinstance(node, ast.Name):
            return [node.id]
        if isinstance(node, ast.List | ast.Tuple):
            return [n for item in node.elts for n in names(item)]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.RShift | ast.LShift):
            return names(node.right if isinstance(node.op, ast.RShift) else node.left)
        return []

    def heads(node: ast.AST) -> list[str]:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.RShift | ast.LShift):
            return heads(node.left if isinstance(node.op, ast.RShift) else node.right)
        return names(node)

    edges = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.RShift | ast.LShift):
            left, right = names(node.left), heads(node.right)
            pairs = [(a, b) for a in left for b in right]
            edges += pairs if isinstance(node.op, ast.RShift) else [(b, a) for a, b in pairs]
        elif isinstance(node, ast.Call) and _name(node) == "chain":
            groups = [names(arg) for arg in node.args]
            edges += [(a, b) for first, second in itertools.pairwise(groups) for a in first for b in second]
        elif isinstance(node, ast.Call) and _name(node) in ("set_downstream", "set_upstream"):
            owner = node.func.value if isinstance(node.func, ast.Attribute) else None
            for target in names(node.args[0]) if node.args else []:
                for source in names(owner) if owner is not None else []:
                    edges.append((source, target) if _name(node) == "set_downstream" else (target, source))
    return [(a, b) for a, b in edges if a in tasks and b in tasks]


def _run_order(tasks: dict[str, str], lines: dict[str, int], edges: list[tuple[str, str]]) -> list[str]:
    upstream = {task: {a for a, b in edges if b == task} for task in tasks}
    order: list[str] = []
    while upstream:
        ready = sorted((task for task, deps in upstream.items() if deps <= set(order)), key=lines.__getitem__)
        if not ready:  # a cycle: keep the file's order for the rest
            ready = sorted(upstream, key=lines.__getitem__)
        order.append(ready[0])
        del upstream[ready[0]]
    return order


def read_dag(path: Path) -> Workflow:
    """The EMR workflow a DAG file describes."""
    source = path.name
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as error:
        raise SourceError(f"{source}: line {error.lineno}: not valid Python ({error.msg})") from None
    values = _Values()
    for node in tree.body:  # module-level constants, in order
        simple = isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
        if simple and not isinstance(node.value, ast.Call | ast.Lambda):
            values.constants[node.targets[0].id] = values(node.value)
    dag_id, schedule, overrides, steps_by_task, lines, terminated = "", None, None, {}, {}, False
    tasks: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and isinstance(node.targets[0], ast.Name):
            tasks[node.targets[0].id] = _name(node.value)
            lines[node.targets[0].id] = node.lineno
        if isinstance(node, ast.withitem) and isinstance(node.context_expr, ast.Call):
            tasks.setdefault(ast.unparse(node.optional_vars or node.context_expr), _name(node.context_expr))
        if not isinstance(node, ast.Call):
            continue
        name, keywords = _name(node), _keywords(node)
        if name in ("DAG", "dag"):
            if "dag_id" in keywords or node.args:
                dag_id = str(values(keywords["dag_id"] if "dag_id" in keywords else node.args[0]))
            for key in ("schedule", "schedule_interval"):
                if key in keywords:
                    schedule = values(keywords[key])
        elif name == "EmrCreateJobFlowOperator" and "job_flow_overrides" in keywords:
            overrides = values(keywords["job_flow_overrides"])
        elif name == "EmrAddStepsOperator" and "steps" in keywords:
            steps_by_task[node.lineno] = values(keywords["steps"])
        elif name == "EmrTerminateJobFlowOperator":
            terminated = True
    if overrides is None and not steps_by_task:
        raise SourceError(
            f"{source}: no EmrCreateJobFlowOperator(job_flow_overrides=...) or EmrAddStepsOperator(steps=...) found; "
            "pass a DAG that drives EMR on EC2"
        )
    workflow = Workflow(name=dag_id or path.stem, sources=[source], schedule=schedule, terminated_per_run=terminated)
    if isinstance(overrides, dict):
        workflow.cluster = cluster_of(overrides, f"{source}: job_flow_overrides", described=False)
        workflow.steps += steps_of(overrides.get("Steps") or [], f"{source}: job_flow_overrides.Steps")
    # Each EmrAddStepsOperator's steps, in the order the DAG's dependencies run the tasks.
    add_steps = {var: lines[var] for var, kind in tasks.items() if kind == "EmrAddStepsOperator"}
    order = _run_order(add_steps, lines, _edges(tree, add_steps))
    by_line = {lines[var]: var for var in add_steps}
    for line in sorted(steps_by_task, key=lambda ln: order.index(by_line[ln]) if ln in by_line else ln):
        steps = steps_by_task[line]
        where = f"{source}: EmrAddStepsOperator(steps=...) at line {line}"
        if not isinstance(steps, list):
            raise SourceError(f"{where}: the steps are computed at run time ({steps}); write them as a literal list")
        workflow.steps += steps_of(steps, where)
    used = _unresolved_in([overrides, list(steps_by_task.values()), schedule])
    workflow.notes += [f"{value[13:-1]} is computed when the DAG runs; the assistant cannot read it" for value in used]
    return workflow


def _unresolved_in(value: Any) -> list[str]:
    """The values of what the operators use that only exist when the DAG runs."""
    if isinstance(value, str):
        return [value] if value.startswith(UNRESOLVED.split("{")[0]) else []
    if isinstance(value, dict):
        return [found for item in value.values() for found in _unresolved_in(item)]
    if isinstance(value, list):
        return [found for item in value for found in _unresolved_in(item)]
    return []
