"""How Debian's chromium is started headless here: by the browser tests and by ``make screenshots``.

Background networking, component updates and sync are off: a build machine has no internet, and
chromium's own calls home would only fail (many at a time) or slow the start.
"""

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
