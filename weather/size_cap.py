"""A cap on the size of an HTTP answer, enforced while it streams in and before it is cached.

:class:`CappedAdapter` is the transport of every session :func:`weather.http.make_session`
makes. It refuses an answer whose ``Content-Length`` exceeds the cap before reading its body, and
otherwise reads the body (decompressed) in 64 kB chunks, giving up as soon as it passes the cap.
Either way it raises :class:`ResponseTooLarge` inside the transport, so requests-cache never sees
the answer and never stores it. An answer within the cap is handed on as an ordinary response.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPResponse
from urllib3.exceptions import DecodeError, ProtocolError, ReadTimeoutError

__all__ = ["CHUNK_BYTES", "CappedAdapter", "ResponseTooLarge", "megabytes"]

#: Bytes read per step while streaming an answer [B].
CHUNK_BYTES = 64 * 1024


class ResponseTooLarge(requests.RequestException):
    """An answer bigger than its cap; nothing of it was cached.

    Parameters
    ----------
    url
        The request URL (unredacted: :func:`weather.http.get_json` shows it redacted).
    limit
        The cap [B].
    declared
        The answer's ``Content-Length`` [B] if it announced one beyond the cap, else ``None``
        (the body was cut off once it passed the cap).
    """

    def __init__(self, url: str, limit: int, declared: int | None) -> None:
        self.url, self.limit, self.declared = url, limit, declared
        super().__init__(f"answer larger than {megabytes(limit)}")


def megabytes(n: int) -> str:
    """``20 MB`` for 20,000,000 bytes (decimal megabytes, up to three significant digits)."""
    return f"{n / 1e6:.3g} MB"


class CappedAdapter(HTTPAdapter):
    """An :class:`~requests.adapters.HTTPAdapter` that refuses answers above a size cap.

    Parameters
    ----------
    limit_for
        The cap for a request URL [B].
    **kwargs
        For :class:`~requests.adapters.HTTPAdapter`.
    """

    def __init__(self, limit_for: Callable[[str], int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.limit_for = limit_for

    def build_response(self, req: requests.PreparedRequest, resp: Any) -> requests.Response:
        """Read the body within the cap, then build the response on the bytes read."""
        url = req.url or ""
        limit = self.limit_for(url)
        declared = resp.headers.get("Content-Length", "")
        if declared.strip().isdigit() and int(declared) > limit:
            _drop(resp)
            raise ResponseTooLarge(url, limit, int(declared))
        body = bytearray()
        try:
            for chunk in resp.stream(CHUNK_BYTES, decode_content=True):
                body += chunk
                if len(body) > limit:
                    _drop(resp)
                    raise ResponseTooLarge(url, limit, None)
        except ReadTimeoutError as exc:
            raise requests.ReadTimeout(exc, request=req) from None
        except ProtocolError as exc:
            raise requests.exceptions.ChunkedEncodingError(exc, request=req) from None
        except DecodeError as exc:
            raise requests.exceptions.ContentDecodingError(exc, request=req) from None
        resp.release_conn()
        headers = {
            k: v
            for k, v in resp.headers.items()
            if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        }
        headers["Content-Length"] = str(len(body))  # the body is stored decompressed
        replay = HTTPResponse(
            body=io.BytesIO(bytes(body)),
            headers=headers,
            status=resp.status,
            version=resp.version,
            reason=resp.reason,
            preload_content=False,
            decode_content=False,
            request_method=req.method,
            request_url=url,
        )
        return super().build_response(req, replay)


def _drop(resp: Any) -> None:
    """Close a half-read answer's connection (it cannot be reused) and give the slot back."""
    resp.close()
    resp.release_conn()
