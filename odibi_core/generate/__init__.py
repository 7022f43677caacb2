"""Orchestration generators: the project as an Airflow DAG, Dagster assets, a GitHub Actions
workflow, a Databricks job or an Azure Data Factory pipeline.

Generators are pure views over the YAML: the same config gives byte-identical files (no dates,
no random ids, sorted output), and every file carries a header naming its source file and the
hash of the config it was made from, so nobody mistakes it for a second source of truth.
"""

from odibi_core.generate.base import GENERATORS, Generator, GeneratedFile, generate, get_generator, register
from odibi_core.generate.plan import OrchestrationPlan, PipelineSpec, TaskSpec, build_plan

__all__ = ["GENERATORS", "GeneratedFile", "Generator", "OrchestrationPlan", "PipelineSpec", "TaskSpec",
           "build_plan", "generate", "get_generator", "register"]
