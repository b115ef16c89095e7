"""Secrets out of sight: the query parameters that carry them, and masking them in any text.

API keys come from environment variables and travel in query strings. :func:`redact` masks them
in URLs, exception messages and answer excerpts before any of these reach a log line, an error or
a file; :mod:`weather.http` also keeps :data:`SECRET_PARAMS` out of its cache keys and stored
requests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote, quote_plus

import requests
from requests_cache import DEFAULT_IGNORED_PARAMS

__all__ = ["SECRET_PARAMS", "redact", "redacted_url", "secret_values"]

#: Query parameters and headers that carry secrets: excluded from cache keys and stored requests,
#: and masked in every message.
SECRET_PARAMS: tuple[str, ...] = tuple(
    dict.fromkeys((*DEFAULT_IGNORED_PARAMS, "apikey", "api_key", "key", "token", "appid"))
)

_SECRET_RE = re.compile(
    r"(^|[?&;\s])(" + "|".join(re.escape(p) for p in SECRET_PARAMS) + r")=[^&\s'\"#]*",
    flags=re.IGNORECASE,
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask secret query values in ``text``.

    Parameters
    ----------
    text
        A URL, an exception message, a response body excerpt.
    secrets
        Literal secret values to mask wherever they appear (plain or URL-encoded).

    Returns
    -------
    str
        ``text`` with ``apikey=...`` and friends (:data:`SECRET_PARAMS`) and every literal secret
        replaced by ``***``.
    """
    for value in secrets:
        if value:
            for form in {value, quote(value, safe=""), quote_plus(value)}:
                text = text.replace(form, "***")
    return _SECRET_RE.sub(r"\1\2=***", text)


def secret_values(params: Mapping[str, str | int | float] | None) -> list[str]:
    """The values of the :data:`SECRET_PARAMS` among query ``params``, for :func:`redact`.

    Parameters
    ----------
    params
        Query parameters; names compared case-insensitively.

    Returns
    -------
    list of str
        The secret values, in the order given.
    """
    lowered = {p.lower() for p in SECRET_PARAMS}
    return [str(v) for k, v in (params or {}).items() if k.lower() in lowered]


def redacted_url(url: str, params: Mapping[str, str | int | float] | None = None) -> str:
    """``url`` with ``params`` as its query string, every secret masked: how messages name it.

    Parameters
    ----------
    url, params
        A request URL and its query parameters (secret values among them are masked wherever
        they appear, as are :data:`SECRET_PARAMS`).

    Returns
    -------
    str
        e.g. ``https://api.example.com/v1/forecast?latitude=31.85&apikey=***``.
    """
    try:
        full = requests.Request("GET", url, params=params).prepare().url or url
    except requests.RequestException:
        full = url
    return redact(full, secret_values(params))
