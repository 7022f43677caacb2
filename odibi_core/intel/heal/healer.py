"""Auto-heal: turn a node's SQL failure into a proven fix, record it, and (dev only) re-run with it.

Order of work for one failure: classify the error (only SQL problems and simple param slips are
healed), find the SQL text it came from, ask the deterministic healer, then the LLM when one is
configured, and keep the first candidate that passes the static check and a zero-row dry run
of the node. Every attempt, healed or not, goes into the node's story (``NodeResult.heal``) and
the catalog's heal log with the SQL before and after and a diff.

Guardrails that no config can lift: ``apply`` is refused in production (an env named prod or
``production: true``); the re-run uses the fix in memory only; the YAML changes only when a
person accepts the fix (``odibi heal --accept`` or the Studio's Auto-Heal page).
"""

from __future__ import annotations

import difflib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from odibi_core.catalog.heals import HealLog, new_heal_id
from odibi_core.config.models import AutoHealConfig, LLMConfig, NodeConfig
from odibi_core.errors import OdibiError
from odibi_core.intel.heal.classify import classify_error, unknown_names
from odibi_core.intel.heal.deterministic import propose
from odibi_core.intel.heal.fixes import HealTarget, heal_targets, patched_config
from odibi_core.intel.heal.validate import dry_run_problem, static_problem
from odibi_core.intel.types import HealRequest, Proposal
from odibi_core.runner.heal_hook import HealCall

log = logging.getLogger("odibi.heal")


@dataclass
class HealSettings:
    mode: str = "suggest"  # suggest | apply
    max_attempts: int = 3
    use_llm: bool = True
    llm: LLMConfig | None = None
    production: bool = False
    env: str | None = None

    @classmethod
    def from_config(cls, auto_heal: AutoHealConfig, llm: LLMConfig | None, *, production: bool,
                    env: str | None, mode: str | None = None) -> HealSettings:
        return cls(mode=mode or auto_heal.mode, max_attempts=auto_heal.max_attempts, use_llm=auto_heal.use_llm,
                   llm=llm, production=production, env=env)


def production_refusal(env: str | None) -> str:
    where = f"env '{env}'" if env else "this project"
    return (f"auto-heal apply is refused in production ({where} is a production environment: an env named prod "
            f"or production: true); the fix was proposed, not applied. Review it with `odibi heal --list` or in "
            f"the Studio's Auto-Heal page and accept it there")


class AutoHealer:
    """The runner's healer (see :mod:`odibi_core.runner.heal_hook`): call it with a HealCall."""

    def __init__(self, settings: HealSettings, root: Path, heal_log: HealLog | None = None) -> None:
        self.settings = settings
        self.root = Path(root)
        self.heal_log = heal_log
        self._client = None

    def __call__(self, call: HealCall) -> NodeConfig | None:
        message = call.error.message
        error_class = classify_error(message)
        if error_class is None:
            return None  # not a SQL problem: a missing file or a refused connection is not healed
        nr = call.result
        if call.round > self.settings.max_attempts:
            nr.warnings.append(f"auto-heal gave up after {self.settings.max_attempts} attempt(s)")
            return None
        node = call.graph_node.config
        targets = heal_targets(node, call.error.phase, unknown_names(message), self.root)
        tables = self._schemas(call)
        entry: dict[str, Any] = {"round": call.round, "error": message, "error_class": error_class,
                                 "rejected": []}
        if not targets:
            entry.update(status="unhealed", explanation=f"no SQL text to heal in phase '{call.error.phase}'")
            self._record(call, entry)
            return None
        for target in targets:
            req = HealRequest(node=node.name, sql=target.text, error=message, tables=tables,
                              dialect=call.engine.sql_dialect, kind=target.kind, location=target.location)
            found = self._first_valid(call, node, target, req, entry["rejected"])
            if found is not None:
                return self._found(call, node, target, found, entry)
        entry.update(status="unhealed", location=targets[0].location, file=targets[0].file,
                     before=targets[0].text,
                     explanation=f"no valid fix found ({len(entry['rejected'])} candidate(s) rejected)")
        self._record(call, entry)
        return None

    # --- proposing and proving ----------------------------------------------------------------
    def _first_valid(self, call: HealCall, node: NodeConfig, target: HealTarget, req: HealRequest,
                     rejected: list[dict[str, str]]) -> Proposal | None:
        def problem(sql: str) -> str | None:
            if sql.strip() == target.text.strip():
                return "the proposal is the failing SQL unchanged"
            return static_problem(req, sql) or dry_run_problem(call, patched_config(node, target, sql))

        for proposal in propose(req):
            reason = problem(proposal.sql)
            if reason is None:
                return proposal
            rejected.append({"sql": proposal.sql, "strategy": proposal.strategy, "reason": reason})
        client = self._llm_client() if self.settings.use_llm else None
        if client is None:
            return None
        from odibi_core.intel.heal.llm_heal import llm_proposals

        def checked(sql: str) -> str | None:
            reason = problem(sql)
            if reason is not None:
                rejected.append({"sql": sql, "strategy": "llm", "reason": reason})
            return reason

        run = llm_proposals(client, req, attempts=self.settings.llm.max_attempts, check=checked)
        try:
            found = next(iter(run), None)
        except OdibiError as exc:  # the LLM is down or refused: the deterministic result stands
            rejected.append({"sql": "", "strategy": "llm", "reason": str(exc)})
            found = None
        seen = {r["sql"] for r in rejected}
        for r in run.rejections:  # answers refused before our check (DDL, unchanged SQL, CANNOT_ANSWER)
            if r.sql not in seen:
                rejected.append({"sql": r.sql, "strategy": "llm", "reason": r.reason})
        return found

    def _llm_client(self):
        if self.settings.llm is None:
            return None
        if self._client is None:
            from odibi_core.intel.llm.client import client_for

            self._client = client_for(self.settings.llm)
        return self._client

    # --- outcome --------------------------------------------------------------------------------
    def _found(self, call: HealCall, node: NodeConfig, target: HealTarget, proposal: Proposal,
               entry: dict[str, Any]) -> NodeConfig | None:
        apply = self.settings.mode == "apply"
        refused = apply and self.settings.production
        status = "refused" if refused else ("applied" if apply else "proposed")
        entry.update(status=status, location=target.location, file=target.file, before=target.text,
                     after=proposal.sql, strategy=proposal.strategy, source=proposal.source,
                     explanation=proposal.explanation,
                     validation="parses; known tables and columns only; zero-row dry run of the node passed")
        heal_id = self._record(call, entry)
        nr = call.result
        if refused:
            nr.warnings.append(f"{production_refusal(self.settings.env)} (heal {heal_id})")
            return None
        if apply:
            nr.warnings.append(f"auto-heal applied heal {heal_id} to {target.location} ({proposal.strategy}); "
                               f"the YAML is unchanged until the fix is accepted")
            return patched_config(node, target, proposal.sql)
        nr.suggestion = (f"auto-heal proposes a fix for {target.location} (heal {heal_id}): "
                         f"odibi heal --accept {heal_id}")
        return None

    def _record(self, call: HealCall, entry: dict[str, Any]) -> str:
        heal_id = new_heal_id()
        before, after = entry.get("before") or "", entry.get("after")
        item = {"heal_id": heal_id, "round": entry["round"], "status": entry["status"],
                "location": entry.get("location"), "file": entry.get("file"), "error": entry["error"],
                "error_class": entry["error_class"], "before": before, "after": after,
                "diff": sql_diff(before, after, entry.get("file") or entry.get("location") or "sql") if after else None,
                "strategy": entry.get("strategy"), "source": entry.get("source"),
                "explanation": entry.get("explanation"), "validation": entry.get("validation"),
                "rejected": entry["rejected"][:10]}
        call.result.heal.append(item)
        if self.heal_log is not None:
            import json

            try:
                self.heal_log.record({
                    "heal_id": heal_id, "run_id": call.run_id, "pipeline": call.graph_node.pipeline,
                    "node": call.graph_node.name, "env": call.env, "round": entry["round"],
                    "location": item["location"], "file": item["file"], "error": item["error"],
                    "error_class": item["error_class"], "before_sql": before, "after_sql": after,
                    "diff": item["diff"], "strategy": item["strategy"], "source": item["source"],
                    "explanation": item["explanation"], "status": item["status"], "validation": item["validation"],
                    "rejected_json": json.dumps(item["rejected"], ensure_ascii=False)})
            except OdibiError as exc:  # the run goes on; the story still has the attempt
                log.warning("could not record heal %s: %s", heal_id, exc)
        return heal_id

    def _schemas(self, call: HealCall) -> dict[str, dict[str, str]]:
        engine, scope = call.engine, call.scope
        out: dict[str, dict[str, str]] = {}
        frames = dict(scope.tables)
        if scope.current is not None:
            frames["df"] = scope.current
        for name, frame in frames.items():
            try:
                out[name] = {c.name: c.type for c in engine.schema(frame)}
            except Exception:  # noqa: BLE001 - a frame that cannot say its schema is left out of scope
                continue
        return out


def sql_diff(before: str, after: str, label: str) -> str:
    """A unified diff of the user's lines (what a reviewer reads before accepting)."""
    return "".join(difflib.unified_diff(_lines(before), _lines(after), fromfile=f"a/{label}", tofile=f"b/{label}"))


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return lines


HealerFactory = Callable[[], AutoHealer]
