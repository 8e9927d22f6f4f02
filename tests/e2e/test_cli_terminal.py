"""What a unit typed cannot act on the operator's terminal: control and bidi characters that
reach the CLI's output (stored before they were stripped at intake, or in a file name) are shown
as visible stand-ins, and `--json` stays valid JSON."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli_support import environment, zhicheng


def test_escape_sequences_do_not_reach_the_terminal(tmp_path: Path) -> None:
    env = environment(tmp_path / "var", None)

    def run(*args: str):
        return zhicheng(*args, env=env, cwd=tmp_path)

    assert run("init").code == 0
    osc = "\x1b]0;pwned\x07\x1b]52;c;ZWNobyBoaQ==\x07"          # retitle the window, write the clipboard
    name = f"测试单位{osc}\u202egpj.exe"
    registered = run("units", "register", "--code", "91430100MA4L000088", "--name", name,
                     "--region", "雨花区", "--kind", "事业单位", "--approver", "主管机构")
    listed = run("units", "list")
    as_json = run("units", "list", "--json")
    # Refused, with the characters shown, not acted on.
    assert registered.code == 3 and "控制字符" in registered.err, registered
    for result in (registered, listed, as_json):
        assert "\x1b" not in result.out + result.err, result
        assert "\u202e" not in result.out + result.err
    assert json.loads(as_json.out) == []  # nothing registered; still one JSON document
    # Text the CLI does print back (a path named in an error) is shown, not acted on.
    missing = run("intake", "import", str(tmp_path / f"批次{osc}\u202egpj.zip"))
    assert missing.code == 4 and "\x1b" not in missing.err and "\u202e" not in missing.err
    assert "␛]0;pwned" in missing.err and "<U+202E>gpj.zip" in missing.err, missing
