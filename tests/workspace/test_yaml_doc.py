"""Round-trip editing: what the Builder did not touch stays byte for byte, what it did parses back."""

from __future__ import annotations

import difflib
import random

import pytest
import yaml

from odibi_core.workspace.yaml_doc import YamlDoc, YamlDocError

COMMENTED = """\
# Shop project: kept by hand, edited by the Builder
project: demo   # the name
connections:
  lake:    {type: local, base_path: ./lake}
story:  {connection: lake, path: stories}
system: {connection: lake}
pipelines:
# bronze comes first
- pipeline: a
  nodes:
  # the first node
  - name: n1   # eol on n1
    # above read
    read:
      connection: lake
      path: in.csv   # the input
    write: {connection: lake, path: out.csv}
  - name: n2
    depends_on: [n1]
    transform:
      steps:
        - sql: |
            SELECT *
            -- keep everything
            FROM df

- pipeline: b
  nodes:
  - {name: m1, read: {connection: lake, path: x.csv}}
# trailing comment
"""


def changed_lines(before: str, after: str) -> list[str]:
    return [ln for ln in difflib.ndiff(before.splitlines(), after.splitlines()) if ln[:2] in ("- ", "+ ")]


def parses_to(text: str, doc: YamlDoc) -> None:
    """The loader (PyYAML, YAML 1.1) reads the text as the edited data."""
    assert yaml.safe_load(text) == doc.plain()


def test_untouched_document_is_returned_as_is(shop):
    for text in (COMMENTED, (shop / "odibi.yaml").read_text(), ""):
        assert YamlDoc(text).dump() == text


def test_reading_pipelines_and_nodes(shop):
    doc = YamlDoc((shop / "odibi.yaml").read_text())
    assert doc.pipelines() == ["bronze", "silver", "gold"]
    assert [n["name"] for n in doc.nodes("silver")] == ["customers", "orders"]
    assert doc.node("bronze", "raw_orders")["write"]["options"] == {"keys": ["order_id"]}
    assert doc.pipeline("gold") == {"pipeline": "gold", "layer": "gold", "description": "Numbers people look at."}
    with pytest.raises(YamlDocError, match="no node 'nope'"):
        doc.node("silver", "nope")


def test_editing_one_node_changes_only_its_lines_and_keeps_its_comments():
    doc = YamlDoc(COMMENTED)
    node = doc.node("a", "n1")
    node["read"]["path"] = "in2.csv"
    node["tags"] = ["daily"]
    doc.replace_node("a", "n1", node)
    out = doc.dump()
    assert changed_lines(COMMENTED, out) == [
        "-       path: in.csv   # the input", "+       path: in2.csv  # the input", "+     tags: [daily]"]
    assert "# above read" in out and "# eol on n1" in out
    parses_to(out, doc)


def test_other_pipelines_survive_byte_for_byte(shop):
    text = (shop / "odibi.yaml").read_text()
    doc = YamlDoc(text)
    node = doc.node("silver", "orders")
    node["transform"]["steps"][1]["params"]["large_from"] = 50
    doc.replace_node("silver", "orders", node)
    out = doc.dump()
    for pipeline in ("bronze", "gold"):
        start = text.index(f"  - pipeline: {pipeline}")
        end = text.find("\n  - pipeline:", start + 1)
        block = text[start:end if end > 0 else None]
        assert block in out
    assert out.startswith(text[:text.index("  - pipeline: silver")])  # header comments, vars, flow blocks
    assert changed_lines(text, out) == ["-               params: {large_from: 100}",
                                        "+               params: {large_from: 50}"]


def test_add_remove_and_reorder_nodes():
    doc = YamlDoc(COMMENTED)
    doc.add_node("a", {"write": {"connection": "lake", "path": "z.csv"}, "name": "n3", "depends_on": ["n2"]})
    assert [n["name"] for n in doc.nodes("a")] == ["n1", "n2", "n3"]
    doc.move_node("a", "n3", 0)
    doc.move_node("a", "n1", 2)
    assert [n["name"] for n in doc.nodes("a")] == ["n3", "n2", "n1"]
    out = doc.dump()
    parses_to(out, doc)
    # the moved node carries its comment line and its own comments along; pipeline b is untouched
    assert "  # the first node\n  - name: n1   # eol on n1\n    # above read\n" in out
    assert "- pipeline: b\n  nodes:\n  - {name: m1, read: {connection: lake, path: x.csv}}\n# trailing comment\n" in out
    # a new node is written in the canonical key order, small blocks inline
    assert "  - name: n3\n    depends_on: [n2]\n    write: {connection: lake, path: z.csv}\n" in out
    doc.remove_node("a", "n2")
    out = doc.dump()
    assert "n2" not in [n["name"] for n in yaml.safe_load(out)["pipelines"][0]["nodes"]]
    assert "keep everything" not in out  # its SQL went with it
    parses_to(out, doc)


def test_rename_follows_depends_on_and_inputs(shop):
    doc = YamlDoc((shop / "odibi.yaml").read_text())
    doc.rename_node("silver", "orders", "clean_orders")
    data = yaml.safe_load(doc.dump())
    gold = {n["name"]: n for n in data["pipelines"][2]["nodes"]}
    assert gold["daily_revenue"]["inputs"] == {"orders": "$silver.clean_orders"}
    assert gold["revenue_by_country"]["inputs"]["orders"] == "$silver.clean_orders"
    doc2 = YamlDoc(COMMENTED)
    doc2.rename_node("a", 0, "first")
    assert doc2.node("a", "n2")["depends_on"] == ["first"]


def test_set_and_unset_keys():
    doc = YamlDoc(COMMENTED)
    doc.set_key("b", "m1", "write.path", "y.csv")
    doc.set_key("b", "m1", ("write", "connection"), "lake")
    doc.set_key("b", "m1", "description", "yes")  # a YAML 1.1 boolean word stays text
    assert doc.node("b", "m1")["write"] == {"path": "y.csv", "connection": "lake"}
    out = doc.dump()
    assert yaml.safe_load(out)["pipelines"][1]["nodes"][0]["description"] == "yes"
    doc = YamlDoc(out)
    doc.unset_key("b", "m1", "write.path")
    doc.unset_key("b", "m1", "write.connection")  # the block left empty goes too
    assert "write" not in doc.node("b", "m1")
    parses_to(doc.dump(), doc)


def test_pipelines_can_be_added_replaced_and_removed():
    doc = YamlDoc(COMMENTED)
    doc.add_pipeline("c", layer="gold")
    doc.add_node("c", {"name": "g1", "depends_on": [], "read": {"connection": "lake", "path": "out.csv"}})
    doc.replace_pipeline("b", {"pipeline": "b", "layer": "silver", "description": "second"})
    out = doc.dump()
    parses_to(out, doc)
    assert out.startswith(COMMENTED[:COMMENTED.index("- pipeline: b")])
    assert [p["pipeline"] for p in yaml.safe_load(out)["pipelines"]] == ["a", "b", "c"]
    assert yaml.safe_load(out)["pipelines"][1]["nodes"][0]["name"] == "m1"
    doc.remove_pipeline("a")
    assert doc.pipelines() == ["b", "c"]
    parses_to(doc.dump(), doc)
    with pytest.raises(YamlDocError, match="exists already"):
        doc.add_pipeline("b")


def test_layouts_other_than_the_templates():
    text = ("project: x\nconnections:\n    lake: {type: local}\nstory: {connection: lake}\nsystem: {connection: lake}\n"
            "pipelines:\n    -   pipeline: p\n        nodes:\n            -   name: a\n                read: {connection:"
            " lake, path: a.csv}\n            -   name: b\n                depends_on: [a]\n")
    doc = YamlDoc(text)
    doc.set_key("p", "b", "description", "second")
    out = doc.dump()
    parses_to(out, doc)
    assert changed_lines(text, out) == ["+                 description: second"]


def test_a_file_without_pipelines_gets_them():
    doc = YamlDoc("project: x  # keep me\nconnections: {lake: {type: local}}\n")
    doc.add_pipeline("p", layer="bronze")
    doc.add_node("p", {"name": "a", "read": {"connection": "lake", "path": "a.csv"}})
    out = doc.dump()
    parses_to(out, doc)
    assert "# keep me" in out


def test_syntax_errors_and_wrong_shapes_are_refused():
    with pytest.raises(YamlDocError, match="line 2"):
        YamlDoc("project: x\n  bad: [\n")
    with pytest.raises(YamlDocError, match="mapping"):
        YamlDoc("- a\n- b\n")


def test_random_edit_sequences_always_parse_back(shop):
    """Whatever sequence of edits, the text means exactly the edited data (the splice never corrupts)."""
    rng = random.Random(7)
    for text in ((shop / "odibi.yaml").read_text(), COMMENTED):
        for _ in range(15):
            doc = YamlDoc(text)
            for _ in range(rng.randint(1, 5)):
                pipe = rng.choice(doc.pipelines())
                nodes = doc.nodes(pipe)
                op = rng.choice(["move", "desc", "add", "remove", "rename"])
                if op == "move" and nodes:
                    doc.move_node(pipe, rng.randrange(len(nodes)), rng.randrange(len(nodes)))
                elif op == "desc" and nodes:
                    doc.set_key(pipe, rng.randrange(len(nodes)), "description", rng.choice(["on", "x: y", "a\nb"]))
                elif op == "add":
                    doc.add_node(pipe, {"name": f"n{rng.randrange(999)}", "tags": ["t"]}, rng.randrange(len(nodes) + 1))
                elif op == "remove" and len(nodes) > 1:
                    doc.remove_node(pipe, rng.randrange(len(nodes)))
                elif op == "rename" and nodes:
                    doc.rename_node(pipe, rng.randrange(len(nodes)), f"r{rng.randrange(999)}")
            out = doc.dump()
            parses_to(out, doc)
            text_again = YamlDoc(out)
            assert text_again.plain() == doc.plain()


def test_layouts_that_cannot_be_spliced_fall_back_to_a_whole_file_edit():
    flow = "project: x  # note\npipelines: [{pipeline: a, nodes: [{name: n1, read: {connection: c, path: a.csv}}]}]\n"
    doc = YamlDoc(flow)
    doc.set_key("a", "n1", "description", "flow lists are edited as a whole")
    doc.add_node("a", {"name": "n2", "depends_on": ["n1"]})
    parses_to(doc.dump(), doc)
    assert "# note" in doc.dump()
    aliased = ("defaults: &io {connection: lake}\npipelines:\n  - pipeline: a\n    nodes:\n"
               "      - name: n1\n        read: {<<: *io, path: a.csv}\n      - name: n2\n        depends_on: [n1]\n")
    doc = YamlDoc(aliased)
    doc.set_key("a", "n1", "description", "uses an anchor defined outside the node")
    doc.remove_node("a", "n2")
    out = doc.dump()
    assert yaml.safe_load(out)["pipelines"][0]["nodes"] == [
        {"name": "n1", "read": {"connection": "lake", "path": "a.csv"},
         "description": "uses an anchor defined outside the node"}]


def test_the_last_node_and_an_empty_pipeline():
    doc = YamlDoc(COMMENTED)
    doc.remove_node("b", "m1")
    assert doc.nodes("b") == [] and yaml.safe_load(doc.dump())["pipelines"][1]["nodes"] == []
    doc.add_node("b", {"name": "again", "read": {"connection": "lake", "path": "x.csv"}})
    parses_to(doc.dump(), doc)
    assert "# trailing comment" in doc.dump() and "# above read" in doc.dump()
