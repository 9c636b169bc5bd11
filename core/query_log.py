"""Counts the SQL queries each request runs, for the HTTP benchmark (bench/http_run.py) only.

config.settings adds the middleware only when ``CDI_QUERY_LOG`` names a file (the benchmark sets it for the
gunicorn it starts); production never sets it, so production runs without it. Each request appends one line,
``<queries>\t<CPU ms>\t<method> <path>``, once its response has been produced (the CPU time is the worker
process's, from the request's arrival: load from other processes does not inflate it): for a streamed response (an export),
once the last chunk has been generated, so that the queries the stream runs are counted too."""

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

from django.db import connections
from django.http import HttpRequest, HttpResponseBase

LOG_ENV = "CDI_QUERY_LOG"


class _Counter:
    def __init__(self) -> None:
        self.count = 0
        self.cpu_started = time.process_time()

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def _counting(counter: _Counter) -> ExitStack:
    stack = ExitStack()
    for connection in connections.all():
        stack.enter_context(connection.execute_wrapper(counter))
    return stack


class QueryLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase], path: str | None = None) -> None:
        import os

        self.get_response = get_response
        self.path = path or os.environ[LOG_ENV]

    def _write(self, request: HttpRequest, counter: _Counter) -> None:
        cpu_ms = (time.process_time() - counter.cpu_started) * 1000
        with open(self.path, "a", encoding="utf-8") as log:
            log.write(f"{counter.count}\t{cpu_ms:.1f}\t{request.method} {request.get_full_path()}\n")

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        counter = _Counter()
        with _counting(counter):
            response = self.get_response(request)
        if not response.streaming:
            self._write(request, counter)
            return response
        response.streaming_content = self._counted(request, response.streaming_content, counter)  # type: ignore[attr-defined]
        return response

    def _counted(self, request: HttpRequest, chunks: Iterator[bytes], counter: _Counter) -> Iterator[bytes]:
        try:
            with _counting(counter):
                yield from chunks
        finally:
            self._write(request, counter)
