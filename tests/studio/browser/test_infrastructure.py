"""The browser harness itself: its run counter must see every finished Streamlit run, and only those.

Every wait in these tests hangs on that counter (helpers.RUN_COUNTER_JS), which reads the
server's protobuf messages with a small hand-written walker; real ForwardMsg bytes built by
Streamlit's own classes check it here, on a blank page (no server needed).
"""

from __future__ import annotations

import base64
import re

import pytest

from tests.studio.browser.helpers import RUN_COUNTER_JS

pytestmark = pytest.mark.browser


def _message(script_finished: int | None) -> str:
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = ForwardMsg(hash="h" * 32)
    msg.metadata.delta_path.extend(range(200))  # a metadata block longer than 127 bytes: 2-byte length
    if script_finished is None:
        msg.delta.new_element.markdown.body = "x" * 300
    else:
        msg.script_finished = script_finished
    return base64.b64encode(msg.SerializeToString()).decode()


def test_run_counter_counts_finished_runs_only(browser):
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    walker = re.search(r"const finished = \(buf\) => \{.*?\n  \};", RUN_COUNTER_JS, re.DOTALL).group(0)
    status = ForwardMsg.ScriptFinishedStatus
    cases = [None, status.FINISHED_SUCCESSFULLY, status.FINISHED_WITH_COMPILE_ERROR,
             status.FINISHED_EARLY_FOR_RERUN, status.FINISHED_FRAGMENT_RUN_SUCCESSFULLY]
    page = browser.new_page()
    try:
        got = page.evaluate(
            "(cases) => { " + walker + " return cases.map(b64 => "
            "finished(Uint8Array.from(atob(b64), c => c.charCodeAt(0)).buffer)); }",
            [_message(c) for c in cases])
    finally:
        page.close()
    # a delta is not an end; a rerun that was cut short for another run is not an end either
    assert got == [False, True, True, False, True]
