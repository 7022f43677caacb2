"""The Spark session: Java check, defaults, reuse across engines and threads, Spark Connect errors.

The Java tests use stand-ins for the `java` binary, the one place where a real old Java cannot
be installed here: a fake ``java -version`` output, and a tiny shell script posing as
``$JAVA_HOME/bin/java`` so the real lookup and subprocess path run too.
"""

from __future__ import annotations

import importlib.util
import threading

import pytest

from odibi_core.config.models.project import PerformanceConfig
from odibi_core.engines.spark import session as S
from odibi_core.errors import OdibiError


def test_java_version_parsing():
    assert S.parse_java_major('openjdk version "17.0.15" 2025-04-15') == 17
    assert S.parse_java_major('java version "1.8.0_292"') == 8
    assert S.parse_java_major('openjdk version "21" 2023-09-19') == 21
    assert S.parse_java_major('openjdk version "11.0.2+9"') == 11
    assert S.parse_java_major("no version here") is None


def test_real_java_on_this_machine_passes_the_check():
    java = S.find_java()
    assert java is not None
    assert S.parse_java_major(S.java_version_text(java)) >= S.MIN_JAVA
    S.check_java()


def test_old_java_is_refused_before_any_jvm_starts(monkeypatch):
    monkeypatch.setattr(S, "find_java", lambda: "/opt/java8/bin/java")
    monkeypatch.setattr(S, "java_version_text", lambda java: 'java version "1.8.0_292"\nJava(TM) SE Runtime')
    with pytest.raises(S.SparkSetupError) as info:
        S.create_session(PerformanceConfig(master="local[1]"), "p")
    text = str(info.value)
    assert "Java 8" in text and "/opt/java8/bin/java" in text and "17" in text
    assert "JAVA_HOME" in text and "\n" not in text
    assert isinstance(info.value, OdibiError)


def test_missing_java_says_what_to_install(monkeypatch):
    monkeypatch.setattr(S, "find_java", lambda: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(S.SparkSetupError, match=r"no `java` was found.*Install a Java 17"):
        S.check_java()


def test_java_home_is_preferred_and_its_version_checked(monkeypatch, tmp_path):
    fake = tmp_path / "jdk11" / "bin" / "java"
    fake.parent.mkdir(parents=True)
    fake.write_text('#!/bin/sh\necho \'openjdk version "11.0.2" 2019-01-15\' >&2\n')
    fake.chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk11"))
    assert S.find_java() == str(fake)
    with pytest.raises(S.SparkSetupError, match=r"found Java 11 at '.*jdk11/bin/java'.*needs Java 17"):
        S.check_java()


def test_fixture_session_has_odibi_defaults(spark):
    conf = spark.conf
    assert conf.get("spark.sql.session.timeZone") == "UTC"
    assert conf.get("spark.sql.timestampType") == "TIMESTAMP_NTZ"
    assert conf.get("spark.sql.shuffle.partitions") == "4"
    assert conf.get("spark.sql.execution.arrow.pyspark.enabled") == "true"
    assert conf.get("spark.sql.parquet.outputTimestampType") == "TIMESTAMP_MICROS"
    assert conf.get("spark.ui.enabled") == "false"
    assert spark.sparkContext.master == "local[2]"


def test_existing_session_is_reused_from_any_thread(spark):
    app = spark.sparkContext.applicationId
    assert S.get_session(PerformanceConfig(master="local[1]", app_name="other"), "p").sparkContext.applicationId == app
    seen = []
    worker = threading.Thread(target=lambda: seen.append(S.get_session(None, "p").sparkContext.applicationId))
    worker.start()
    worker.join()
    assert seen == [app]


@pytest.mark.skipif(importlib.util.find_spec("grpc") is not None, reason="Spark Connect extras are installed here")
def test_spark_connect_without_its_extras_is_a_clear_error():
    with pytest.raises(S.SparkSetupError, match=r"Spark Connect client extras are not installed.*pyspark\[connect\]"):
        S.create_session(PerformanceConfig(remote="sc://127.0.0.1:15002"), "p")


def test_remote_must_be_a_spark_connect_url():
    with pytest.raises(S.SparkSetupError, match="sc://host:15002"):
        S.create_session(PerformanceConfig(remote="http://127.0.0.1:15002"), "p")
