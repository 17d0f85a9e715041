"""Where a redirect may lead: only to paths of this site, read the way a browser reads them."""
from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import request

# Browsers drop tabs and newlines anywhere in a URL, trim C0 controls and spaces at its ends,
# and read a backslash as a slash: `/\t/evil.example` and `/\evil.example` both lead off-site.
_DROPPED = str.maketrans("", "", "\t\n\r")
_TRIMMED = "".join(chr(c) for c in range(0x21))


def _as_browser_reads(target: str) -> str:
    return target.translate(_DROPPED).strip(_TRIMMED).replace("\\", "/")


def _same_site(path: str) -> bool:
    if not path.startswith("/") or path.startswith("//"):
        return False
    parts = urlsplit(path)
    return not parts.scheme and not parts.netloc


def local_path(target: str | None) -> str | None:
    """`target` when a browser would stay on this site following it, else None."""
    if not target:
        return None
    path = _as_browser_reads(target)
    # Judge the decoded form too, in case something between here and the browser decodes it once more.
    if not _same_site(path) or not _same_site(_as_browser_reads(unquote(path))):
        return None
    return path


def referrer_path() -> str | None:
    """The path of the page that sent the request, when that page is on this site."""
    referrer = request.referrer or ""
    if not referrer.startswith(request.host_url):
        return None
    return local_path("/" + referrer[len(request.host_url):])
