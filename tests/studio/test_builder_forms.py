"""Forms generated from pydantic models: one widget per field type, only set values returned."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _script():
    from typing import Any, Literal

    import streamlit as st
    from pydantic import Field

    from odibi_core.config.models.base import StrictModel
    from studio.ui.forms import model_form

    class Demo(StrictModel):
        name: str = Field(description="what it is called")
        count: int = 3
        ratio: float | None = None
        on: bool = False
        how: Literal["fast", "safe"] = "fast"
        cols: list[str] = Field(default_factory=list)
        labels: dict[str, str] = Field(default_factory=dict)
        extra: dict[str, Any] | None = None
        order_by: str | list[str] | None = None

    st.session_state["out"] = model_form(Demo, st.session_state.get("initial", {}), "demo",
                                         issues={"name": ["name is required"]})


def run(initial: dict | None = None) -> AppTest:
    at = AppTest.from_function(_script, default_timeout=30)
    if initial is not None:
        at.session_state["initial"] = initial
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_defaults_are_left_out_and_every_type_has_a_widget():
    at = run()
    assert at.session_state["out"] == {}
    assert at.text_input(key="demo.name").label == "Name *"
    assert at.text_input(key="demo.name").help == "what it is called"
    assert at.number_input(key="demo.count").value == 3
    assert at.selectbox(key="demo.how").options == ["(default: fast)", "fast", "safe"]
    assert any("name is required" in m.value for m in at.markdown)
    at.text_input(key="demo.name").input("orders")
    at.number_input(key="demo.count").set_value(5)
    at.number_input(key="demo.ratio").set_value(0.5)
    at.checkbox(key="demo.on").check()
    at.selectbox(key="demo.how").select("safe")
    at.text_input(key="demo.cols").input("a, b ,c")
    at.text_area(key="demo.labels").input("x: one\ny: two")
    at.text_area(key="demo.extra").input("{depth: 2, tags: [p]}")
    at.text_input(key="demo.order_by").input("[updated_at, id]")
    at.run()
    assert at.session_state["out"] == {
        "name": "orders", "count": 5, "ratio": 0.5, "on": True, "how": "safe", "cols": ["a", "b", "c"],
        "labels": {"x": "one", "y": "two"}, "extra": {"depth": 2, "tags": ["p"]}, "order_by": ["updated_at", "id"]}


def test_values_from_yaml_come_back_unchanged_even_defaults_and_unknown_keys():
    initial = {"name": "x", "count": 3, "how": "fast", "order_by": "updated_at DESC", "typo": 1}
    at = run(initial)
    assert at.session_state["out"] == initial
    at.text_area(key="demo.extra").input("{broken: [")
    at.run()
    assert "extra" not in at.session_state["out"]  # unreadable input keeps what the file says
    assert any("not valid YAML" in m.value for m in at.markdown)
