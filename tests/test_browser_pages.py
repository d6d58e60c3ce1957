"""Every page of the portal in headless Chromium, each as a role that may see it (the authorization matrix of
tests/test_permissions.py), and each signed-in role's own page: the Content-Security-Policy header is on it and
the browser refuses nothing under it; its HTML is valid (the Nu HTML Checker, vnu.jar from npm); its text and
controls meet WCAG 2.2 AA contrast; progress bars and scrollable regions have names, and what scrolls on a
phone can be reached from the keyboard. One browser, each page loaded once."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from certificates.models import IssueJob, Kind
from submissions.models import Entry
from tests import factories, test_permissions
from tests.browser import signed_in_page
from tests.test_permissions import MATRIX, OBJECTS, OK, ROLES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
people = test_permissions.people  # the fixture: a user of each role, and the objects the matrix names

ROOT = Path(__file__).resolve().parent.parent
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# Each URL once, as the first of these roles that may see it.
PREFERENCE = ["anonymous", "student", "supervisor", "coordinator", "juror", "organizer"]
PREFERENCE += [role for role in ROLES if role not in PREFERENCE]

# Recorded in every tab before any of the page's own scripts run.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sample || ""));
});
"""

# WCAG 2.2 AA: text 4.5:1 (large text, 24 px or 18.66 px bold, 3:1); the borders that show a control 3:1
# (1.4.11). Backgrounds are found by walking up to the first opaque one; a gradient counts by its worst stop.
# Disabled controls and what is not shown are exempt.
CHECK_PAGE = r"""
() => {
  function parse(text) {
    const m = /rgba?\(([^)]+)\)/.exec(text || "");
    if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  }
  function over(top, bottom) {
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  }
  function lum(c) {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  }
  function ratio(a, b) {
    const x = lum(a), y = lum(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  }
  function hex(c) { return "#" + c.slice(0, 3).map(v => Math.round(v).toString(16).padStart(2, "0")).join(""); }
  // The colours an element is painted on (several for a gradient), or null for a picture.
  function backgrounds(element) {
    const layers = [];
    let bases = null;
    for (let e = element; e && !bases; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.backgroundImage && style.backgroundImage !== "none") {
        const stops = (style.backgroundImage.match(/rgba?\([^)]+\)/g) || []).map(parse);
        if (!stops.length) return null;
        // The gradient is painted on the element's own colour (a striped progress bar), else on white.
        const color = parse(style.backgroundColor);
        const under = color && color[3] > 0 ? over(color, [255, 255, 255, 1]) : [255, 255, 255, 1];
        bases = stops.map(stop => over(stop, under));
        break;
      }
      const color = parse(style.backgroundColor);
      if (color && color[3] >= 1) bases = [color];
      else if (color && color[3] > 0) layers.push(color);
    }
    bases = bases || [[255, 255, 255, 1]];
    return bases.map(base => layers.reverse().reduce((under, layer) => over(layer, under), base));
  }
  function shown(element) {
    if (!element.checkVisibility({ checkOpacity: true, visibilityProperty: true })) return false;
    const box = element.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) return false;
    return !element.closest(".visually-hidden, .visually-hidden-focusable, option, [inert]");
  }
  function disabled(element) {
    return !!element.closest(":disabled, .disabled, [aria-disabled=true]");
  }
  const problems = [];
  const seen = new Set();
  for (const element of document.body.querySelectorAll("*")) {
    const own = Array.from(element.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    const control = element.matches("input:not([type=hidden]):not([type=file]), select, textarea");
    if (!(own || control) || !shown(element) || disabled(element)) continue;
    const style = getComputedStyle(element);
    const bgs = backgrounds(element);
    if (!bgs) continue;
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
    const needed = size >= 24 || (size >= 18.66 && bold) ? 3 : 4.5;
    const text = parse(style.color);
    const worst = Math.min(...bgs.map(bg => ratio(over(text, bg), bg)));
    const words = (element.innerText || element.value || "").trim().slice(0, 40);
    if (worst < needed) {
      const key = "text " + words + hex(text) + hex(bgs[0]);
      if (!seen.has(key)) {
        seen.add(key);
        problems.push(`text «${words}» <${element.tagName.toLowerCase()} class="${element.className}">: ` +
          `${worst.toFixed(2)}:1 (${hex(text)} on ${bgs.map(hex).join("/")}), needs ${needed}:1`);
      }
    }
  }
  const controls = "[class*=btn-outline-], .form-control, .form-select, .form-check-input";
  for (const element of document.body.querySelectorAll(controls)) {
    // A focused field shows Bootstrap's focus ring instead (its border is on its way to the focus colour).
    if (!shown(element) || disabled(element) || element.type === "file" || element.matches(":focus")) continue;
    const style = getComputedStyle(element);
    const border = parse(style.borderTopColor);
    if (!border || parseFloat(style.borderTopWidth) === 0) continue;
    const bgs = backgrounds(element.parentElement);
    if (!bgs) continue;
    const worst = Math.min(...bgs.map(bg => ratio(over(border, bg), bg)));
    if (worst < 3) {
      const key = "border " + element.className + hex(border);
      if (!seen.has(key)) {
        seen.add(key);
        problems.push(`border of <${element.tagName.toLowerCase()} class="${element.className}">: ` +
          `${worst.toFixed(2)}:1 (${hex(border)} on ${bgs.map(hex).join("/")}), needs 3:1`);
      }
    }
  }
  for (const element of document.querySelectorAll("[role=progressbar], [role=region], [role=img]")) {
    if (!element.getAttribute("aria-label") && !element.getAttribute("aria-labelledby")) {
      problems.push(`<${element.tagName.toLowerCase()} role="${element.getAttribute("role")}" ` +
        `class="${element.className}"> has no accessible name`);
    }
  }
  return problems;
}
"""

# On a phone: a box that scrolls sideways must be focusable, or hold something focusable (WCAG 2.1.1).
CHECK_SCROLLING = r"""
() => {
  const focusable = "a[href], button:not(:disabled), input:not([type=hidden]):not(:disabled), select, textarea, " +
    "[tabindex]";
  const problems = [];
  for (const element of document.body.querySelectorAll("*")) {
    const style = getComputedStyle(element);
    if (!["auto", "scroll"].includes(style.overflowX) || element.scrollWidth <= element.clientWidth + 1) continue;
    if (element.matches("[tabindex]") || element.querySelector(focusable)) continue;
    problems.push(`<${element.tagName.toLowerCase()} class="${element.className}"> scrolls but cannot be focused`);
  }
  return problems;
}
"""


def pages(people):
    """(role, url) pairs: every URL of the matrix that answers a page to someone, and each role's own page."""
    visits = []
    for name, (args, expected) in sorted(MATRIX.items()):
        if name.startswith("admin:"):
            continue  # Django's own pages
        role = next((role for role in PREFERENCE if expected.get(role) == OK), None)
        if role is None:
            continue
        url = reverse(name, args=[people[arg].pk if arg in OBJECTS else arg for arg in args])
        visits.append((role, url))
    for role in ROLES:
        if role not in ("anonymous", "new_student"):
            visits.append((role, reverse("account:home")))
    return [(role, url) for role, url in visits if is_page(people[role], url)]


def is_page(user, url):
    """Whether the URL answers this user with a page (not a file: a download, an export, a picture)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    return response.status_code == 200 and response["Content-Type"].startswith("text/html")


def validate(documents, folder):
    """The Nu HTML Checker's errors for {name: html}."""
    java = shutil.which("java")
    assert java and VNU.exists(), "the HTML check needs Java and vnu.jar (npm ci installs vnu-jar)"
    folder.mkdir()
    names = {}
    for index, (label, html) in enumerate(documents.items()):
        path = folder / f"page-{index:03}.html"
        path.write_text(html, encoding="utf-8")
        names[path.resolve().as_uri()] = label
    result = subprocess.run(
        [java, "-jar", str(VNU), "--format", "json", "--exit-zero-always", *sorted(str(p) for p in folder.iterdir())],
        capture_output=True,
        text=True,
        check=True,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    return [
        f"{names.get(m.get('url'), m.get('url'))}:{m.get('lastLine')}: {m['message']} «{m.get('extract', '').strip()}»"
        for m in messages
        if m["type"] == "error"
    ]


def test_every_page_is_valid_readable_and_under_the_policy(browser, live_server, people, edition, tmp_path):
    # Pages in states the matrix's objects do not show: an entry waiting for the coordinator's decision (its
    # return form), and an issuing job under way (a progress bar that refreshes itself through htmx).
    waiting = factories.entry(user=people["student"], title="Ожидает решения")
    Entry.objects.filter(pk=waiting.pk).update(state=Entry.State.SUBMITTED)
    running = IssueJob.objects.create(
        edition=edition, kinds=[Kind.CERTIFICATE], created_by=people["organizer"], status=IssueJob.Status.RUNNING
    )
    visits = pages(people)
    visits += [
        ("coordinator", reverse("submissions:region_entry", args=["astana", waiting.pk])),
        ("organizer", reverse("certificates:job", args=[running.pk])),
    ]

    tabs, documents, failures = {}, {}, []
    console = []
    for role, url in visits:
        if role not in tabs:
            if people[role] is None:
                context = browser.new_context(locale="ru-RU")
                tab = context.new_page()
            else:
                tab = signed_in_page(browser, live_server, people[role])
            tab.set_viewport_size({"width": 1280, "height": 900})
            tab.add_init_script(RECORD_VIOLATIONS)
            tab.on(
                "console",
                lambda message, role=role: (
                    console.append(f"{role}: {message.text}") if "Content Security Policy" in message.text else None
                ),
            )
            tabs[role] = tab
        tab = tabs[role]
        label = f"{url} as {role}"
        response = tab.goto(live_server.url + url)
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue  # a file (a download, an export) rather than a page
        policy = response.headers.get("content-security-policy", "")
        if "script-src 'self'" not in policy or "unsafe-inline" in policy:
            failures.append(f"{label}: Content-Security-Policy {policy!r}")
        html = response.text()
        if not html.lstrip().lower().startswith("<!doctype html>"):
            continue  # a piece of a page that htmx puts in (checked within its page)
        documents[label] = html
        tab.wait_for_load_state("load")
        failures += [f"{label}: refused: {v}" for v in tab.evaluate("window.__csp")]
        failures += [f"{label}: {problem}" for problem in tab.evaluate(CHECK_PAGE)]
        tab.set_viewport_size({"width": 390, "height": 844})
        failures += [f"{label} (390 px): {problem}" for problem in tab.evaluate(CHECK_SCROLLING)]
        tab.set_viewport_size({"width": 1280, "height": 900})
    for tab in tabs.values():
        tab.context.close()

    assert len(documents) >= 60, sorted(documents)
    failures += [f"console: {line}" for line in console]
    failures += validate(documents, tmp_path / "pages")
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures)
