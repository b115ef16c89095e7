"""A LuxOS miner on 127.0.0.1 that speaks the API pyasic talks to, for dispatch tests.

LuxOS's API is JSON over TCP (port 4028 on a real miner, an ephemeral port here): one request
``{"command": ..., "parameter": ...}`` per connection, one JSON answer with a ``STATUS`` list,
then the miner closes the connection. Privileged commands (``curtail``, ``profileset``) carry the
session id from ``logon`` as their first parameter. The fake keeps a profile table (power,
hashrate), whether it sleeps, and a log of every command with the time it arrived and the power
it reports after it.

Behaviours: ``ok``; ``refuse`` (privileged commands answered with an error status); ``timeout``
(privileged commands never answered); ``wrong`` (``profileset`` lands one profile above the one
asked for, or the default: it then reports the wrong mode).
"""

from __future__ import annotations

import json
import socketserver
import threading
import time
from dataclasses import dataclass, field

#: The S19j Pro's table (the catalog's LuxOS profiles): name -> (W, TH/s).
PROFILES: dict[str, tuple[float, float]] = {
    "-8": (1651.1, 63.30),
    "-4": (2267.1, 81.65),
    "-2": (2600.0, 90.83),
    "default": (2950.0, 100.0),
}
SESSION = "s3ss10n"


@dataclass
class MinerState:
    """What the fake miner is doing, and what it was told."""

    behaviour: str = "ok"
    profile: str = "default"
    sleeping: bool = False
    log: list[tuple[float, str, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def power_w(self) -> float:
        return 0.0 if self.sleeping else PROFILES[self.profile][0]

    @property
    def hashrate_th_s(self) -> float:
        return 0.0 if self.sleeping else PROFILES[self.profile][1]


def _status(ok: bool, msg: str) -> list[dict[str, object]]:
    return [{"STATUS": "S" if ok else "E", "Code": 1, "Msg": msg, "When": int(time.time())}]


class FakeLuxOS(socketserver.ThreadingTCPServer):
    """The server; ``state`` is the miner. Use as a context manager."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, behaviour: str = "ok", sleeping: bool = False) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = MinerState(behaviour=behaviour, sleeping=sleeping)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> FakeLuxOS:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()

    def answer(self, request: dict[str, object]) -> dict[str, object] | None:
        """The answer to one request (``None``: never answer)."""
        s = self.state
        command = str(request.get("command", ""))
        params = str(request.get("parameter", "")).split(",") if request.get("parameter") else []
        privileged = command in {"curtail", "profileset"}
        with s.lock:
            if privileged and (not params or params[0] != SESSION):
                return {"STATUS": _status(False, "Invalid session id")}
            if privileged and s.behaviour == "timeout":
                s.log.append((time.monotonic(), f"{command} (no answer)", s.power_w))
                return None
            if privileged and s.behaviour == "refuse":
                s.log.append((time.monotonic(), f"{command} (refused)", s.power_w))
                return {"STATUS": _status(False, "Access denied: curtailment locked")}
            if command == "session":
                return {"STATUS": _status(True, "Session"), "SESSION": [{"SessionID": ""}]}
            if command == "logon":
                return {"STATUS": _status(True, "Logon"), "SESSION": [{"SessionID": SESSION}]}
            if command == "power":
                return {"STATUS": _status(True, "Power"), "POWER": [{"Watts": s.power_w}]}
            if command == "summary":
                gh_s = s.hashrate_th_s * 1000.0
                return {"STATUS": _status(True, "Summary"), "SUMMARY": [{"GHS 5s": gh_s}]}
            if command == "curtail":
                s.sleeping = params[1:] == ["sleep"]
                s.log.append((time.monotonic(), f"curtail {params[1]}", s.power_w))
                return {"STATUS": _status(True, "Curtailment command sent")}
            if command == "profileset":
                name = self._profile(params[1] if len(params) > 1 else "")
                if name is None:
                    return {"STATUS": _status(False, f"Unknown profile {params[1:]}")}
                if s.behaviour == "wrong":  # one profile above, or the lowest from the top
                    order = list(PROFILES)
                    name = order[(order.index(name) + 1) % len(order)]
                s.profile = name
                s.log.append((time.monotonic(), f"profileset {name}", s.power_w))
                return {"STATUS": _status(True, "Profile Set"), "PROFILE": [{"Profile": name}]}
        return {"STATUS": _status(False, f"Invalid command {command}")}

    @staticmethod
    def _profile(selector: str) -> str | None:
        if selector in PROFILES:
            return selector
        if selector.endswith("W") and selector[:-1].isdigit():
            watts = float(selector[:-1])
            return min(PROFILES, key=lambda n: abs(PROFILES[n][0] - watts))
        return None


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        server = self.server
        assert isinstance(server, FakeLuxOS)
        data = b""
        request = None
        self.request.settimeout(5.0)
        while request is None:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            data += chunk
            try:
                request = json.loads(data)
            except json.JSONDecodeError:
                continue
        answer = server.answer(request)
        if answer is None:
            server.stopping.wait(30.0)  # hold the connection open, never answer
            return
        self.request.sendall(json.dumps(answer).encode())
