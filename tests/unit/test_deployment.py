"""The deployment files stay consistent with the code (no Docker engine runs here to try them)."""

from __future__ import annotations

from pathlib import Path

import click
import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_defines_the_database_the_broker_and_the_workers() -> None:
    services = compose()["services"]
    assert {"postgres", "redis", "init", "worker"} <= set(services)
    worker = services["worker"]
    assert worker["command"][0] == "worker"
    env = worker["environment"]
    assert env["ZHICHENG_DATABASE_URL"].startswith("postgresql://")
    assert env["ZHICHENG_BROKER_URL"].startswith("redis://")
    assert any(v.endswith(":/data") for v in worker["volumes"])


def test_every_dependency_and_volume_in_compose_is_defined() -> None:
    doc = compose()
    services, volumes = doc["services"], set(doc.get("volumes", {}))
    for name, service in services.items():
        for dep in service.get("depends_on", {}):
            assert dep in services, f"{name} depends on unknown service {dep}"
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith((".", "/")):
                assert source in volumes, f"{name} mounts undeclared volume {source}"


def test_the_compose_commands_are_commands_of_the_cli() -> None:
    from zhicheng.cli import build

    cli = build()
    names = cli.list_commands(click.Context(cli))
    for name, service in compose()["services"].items():
        if service.get("image", "").startswith("zhicheng") or "build" in service:
            assert service["command"][0] in names, name


def test_the_image_installs_every_package_of_the_project() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for package in ("pipeline", "workers", "intake", "reports", "zhicheng"):
        assert f"COPY {package} ./{package}" in dockerfile
    for apt in ("tesseract-ocr-chi-sim", "fonts-noto-cjk"):
        assert apt in dockerfile


def test_compose_runs_the_endpoint_the_watcher_and_the_scheduler_on_the_shared_data() -> None:
    services = compose()["services"]
    assert services["api"]["command"][0] == "serve"
    assert "0.0.0.0" in services["api"]["command"] and services["api"]["ports"]
    assert services["watcher"]["command"][:2] == ["intake", "watch"]
    inbox = services["watcher"]["command"][2]
    assert any(v.endswith(f":{inbox}") for v in services["watcher"]["volumes"])
    assert services["scheduler"]["command"] == ["scheduler"]
    for name in ("api", "watcher", "scheduler"):
        service = services[name]
        assert any(v.endswith(":/data") for v in service["volumes"]), name
        assert service["environment"]["ZHICHENG_BROKER_URL"].startswith("redis://"), name
        assert "init" in service["depends_on"], name


def test_the_compose_subcommands_exist_in_the_cli() -> None:
    from zhicheng.cli import build

    cli = build()
    ctx = click.Context(cli)
    for service in compose()["services"].values():
        command = service.get("command") or []
        group = cli.get_command(ctx, command[0]) if command else None
        if isinstance(group, click.Group) and len(command) > 1 and not command[1].startswith("-"):
            assert command[1] in group.commands, command
