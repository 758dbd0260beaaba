"""An HTTP CONNECT proxy on 127.0.0.1 that records every tunnel asked of it: what goes
through PROXY_URL, and what must not."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class ConnectProxy:
    """An HTTP CONNECT proxy on 127.0.0.1: what it was asked, and the tunnels it made."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []  # (CONNECT target, Proxy-Authorization)
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def _handle(self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter):  # type: ignore[no-untyped-def]
        request = (await client_in.readline()).decode()
        headers = {}
        while (line := (await client_in.readline()).decode().strip()) != "":
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        method, target, _ = request.split(" ", 2)
        self.requests.append((f"{method} {target}", headers.get("proxy-authorization", "")))
        host, _, port = target.rpartition(":")
        server_in, server_out = await asyncio.open_connection(host, int(port))
        client_out.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await client_out.drain()

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while chunk := await source.read(65536):
                    sink.write(chunk)
                    await sink.drain()
            except ConnectionError:
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(client_in, server_out), pipe(server_in, client_out))

    @asynccontextmanager
    async def running(self) -> AsyncIterator[ConnectProxy]:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        try:
            yield self
        finally:
            self._server.close()
