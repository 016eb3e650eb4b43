"""The HTTP pieces under the session: retries with a timeout, and Doccano's error answers read into one line."""

from __future__ import annotations

import requests
from pydantic import ValidationError
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry


class RetryingAdapter(HTTPAdapter):
    """Retries with exponential backoff on connection errors and 429/502/503/504; a default timeout."""

    def __init__(self, retries: int, backoff: float, timeout: float) -> None:
        retry = Retry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            backoff_factor=backoff,
            status_forcelist=(429, 502, 503, 504),
            raise_on_status=False,
            respect_retry_after_header=True,
        )
        super().__init__(max_retries=retry)
        self.timeout = timeout

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float | None, float | None] | None = None,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        proxies: dict[str, str] | None = None,
    ) -> requests.Response:
        return super().send(request, stream, timeout or self.timeout, verify, cert, proxies)


def first_error(err: ValidationError) -> str:
    errors = err.errors()
    if not errors:
        return str(err)[:300]
    return f"{'.'.join(map(str, errors[0]['loc']))}: {errors[0]['msg']}"[:300]


def error_detail(response: requests.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return ""
    if isinstance(data, dict):
        parts = []
        for key, value in data.items():
            if isinstance(value, list):
                value = " ".join(map(str, value))
            parts.append(str(value) if key in ("detail", "non_field_errors") else f"{key}: {value}")
        return "; ".join(parts)[:300]
    if isinstance(data, list):
        return " ".join(map(str, data))[:300]
    return str(data)[:300]
