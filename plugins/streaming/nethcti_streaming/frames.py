"""One image of a source over HTTP: bounded in time and size, only image types, as a ``data:`` URL."""

from __future__ import annotations

import asyncio
import base64
import re

import httpx

from nethcti_streaming.sources import Source

IMAGE_TYPE = re.compile(r"image/[a-z0-9.+-]{1,60}\Z")


class ImageError(Exception):
    """The source gave no usable image; the message says why (no secrets in it)."""


def _auth(source: Source) -> httpx.Auth | None:
    if not source.user:
        return None
    if source.auth == "digest":
        return httpx.DigestAuth(source.user, source.password)
    return httpx.BasicAuth(source.user, source.password)


async def fetch_image(client: httpx.AsyncClient, source: Source, timeout: float, max_bytes: int) -> str:
    """``data:image/…;base64,…`` of ``source.url``; ImageError after ``timeout`` s in all, over ``max_bytes``,
    on an HTTP status other than 200 or a type that is not an image."""
    if not source.url:
        raise ImageError("the source has no url")
    try:
        async with asyncio.timeout(timeout), client.stream("GET", source.url, auth=_auth(source),
                                                          timeout=timeout) as response:
            if response.status_code != 200:
                raise ImageError(f"HTTP status {response.status_code}")
            content_type = response.headers.get("content-type", "").partition(";")[0].strip().lower()
            if not IMAGE_TYPE.match(content_type):
                raise ImageError(f"not an image: content type {content_type[:60]!r}")
            length = response.headers.get("content-length", "")
            if length.isascii() and length.isdigit() and int(length) > max_bytes:  # int() refuses "³"
                raise ImageError(f"image larger than {max_bytes} bytes")
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise ImageError(f"image larger than {max_bytes} bytes")
                chunks.append(chunk)
    except TimeoutError:
        raise ImageError(f"no image within {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise ImageError(f"{type(exc).__name__}: {exc}"[:200]) from None
    return f"data:{content_type};base64,{base64.b64encode(b''.join(chunks)).decode()}"
