"""axe-core (from npm, never a CDN) in every page the browser tests open: each document runs axe when it has
loaded and reports its violations back to the test, and each page still open at the end is checked once more.
A test fails on any violation, naming the page, the rule and the elements."""

from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# Runs in every document: once it has loaded and its scripts have built what they build (the admin's
# jQuery ready handlers run after the load event at times, so wait for them too), check it and report back.
REPORT_ON_LOAD = """
window.addEventListener("load", () => {
  const check = () => setTimeout(async () => {
    if (!window.axe || window.__axeReported) return;
    window.__axeReported = true;
    const result = await window.axe.run(document, {resultTypes: ["violations"]});
    await window.reportAxe(location.href, result.violations);
  }, 0);
  if (window.django && window.django.jQuery) window.django.jQuery(check); else check();
});
"""
# The page as it stands, without the focus the test left on it: GOV.UK's focus style swaps a link's underline
# for a thick bar, which axe's link-in-text-block rule cannot see as one.
CHECK_NOW = """async () => {
  if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
  return (await window.axe.run(document, {resultTypes: ['violations']})).violations;
}"""


class AxeWatch:
    """Collects the violations of every document loaded in one browser context."""

    def __init__(self, context):
        if not AXE.exists():
            raise RuntimeError(f"axe-core is not installed at {AXE}: run `make install` (npm ci)")
        self.found = {}
        context.add_init_script(path=str(AXE))
        context.add_init_script(REPORT_ON_LOAD)
        context.expose_binding("reportAxe", lambda source, url, violations: self._record(url, violations))
        self.context = context

    def _record(self, url, violations):
        for violation in violations:
            targets = [", ".join(node["target"]) if isinstance(node["target"], list) else str(node["target"])
                       for node in violation["nodes"]]
            self.found[(url, violation["id"])] = (violation["help"], targets[:5])

    def check_open_pages(self):
        for page in self.context.pages:
            if page.is_closed() or page.url.startswith(("about:", "data:")):
                continue
            try:
                page.wait_for_load_state("load")
                self._record(page.url, page.evaluate(CHECK_NOW))
            except Exception:  # noqa: BLE001 - a page that has gone (a download, a closed tab) has nothing to check
                continue

    def report(self):
        return "\n".join(f"{url}: {rule} ({help_text}) at {'; '.join(targets)}"
                         for (url, rule), (help_text, targets) in sorted(self.found.items()))
