/**
 * The dashboard's only script and stylesheet, served from /agents/assets/ (the CSP allows nothing else).
 * The script keeps a page live: on each server-sent `change` it fetches the page again and swaps its `<main>`,
 * so every value still comes through the server's escaping templates.
 */
export const DASHBOARD_JS = `"use strict";
(function () {
  var main = document.querySelector("main[data-live]");
  if (!main || !window.EventSource) return;
  var busy = false, again = false;
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(location.href, { headers: { accept: "text/html" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var next = new DOMParser().parseFromString(html, "text/html").querySelector("main[data-live]");
        var current = document.querySelector("main[data-live]");
        if (next && current && next.getAttribute("data-version") !== current.getAttribute("data-version")) {
          current.replaceWith(document.importNode(next, true));
        }
      })
      .catch(function () {})
      .then(function () { busy = false; if (again) { again = false; refresh(); } });
  }
  var source = new EventSource(main.getAttribute("data-live"));
  source.addEventListener("change", refresh);
  source.addEventListener("open", refresh);
})();
`;

export const DASHBOARD_CSS = `:root{--bg:#f6f8fa;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--card:#fff;
--queued:#8c959f;--ready:#8c959f;--running:#0969da;--waiting:#bf8700;--succeeded:#1a7f37;--failed:#cf222e;--skipped:#afb8c1;--cancelled:#6e7781}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;background:var(--bg);color:var(--fg)}
header.top{display:flex;justify-content:space-between;align-items:center;padding:10px 24px;background:#24292f;color:#fff}
header.top a.brand{color:#fff;font-weight:600;text-decoration:none}header.top form{margin:0}
main{max-width:1280px;margin:0 auto;padding:16px 24px}main.narrow{max-width:420px}
h1{font-size:22px;margin:8px 0}h1 .subject{color:var(--muted)}h2{font-size:16px;margin:24px 0 8px}
a{color:#0969da}code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
table{border-collapse:collapse;width:100%;background:var(--card);border:1px solid var(--line)}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);vertical-align:top}th{background:#f0f3f6;font-weight:600}
td.tokens,td.attempts{text-align:right}.muted,.crumbs,.meta{color:var(--muted)}
.links a{margin-right:12px}
#filters{display:flex;gap:12px;align-items:end;margin:8px 0 12px;flex-wrap:wrap}#filters label{display:flex;flex-direction:column;font-size:12px;color:var(--muted)}
select,input,button{font:inherit;padding:4px 8px;border:1px solid var(--line);border-radius:6px;background:#fff}
button{cursor:pointer;background:#f6f8fa}#login{display:flex;flex-direction:column;gap:8px}
.error{color:var(--failed);font-weight:600}
.badge{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;color:#fff;background:var(--queued);margin-right:4px}
.badge.s-running{background:var(--running)}.badge.s-waiting{background:var(--waiting)}.badge.s-succeeded{background:var(--succeeded)}
.badge.s-failed{background:var(--failed)}.badge.s-skipped{background:var(--skipped)}.badge.s-cancelled{background:var(--cancelled)}
.badge.sev-blocker,.badge.sev-high{background:var(--failed)}.badge.sev-medium{background:var(--waiting)}.badge.sev-low{background:var(--queued)}
nav.pages{margin:12px 0;display:flex;gap:16px}
svg{background:var(--card);border:1px solid var(--line);border-radius:6px;max-width:100%;height:auto}
#dag .phase rect{fill:#f6f8fa;stroke:var(--line)}#dag .phase text{font-size:11px;fill:var(--muted)}
#dag .edge{fill:none;stroke:#8c959f;stroke-width:1.3}#dag .arrowhead{fill:#8c959f}
#dag .node rect{fill:#fff;stroke:var(--queued);stroke-width:2}#dag .node text{font-size:12px;fill:var(--fg)}
#dag .node.s-running rect{stroke:var(--running);fill:#ddf4ff}#dag .node.s-waiting rect{stroke:var(--waiting);fill:#fff8c5}
#dag .node.s-succeeded rect{stroke:var(--succeeded);fill:#dafbe1}#dag .node.s-failed rect{stroke:var(--failed);fill:#ffebe9}
#dag .node.s-skipped rect{stroke:var(--skipped);stroke-dasharray:4 3}#dag .node.s-cancelled rect{stroke:var(--cancelled);fill:#eaeef2}
#timeline .tick line{stroke:#eaeef2}#timeline .tick text{font-size:10px;fill:var(--muted);text-anchor:middle}
#timeline .label{font-size:12px;text-anchor:end;fill:var(--fg)}
#timeline .bar{fill:var(--queued)}#timeline .bar.s-running{fill:var(--running)}#timeline .bar.s-waiting{fill:var(--waiting)}
#timeline .bar.s-succeeded{fill:var(--succeeded)}#timeline .bar.s-failed{fill:var(--failed)}#timeline .bar.s-cancelled{fill:var(--cancelled)}
#gates li{margin:4px 0}.findings{list-style:none;padding:0}.finding{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:6px 10px;margin:6px 0}
.finding p{margin:4px 0 0;white-space:pre-wrap}.legend .badge{opacity:.9}
header.top .home{display:flex;align-items:center;gap:20px}nav.sections{display:flex;gap:14px}
nav.sections a{color:#d1d9e0;text-decoration:none}nav.sections a[aria-current=page]{color:#fff;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.charts{display:flex;flex-wrap:wrap;gap:12px}figure.curve{margin:0;background:var(--card);border:1px solid var(--line);border-radius:6px;padding:8px}
figure.curve figcaption{font-size:12px;margin-bottom:4px}figure.curve svg{border:0}
.learning-curve .ytick line{stroke:#eaeef2}.learning-curve text{font-size:10px;fill:var(--muted)}
.learning-curve .line{fill:none;stroke:var(--running);stroke-width:2}.learning-curve .point{fill:var(--running)}
`;
