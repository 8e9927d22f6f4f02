"""`zhicheng serve`: the HTTP upload endpoint (docs/reference.md §6)."""

from __future__ import annotations

import click
import uvicorn

from console import install
from intake.api import Limits, create_app
from zhicheng.cli.common import Obj, say
from zhicheng.health import health
from zhicheng.metrics import exposition


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址（容器内用 0.0.0.0）")
@click.option("--port", type=int, default=8000, show_default=True, help="监听端口")
@click.option("--max-batch-mb", type=int, default=2048, show_default=True, help="批次 zip 的大小上限（MB）")
@click.option("--max-request-mb", type=int, default=200, show_default=True,
              help="单份申报上传请求的大小上限（MB）；每个文件另有 10 MB 上限")
@click.option("--https", "https", is_flag=True,
              help="经 HTTPS 反向代理访问时使用：登录会话的 Cookie 只经 HTTPS 发送（Secure）")
@click.pass_obj
def serve(obj: Obj, host: str, port: int, max_batch_mb: int, max_request_mb: int,
          https: bool) -> None:
    """运行工作台（网页）与 HTTP 接口：/api/v1（批次与单份申报的上传、回执与状态查询）、/healthz、/openapi.json。"""

    runtime = obj.runtime()
    settings = runtime.settings
    limits = Limits(max_file_bytes=settings.max_file_bytes,
                    max_application_bytes=max_request_mb * 1024 * 1024,
                    max_batch_bytes=max_batch_mb * 1024 * 1024)
    app = create_app(runtime.ctx, runtime.queue.send, limits, health=lambda: health(runtime),
                     metrics=lambda: exposition(runtime))

    install(app, runtime.ctx, runtime.queue.send, limits, secure_cookies=https)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="info",
                                           access_log=False, proxy_headers=False))
    say(f"工作台：http://{host}:{port}/ （账号用 zhicheng users add 建立）")
    say(f"上传接口：http://{host}:{port}/api/v1（存活检查 /healthz，指标 /metrics，接口说明 /openapi.json）")
    # Embedded: this process runs the stages too, starting with anything a previous run left
    # waiting (the runtime's keeper sends it again once the queue is idle).
    with runtime.workers():
        server.run()
